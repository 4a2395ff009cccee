// Plans of one symbol on both backends (issue 13): the symbol's turn queue, a ledger sync fenced against
// bookings and orders in flight, and the drift findings the sweep keeps.
import { describe, expect, it } from 'vitest';
import { DRIFT_SWEEP_OPERATOR } from '../../src/domain/drift.js';
import { type DriftInput, type LedgerSyncInput, type Store } from '../../src/store/index.js';
import { openDb } from '../../src/store/store.js';
import { embeddedBackend, postgresBackend, useTwoStores, type Backend } from './backends.js';
import { fill, newPlanId, newSymbol, permit, VENUE } from './fixtures.js';

const backends: Backend[] = [postgresBackend(), embeddedBackend()];

describe.each(backends)('plans of one symbol on $name', (backend) => {
  let store!: Store;
  let second!: Store;
  useTwoStores(backend, (a, b) => {
    store = a;
    second = b;
  });

  const run = (symbol: string) => {
    const planId = newPlanId();
    return { venue: VENUE, symbol, planId, workflowId: `plan-${planId}`, runId: `run-${planId}` };
  };

  describe('symbol turns', () => {
    it('the first plan to queue holds the turn; the others wait in order, and each release passes it on', async () => {
      const symbol = newSymbol();
      const [a, b, c] = [run(symbol), run(symbol), run(symbol)];
      expect(await store.takeTurn(a)).toMatchObject({ granted: true, turn: { planId: a.planId, grantedAt: expect.any(String) } });
      expect(await second.takeTurn(b)).toMatchObject({ granted: false, holder: { planId: a.planId }, ahead: 1 });
      expect(await store.takeTurn(c)).toMatchObject({ granted: false, holder: { planId: a.planId }, ahead: 2 });
      // Asking again is answered from the same row: no new place in the queue.
      expect(await store.takeTurn(b)).toMatchObject({ granted: false, ahead: 1 });
      expect((await store.openTurns(VENUE, symbol)).map((t) => t.planId)).toEqual([a.planId, b.planId, c.planId]);

      expect(await store.releaseTurn(a, 'plan ended EXECUTED')).toMatchObject({ released: { planId: a.planId, releaseReason: 'plan ended EXECUTED' }, next: { planId: b.planId } });
      expect(await second.takeTurn(c)).toMatchObject({ granted: false, holder: { planId: b.planId }, ahead: 1 });
      expect(await second.takeTurn(b)).toMatchObject({ granted: true });
      // A waiter leaving (cancelled) does not pass the turn on: the holder keeps it.
      expect(await store.releaseTurn(c, 'plan ended CANCELLED')).toMatchObject({ released: { planId: c.planId }, next: { planId: b.planId } });
      expect(await store.releaseTurn(b, 'plan ended DENIED')).toMatchObject({ next: null });
      expect(await store.releaseTurn(b, 'again')).toEqual({ released: null, next: null });
      // Released again while others wait (a release run again after a crash): the holder is named again.
      const [d, e] = [run(symbol), run(symbol)];
      await store.takeTurn(d);
      await store.takeTurn(e);
      await store.releaseTurn(d, 'plan ended EXECUTED');
      expect(await store.releaseTurn(d, 'plan ended EXECUTED')).toMatchObject({ released: null, next: { planId: e.planId } });
      await store.releaseTurn(e, 'done');
      expect(await store.openTurns(VENUE, symbol)).toEqual([]);
      expect((await store.turnsOfPlan(a.planId)).map((t) => t.releaseReason)).toEqual(['plan ended EXECUTED']);
    });

    it('plans of other symbols do not wait for each other', async () => {
      const [x, y] = [run(newSymbol()), run(newSymbol())];
      expect(await store.takeTurn(x)).toMatchObject({ granted: true });
      expect(await second.takeTurn(y)).toMatchObject({ granted: true });
      await store.releaseTurn(x, 'done');
      await store.releaseTurn(y, 'done');
    });

    it('exactly one of many plans racing for a free symbol gets the turn, from two connections', async () => {
      const symbol = newSymbol();
      const runs = Array.from({ length: 10 }, () => run(symbol));
      const answers = await Promise.all(runs.map((r, i) => (i % 2 ? second : store).takeTurn(r)));
      expect(answers.filter((a) => a.granted)).toHaveLength(1);
      const holder = answers.find((a) => a.granted)!.turn.planId;
      expect(answers.filter((a) => !a.granted).every((a) => !a.granted && a.holder.planId === holder)).toBe(true);
      expect(answers.filter((a) => !a.granted).map((a) => (a.granted ? 0 : a.ahead)).sort((p, q) => p - q)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of runs) await store.releaseTurn(r, 'done');
    });

    it('a holder whose run closed is released by seq, and the next plan holds the turn', async () => {
      const symbol = newSymbol();
      const [dead, waiting] = [run(symbol), run(symbol)];
      const held = await store.takeTurn(dead);
      await store.takeTurn(waiting);
      expect(await store.releaseTurnOf(held.turn.seq, 'holder_closed: TERMINATED')).toMatchObject({ released: { planId: dead.planId }, next: { planId: waiting.planId } });
      expect(await store.releaseTurnOf(held.turn.seq, 'again')).toMatchObject({ released: null, next: { planId: waiting.planId } });
      expect(await store.takeTurn(waiting)).toMatchObject({ granted: true });
      await store.releaseTurn(waiting, 'done');
    });

    it("a newer run of the same workflow (a reset) takes over its earlier run's place and turn, not a place at the back", async () => {
      const symbol = newSymbol();
      const [holder, waiting] = [run(symbol), run(symbol)];
      const held = await store.takeTurn(holder);
      await store.takeTurn(waiting);
      const resetRun = { ...holder, runId: `${holder.runId}-reset` };
      expect(await store.takeTurn(resetRun)).toMatchObject({ granted: true, turn: { seq: held.turn.seq, runId: resetRun.runId } });
      expect(await store.takeTurn(waiting)).toMatchObject({ granted: false, holder: { runId: resetRun.runId } });
      expect(await store.releaseTurn(resetRun, 'done')).toMatchObject({ released: { seq: held.turn.seq }, next: { planId: waiting.planId } });
      await store.releaseTurn(waiting, 'done');
    });

    it("a late retry of a release by its row cannot release the plan's newer place, nor another plan's", async () => {
      const symbol = newSymbol();
      const [r, other] = [run(symbol), run(symbol)];
      const first = await store.takeTurn(r);
      await store.releaseTurnOf(first.turn.seq, 'held by a pause', r.planId);
      const again = await store.takeTurn(r); // resumed: queues anew
      expect(again.turn.seq).toBeGreaterThan(first.turn.seq);
      expect(await store.releaseTurnOf(first.turn.seq, 'held by a pause (late retry)', r.planId)).toMatchObject({ released: null, next: { seq: again.turn.seq } });
      expect(await store.openTurns(VENUE, symbol)).toEqual([expect.objectContaining({ seq: again.turn.seq, releasedAt: null })]);
      await store.takeTurn(other);
      await expect(store.releaseTurnOf(again.turn.seq, 'wrong plan', other.planId)).rejects.toThrow(/is plan .*'s, not plan/);
      await store.releaseTurn(r, 'done');
      await store.releaseTurn(other, 'done');
    });

    it('a run queues for one symbol at a time', async () => {
      const r = run(newSymbol());
      await store.takeTurn(r);
      await expect(store.takeTurn({ ...r, symbol: newSymbol() })).rejects.toThrow(/already queues for/);
      await store.releaseTurn(r, 'done');
    });
  });

  describe('ledger sync fenced against bookings', () => {
    const syncInput = (symbol: string, target: string, basedOnVersion: number, overrides: Partial<LedgerSyncInput> = {}): LedgerSyncInput => ({
      venue: VENUE, symbol, target, who: 'alice', why: 'reconcile', command: 'test', idempotencyKey: `${symbol}:${target}:${basedOnVersion}`,
      basedOnVersion, exchangeReadAt: '2026-12-03T10:00:00.000Z', exchangeUpdatedAt: '2026-12-03T09:59:59.500Z', ...overrides,
    });

    /** An order of a plan on `symbol`: begun, settled placed, nothing booked. */
    async function placedOrder(symbol: string, qty: string) {
      const planId = newPlanId();
      const governor = permit({ planId, symbol });
      const p33 = permit({ planId, symbol, layer: 'p33', computedQty: null, computedNotional: null });
      await store.recordPermit(governor);
      await store.recordPermit(p33);
      const now = Date.now();
      const begun = await store.beginOrderAttempt({ planId, symbol, side: 'SELL', qty, governorPermitId: governor.permitId, positionPermitId: p33.permitId, exchangeTimestamp: now, recvWindowMs: 5000, settlesAt: now + 11_000, at: new Date(now) });
      if (!begun.ok) throw new Error(`not begun: ${begun.reason}`);
      await store.settleOrderAttempt(planId, 1, 'placed', `ex-${planId}`, null);
      return { planId, clientOrderId: begun.attempt.clientOrderId, exchangeOrderId: `ex-${planId}` };
    }

    it('writes the exchange position and records what it read: when, the update time there, the version it was based on', async () => {
      const symbol = newSymbol();
      await store.bookFill(fill({ symbol, qty: '1' }));
      const snapshot = await store.ledgerSnapshot(VENUE, symbol);
      expect(snapshot).toMatchObject({ position: '1', version: 1, inFlight: [] });
      const outcome = await store.syncLedger(syncInput(symbol, '0.9', snapshot.version));
      expect(outcome).toMatchObject({ ok: true, adjustment: { before: '1', after: '0.9', delta: '-0.1', replayed: false }, resumed: null, resolvedFindings: 0 });
      const [adjustment] = await store.adjustmentHistory(VENUE, symbol);
      expect(adjustment).toMatchObject({ exchangeReadAt: '2026-12-03T10:00:00.000Z', exchangeUpdatedAt: '2026-12-03T09:59:59.500Z', basedOnVersion: 1 });
      expect((await store.ledgerSnapshot(VENUE, symbol)).version).toBe(2);
    });

    it('refuses when something was booked after its snapshot (read → fill booked → write): the fill is not overwritten', async () => {
      const symbol = newSymbol();
      await store.bookFill(fill({ symbol, qty: '1' }));
      const snapshot = await store.ledgerSnapshot(VENUE, symbol);
      await second.bookFill(fill({ symbol, side: 'SELL', qty: '0.5' })); // booked while the exchange was read
      expect(await store.syncLedger(syncInput(symbol, '1', snapshot.version))).toEqual({ ok: false, reason: 'ledger_changed', version: 2 });
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('0.5');
    });

    it('refuses while an order of the symbol is in flight (filled → reconcile → booking): the fill is counted once', async () => {
      const symbol = newSymbol();
      await store.adjustLedger({ venue: VENUE, symbol, target: '1', who: 'set-up', why: 'test' });
      const order = await placedOrder(symbol, '0.5');
      // The exchange shows 0.5 (the order filled); the booking has not come yet.
      const snapshot = await store.ledgerSnapshot(VENUE, symbol);
      expect(snapshot.inFlight.map((o) => o.clientOrderId)).toEqual([order.clientOrderId]);
      const refused = await store.syncLedger(syncInput(symbol, '0.5', snapshot.version));
      expect(refused).toMatchObject({ ok: false, reason: 'order_in_flight', orders: [{ clientOrderId: order.clientOrderId }] });
      await store.bookFill(fill({ symbol, planId: order.planId, clientOrderId: order.clientOrderId, exchangeOrderId: order.exchangeOrderId, side: 'SELL', qty: '0.5', final: { status: 'FILLED' } }));
      const after = await store.ledgerSnapshot(VENUE, symbol);
      expect(after).toMatchObject({ position: '0.5', inFlight: [] });
      expect(await store.syncLedger(syncInput(symbol, '0.5', after.version))).toMatchObject({ ok: true, adjustment: { before: '0.5', after: '0.5', delta: '0' } });
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('0.5');
    });

    it('a retried sync that committed answers with its first result, whatever was booked since', async () => {
      const symbol = newSymbol();
      const snapshot = await store.ledgerSnapshot(VENUE, symbol);
      const input = syncInput(symbol, '2', snapshot.version);
      const first = await store.syncLedger(input);
      await store.bookFill(fill({ symbol, qty: '0.1' }));
      const again = await second.syncLedger(input);
      expect(first.ok && again.ok && again.adjustment).toEqual(first.ok && { ...first.adjustment, replayed: true });
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('2.1');
    });

    it('resolves the open drift finding of the symbol, and lifts a pause the drift sweep set (not an operator\'s)', async () => {
      const symbol = newSymbol();
      const other = newSymbol();
      for (const s of [symbol, other]) await store.recordDrift(drift(s, '3', '1'));
      await store.setTradingState({ scope: symbol, state: 'paused', who: DRIFT_SWEEP_OPERATOR, why: 'drift finding' });
      await store.setTradingState({ scope: other, state: 'paused', who: 'bob', why: 'looking into it' });
      const synced = await store.syncLedger(syncInput(symbol, '3', (await store.ledgerSnapshot(VENUE, symbol)).version));
      expect(synced).toMatchObject({ ok: true, resumed: { scope: symbol, state: 'running', who: 'alice' }, resolvedFindings: 1 });
      expect((await store.isTradingPaused(symbol)).paused).toBe(false);
      const [finding] = await store.driftFindings({ symbol });
      expect(finding).toMatchObject({ resolvedAt: expect.any(String), resolution: expect.stringMatching(/^reconciled by alice \(adj_.*\): ledger 0 → 3$/) });
      const otherSynced = await store.syncLedger(syncInput(other, '3', (await store.ledgerSnapshot(VENUE, other)).version));
      expect(otherSynced).toMatchObject({ ok: true, resumed: null, resolvedFindings: 1 });
      expect(await store.isTradingPaused(other)).toMatchObject({ paused: true, scope: other });
    });

    it("the sweep's pause never overwrites a person's (even under a global pause), so a reconcile cannot lift theirs", async () => {
      const symbol = newSymbol();
      const global = await store.tradingState();
      await store.setTradingState({ scope: symbol, state: 'paused', who: 'bob', why: 'looking into it' });
      await store.setTradingState({ scope: 'global', state: 'paused', who: 'carol', why: 'venue maintenance' });
      try {
        expect(await store.pauseIfRunning({ scope: symbol, who: DRIFT_SWEEP_OPERATOR, why: 'drift finding' })).toBeNull();
        await store.syncLedger(syncInput(symbol, '1', (await store.ledgerSnapshot(VENUE, symbol)).version));
        expect((await store.tradingStateHistory(5)).filter((c) => c.scope === symbol).map((c) => [c.who, c.state])).toEqual([['bob', 'paused']]);
        const fresh = newSymbol();
        const [a, b] = await Promise.all([
          store.pauseIfRunning({ scope: fresh, who: DRIFT_SWEEP_OPERATOR, why: 'drift finding' }),
          second.pauseIfRunning({ scope: fresh, who: DRIFT_SWEEP_OPERATOR, why: 'drift finding' }),
        ]);
        expect([a, b].filter((c) => c !== null)).toHaveLength(1);
      } finally {
        await store.setTradingState({ scope: 'global', state: global.global, who: 'carol', why: 'maintenance over' });
      }
    });
  });

  const drift = (symbol: string, exchangeAmt: string, ledgerAmt: string, sweepId = 'sweep-1'): DriftInput => ({
    venue: VENUE, symbol, exchangeAmt, ledgerAmt, diff: String(Math.abs(Number(exchangeAmt) - Number(ledgerAmt))), tolerance: '0.001',
    exchangeReadAt: '2026-12-03T10:00:00.000Z', exchangeUpdatedAt: null, ledgerVersion: 3, sweepId, action: 'recorded',
  });

  describe('drift findings', () => {
    it('one open finding per symbol: seen again with the same amounts, superseded by other amounts, resolved', async () => {
      const symbol = newSymbol();
      const first = await store.recordDrift(drift(symbol, '3', '1'));
      expect(first).toMatchObject({ isNew: true, finding: { symbol, exchangeAmt: '3', ledgerAmt: '1', diff: '2', seenCount: 1, resolvedAt: null } });
      const again = await second.recordDrift({ ...drift(symbol, '3', '1', 'sweep-2'), action: 'paused' });
      expect(again).toMatchObject({ isNew: false, finding: { findingId: first.finding.findingId, seenCount: 2, action: 'paused', sweepId: 'sweep-1' } });
      const moved = await store.recordDrift(drift(symbol, '2.5', '1', 'sweep-3'));
      expect(moved).toMatchObject({ isNew: true, finding: { exchangeAmt: '2.5' } });
      const listed = await store.driftFindings({ symbol });
      expect(listed.map((f) => [f.exchangeAmt, f.resolution?.startsWith('superseded') ?? null])).toEqual([['2.5', null], ['3', true]]);
      expect(await store.driftFindings({ symbol, openOnly: true })).toHaveLength(1);
      expect(await store.resolveDrift(VENUE, symbol, 'agree again')).toBe(1);
      expect(await store.resolveDrift(VENUE, symbol, 'agree again')).toBe(0);
      expect(await store.driftFindings({ symbol, openOnly: true })).toEqual([]);
    });

    it('keeps findings for ever, and each sweep once', async () => {
      await store.recordDrift(drift(newSymbol(), '1', '0'));
      const db = openDb(backend.sharedConfig());
      try {
        await expect(db.query('DELETE FROM drift_findings')).rejects.toThrow(/append-only/);
      } finally {
        await db.close();
      }
      const sweep = { sweepId: `sweep-${newPlanId()}`, venue: VENUE, startedAt: '2026-12-03T10:00:00.000Z', finishedAt: '2026-12-03T10:00:00.200Z', checked: 3, drifted: 1, busy: [{ symbol: 'BTCUSDT', why: 'order in flight' }], unreadable: [], error: null };
      await store.recordDriftSweep(sweep);
      await store.recordDriftSweep({ ...sweep, checked: 99 });
      expect((await store.driftSweeps(100)).find((s) => s.sweepId === sweep.sweepId)).toEqual(sweep);
    });
  });
});
