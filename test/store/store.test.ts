import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreInputError, type Store } from '../../src/store/index.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations as allMigrations } from '../../src/store/migrations.js';
import { openDb } from '../../src/store/store.js';
import { embeddedBackend, postgresBackend, type Backend } from './backends.js';
import { fill, newPlanId, newSymbol, permit, VENUE } from './fixtures.js';

const backends: Backend[] = [postgresBackend(), embeddedBackend()];

describe.each(backends)('store on $name', (backend) => {
  let store: Store;
  let second: Store; // another Store on the same database, as a second worker would hold
  let setupError: unknown;

  beforeAll(async () => {
    try {
      await backend.setup();
      store = await openStore(backend.sharedConfig());
      second = await openStore(backend.sharedConfig());
    } catch (err) {
      setupError = err;
    }
  });

  // An unreachable PostgreSQL must fail every test of its backend, not leave them skipped.
  beforeEach(() => {
    if (setupError !== undefined) throw setupError;
  });

  afterAll(async () => {
    await second?.close();
    await store?.close();
    await backend.teardown();
  });

  it('reports its backend kind', () => {
    expect(store.kind).toBe(backend.name);
  });

  describe('ledger', () => {
    it('is "0" for a position never seen', async () => {
      expect(await store.ledgerPosition(VENUE, newSymbol())).toBe('0');
    });

    it('keeps decimals exact: 0.062 − 0.046 = 0.016, ten × 0.1 = 1', async () => {
      const symbol = newSymbol();
      await store.bookFill(fill({ symbol, side: 'BUY', qty: '0.062' }));
      const sold = await store.bookFill(fill({ symbol, side: 'SELL', qty: '0.046' }));
      expect(sold).toEqual({ booked: true, position: '0.016' });
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('0.016');

      const tenths = newSymbol();
      for (let i = 0; i < 10; i++) await store.bookFill(fill({ symbol: tenths, qty: '0.1' }));
      expect(await store.ledgerPosition(VENUE, tenths)).toBe('1');

      const short = await store.bookFill(fill({ symbol: tenths, side: 'SELL', qty: '1.50' }));
      expect(short.position).toBe('-0.5');
    });

    it('books a fill once when it is booked twice', async () => {
      const symbol = newSymbol();
      const f = fill({ symbol, qty: '0.0465' });
      expect(await store.bookFill(f)).toEqual({ booked: true, position: '0.0465' });
      expect(await store.bookFill(f)).toEqual({ booked: false, position: '0.0465' });
      const fills = await store.fillsForPlan(f.planId);
      expect(fills).toHaveLength(1);
      expect(fills[0]).toMatchObject({
        ...f,
        positionBefore: '0',
        positionAfter: '0.0465',
        bookedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
    });

    it('books a fill once when ten bookings race on one Store', async () => {
      const symbol = newSymbol();
      const f = fill({ symbol, qty: '0.062' });
      const results = await Promise.all(Array.from({ length: 10 }, () => store.bookFill(f)));
      expect(results.filter((r) => r.booked)).toHaveLength(1);
      expect(new Set(results.map((r) => r.position))).toEqual(new Set(['0.062']));
      expect(await store.fillsForPlan(f.planId)).toHaveLength(1);
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('0.062');
    });

    it('books a fill once when two Stores (workers) race', async () => {
      const symbol = newSymbol();
      await store.bookFill(fill({ symbol, qty: '0.002' }));
      const f = fill({ symbol, side: 'SELL', qty: '0.001' });
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? second : store).bookFill(f)));
      expect(results.filter((r) => r.booked)).toHaveLength(1);
      expect(await store.fillsForPlan(f.planId)).toHaveLength(1);
      expect(await second.ledgerPosition(VENUE, symbol)).toBe('0.001');
    });

    it('loses no update when different fills of one symbol race', async () => {
      const symbol = newSymbol();
      const fills = Array.from({ length: 10 }, (_, i) => fill({ symbol, side: i % 3 ? 'BUY' : 'SELL', qty: '0.011' }));
      await Promise.all(fills.map((f, i) => (i % 2 ? second : store).bookFill(f)));
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('0.022'); // (6 BUY − 4 SELL) × 0.011
      const journal = (await Promise.all(fills.map((f) => store.fillsForPlan(f.planId)))).flat();
      const chain = journal.sort((a, b) => Number(a.fillId) - Number(b.fillId));
      chain.forEach((f, i) => expect(f.positionBefore).toBe(i === 0 ? '0' : chain[i - 1]?.positionAfter));
    });

    describe('by cumulative executed quantity per order', () => {
      it('books a partial fill, then the rest once the order reports its full cumulative quantity', async () => {
        const symbol = newSymbol();
        await store.bookFill(fill({ symbol, qty: '2' }));
        const partial = fill({ symbol, side: 'SELL', qty: '0.4', price: '60000' });
        expect(await store.bookFill(partial)).toEqual({ booked: true, position: '1.6' });
        expect(await store.bookFill(partial)).toEqual({ booked: false, position: '1.6' });
        const full = { ...partial, qty: '1.0', price: '60500' };
        expect(await store.bookFill(full)).toEqual({ booked: true, position: '1' });
        expect(await store.bookFill(full)).toEqual({ booked: false, position: '1' });
        expect(await store.bookFill(partial)).toEqual({ booked: false, position: '1' }); // a late, smaller cumulative

        const fills = await store.fillsForPlan(partial.planId);
        expect(fills.map((f) => [f.exchangeOrderId, f.qty, f.cumQty, f.price, f.positionBefore, f.positionAfter])).toEqual([
          [partial.exchangeOrderId, '0.4', '0.4', '60000', '2', '1.6'],
          [partial.exchangeOrderId, '0.6', '1', '60500', '1.6', '1'],
        ]);
        expect(await store.ledgerPosition(VENUE, symbol)).toBe('1');
      });

      it('books nothing for a smaller cumulative quantity after a larger one', async () => {
        const symbol = newSymbol();
        const f = fill({ symbol, qty: '0.5' });
        expect(await store.bookFill(f)).toEqual({ booked: true, position: '0.5' });
        expect(await store.bookFill({ ...f, qty: '0.2' })).toEqual({ booked: false, position: '0.5' });
        expect((await store.fillsForPlan(f.planId)).map((x) => x.qty)).toEqual(['0.5']);
      });

      it('books one increment once when bookings of the same cumulative quantity race on two Stores', async () => {
        const symbol = newSymbol();
        const partial = fill({ symbol, qty: '0.4' });
        const full = { ...partial, qty: '1' };
        const first = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? second : store).bookFill(partial)));
        expect(first.filter((r) => r.booked)).toHaveLength(1);
        const rest = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? store : second).bookFill(i % 3 ? full : partial)));
        expect(rest.filter((r) => r.booked)).toHaveLength(1);
        expect((await store.fillsForPlan(partial.planId)).map((f) => [f.qty, f.cumQty])).toEqual([['0.4', '0.4'], ['0.6', '1']]);
        expect(await store.ledgerPosition(VENUE, symbol)).toBe('1');
      });
    });

    it('records every adjustment with before, after, delta, who, why and its cause', async () => {
      const symbol = newSymbol();
      const planId = newPlanId();
      await store.bookFill(fill({ symbol, qty: '0.002' }));
      const first = await store.adjustLedger({
        venue: VENUE, symbol, target: '0.0620', who: 'alice', why: 'exchange shows 0.062', command: 'permitctl reconcile',
      });
      expect(first).toMatchObject({ before: '0.002', after: '0.062', delta: '0.06', replayed: false });
      await store.bookFill(fill({ symbol, side: 'SELL', qty: '0.046' }));
      const answers = { permit_id: 'p33-answered', exchange_amt: '0', ledger_amt: '0.016', diff: '0.016', tolerance: '0.001' };
      const second_ = await store.adjustLedger({ venue: VENUE, symbol, target: '0', who: 'workflow', why: 'reconcile', planId, answers });
      expect(second_).toMatchObject({ before: '0.016', after: '0', delta: '-0.016' });

      const history = await store.adjustmentHistory(VENUE, symbol);
      expect(history).toEqual([
        {
          adjustmentId: first.adjustmentId, venue: VENUE, symbol, before: '0.002', after: '0.062', delta: '0.06',
          who: 'alice', why: 'exchange shows 0.062', planId: null, command: 'permitctl reconcile', idempotencyKey: null, answers: null,
          exchangeReadAt: null, exchangeUpdatedAt: null, basedOnVersion: null, at: first.at,
        },
        {
          adjustmentId: second_.adjustmentId, venue: VENUE, symbol, before: '0.016', after: '0', delta: '-0.016',
          who: 'workflow', why: 'reconcile', planId, command: null, idempotencyKey: null, answers,
          exchangeReadAt: null, exchangeUpdatedAt: null, basedOnVersion: null, at: second_.at,
        },
      ]);
      expect(Date.parse(first.at)).toBeLessThanOrEqual(Date.parse(second_.at));
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('0');
    });

    it('records the denial a plan answers as decimal text, also from a plan whose permit recorded numbers', async () => {
      const symbol = newSymbol();
      // Plans started before decimal text hold their position check's amounts as JSON numbers.
      const recordedAsNumbers = { permit_id: 'p33-numbers', exchange_amt: 0.062, ledger_amt: 0.002, diff: 0.06, tolerance: 0.001 } as unknown as { permit_id: string; exchange_amt: string; ledger_amt: string; diff: string; tolerance: string };
      await store.adjustLedger({ venue: VENUE, symbol, target: '0.062', who: 'workflow', why: 'reconcile', planId: newPlanId(), answers: recordedAsNumbers });
      const [adjustment] = await store.adjustmentHistory(VENUE, symbol);
      expect(adjustment!.answers).toEqual({ permit_id: 'p33-numbers', exchange_amt: '0.062', ledger_amt: '0.002', diff: '0.06', tolerance: '0.001' });
    });

    it('replays an adjustment with the same idempotency key, even when retries race', async () => {
      const symbol = newSymbol();
      const request = { venue: VENUE, symbol, target: '0.062', who: 'workflow', why: 'reconcile', idempotencyKey: `reconcile:${newPlanId()}` };
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? second : store).adjustLedger(request)));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.adjustmentId)).size).toBe(1);

      await store.bookFill(fill({ symbol, qty: '0.001' }));
      const later = await store.adjustLedger(request);
      expect(later).toEqual({ ...results[0], replayed: true });
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('0.063'); // the replay changed nothing
      expect(await store.adjustmentHistory(VENUE, symbol)).toHaveLength(1);

      await expect(store.adjustLedger({ ...request, target: '1' })).rejects.toThrow(/idempotency key/);
    });

    it('lists positions for the CLI', async () => {
      const symbol = newSymbol();
      await store.bookFill(fill({ symbol, qty: '0.5' }));
      const positions = await store.ledgerPositions();
      expect(positions.find((p) => p.symbol === symbol)).toMatchObject({ venue: VENUE, position: '0.5' });
    });
  });

  describe('permit log', () => {
    it('round-trips a permit decision of each layer, idempotent on permitId', async () => {
      const planId = newPlanId();
      const createdAt = new Date('2026-01-25T00:30:08.977Z');
      const governor = permit({ planId, computedQty: '0.04650', computedNotional: '0' }, createdAt);
      const p33 = permit(
        {
          planId, layer: 'p33', granted: false, reason: 'reconcile_required_qty_mismatch',
          context: { exchange_amt: 0.062, ledger_amt: 0.002, diff: '0.060', tolerance: 0.001 },
          computedQty: null, computedNotional: null,
        },
        new Date('2026-01-25T00:30:08.978Z'),
      );
      expect(await store.recordPermit(governor)).toEqual({ ...governor, computedQty: '0.0465', consumedAt: null, revokedAt: null });
      // An activity run again decides anew, later: the first decision is what is kept and answered.
      const rerun = permit({ planId, computedQty: '0.1', computedNotional: '0' }, new Date('2026-01-25T00:30:12.000Z'));
      expect(await store.recordPermit(rerun)).toEqual({ ...governor, computedQty: '0.0465', consumedAt: null, revokedAt: null });
      await second.recordPermit(p33);

      const permits = await store.permitsForPlan(planId);
      expect(permits).toEqual([
        { ...governor, computedQty: '0.0465', consumedAt: null, revokedAt: null },
        { ...p33, consumedAt: null, revokedAt: null },
      ]);
      expect(permits[0]?.expiresAt).toBe('2026-01-25T00:30:23.977Z');
    });

    it('lets exactly one of ten racing consumers win', async () => {
      const p = permit({ planId: newPlanId() });
      await store.recordPermit(p);
      const now = new Date();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? second : store).consumePermit(p.permitId, now)));
      expect(results.filter((r) => r === 'consumed')).toHaveLength(1);
      expect(results.filter((r) => r === 'already_consumed')).toHaveLength(9);
      const [stored] = await store.permitsForPlan(p.planId);
      expect(stored?.consumedAt).toBe(now.toISOString());
    });

    it('refuses a consumer at or after expiry', async () => {
      const createdAt = new Date(Date.now() - 20_000);
      const p = permit({ planId: newPlanId() }, createdAt);
      await store.recordPermit(p);
      expect(await store.consumePermit(p.permitId, new Date(p.expiresAt))).toBe('expired');
      expect(await store.consumePermit(p.permitId, new Date())).toBe('expired');
      expect(await store.consumePermit(p.permitId, new Date(Date.parse(p.expiresAt) - 1))).toBe('consumed');
    });

    it('refuses a consumer while trading is paused for the permit symbol, in the same statement', async () => {
      const sym = newSymbol();
      const p = permit({ planId: newPlanId(), symbol: sym });
      await store.recordPermit(p);
      await store.setTradingState({ scope: sym, state: 'paused', who: 'alice', why: 'exchange incident' });
      expect(await store.consumePermit(p.permitId, new Date())).toBe('trading_paused');
      await store.setTradingState({ scope: sym, state: 'running', who: 'alice', why: 'incident over' });
      expect(await store.consumePermit(p.permitId, new Date())).toBe('consumed');
    });

    it('refuses a consumer while trading is halted, naming the halt before any pause; the state lists who, why and since', async () => {
      const sym = newSymbol();
      const plan = newPlanId();
      const p = permit({ planId: plan, symbol: sym });
      await store.recordPermit(p);
      await store.setTradingState({ scope: `plan:${plan}`, state: 'paused', who: 'alice', why: 'look first' });
      await store.setTradingState({ scope: sym, state: 'halted', who: 'bob', why: 'exchange incident' });
      expect(await store.isTradingPaused(sym, plan)).toEqual({ paused: true, halted: true, scope: sym, reason: 'exchange incident' });
      expect(await store.consumePermit(p.permitId, new Date())).toBe('trading_halted');
      expect((await store.tradingStates()).find((s) => s.scope === sym)).toMatchObject({ state: 'halted', who: 'bob', why: 'exchange incident', since: expect.stringMatching(/Z$/) });
      // The drift sweep's pause never overwrites a halt.
      expect(await store.pauseIfRunning({ scope: sym, who: 'drift-sweep', why: 'drift' })).toBeNull();
      await store.setTradingState({ scope: sym, state: 'running', who: 'bob', why: 'incident over' });
      expect(await store.consumePermit(p.permitId, new Date())).toBe('trading_paused');
      await store.setTradingState({ scope: `plan:${plan}`, state: 'running', who: 'alice', why: 'go on' });
      expect(await store.consumePermit(p.permitId, new Date())).toBe('consumed');
    });

    it('refuses a consumer while its plan alone is paused, and only that plan', async () => {
      const sym = newSymbol();
      const [paused, other] = [permit({ planId: newPlanId(), symbol: sym }), permit({ planId: newPlanId(), symbol: sym })];
      await store.recordPermit(paused);
      await store.recordPermit(other);
      await store.setTradingState({ scope: `plan:${paused.planId}`, state: 'paused', who: 'alice', why: 'hold this plan' });
      expect(await store.consumePermit(paused.permitId, new Date())).toBe('trading_paused');
      expect(await store.consumePermit(other.permitId, new Date())).toBe('consumed');
      await store.setTradingState({ scope: `plan:${paused.planId}`, state: 'running', who: 'alice', why: 'go on' });
      expect(await store.consumePermit(paused.permitId, new Date())).toBe('consumed');
    });

    it('refuses a denied permit and an unknown one', async () => {
      const p = permit({ planId: newPlanId(), layer: 'p33', granted: false, reason: 'reconcile_required_qty_mismatch' });
      await store.recordPermit(p);
      expect(await store.consumePermit(p.permitId, new Date())).toBe('not_granted');
      expect(await store.consumePermit('quantum:permit:nope#1', new Date())).toBe('not_found');
    });
  });

  describe('trading state', () => {
    it('pauses and resumes globally and per symbol, recording who/why/when', async () => {
      const [btc, eth] = [newSymbol(), newSymbol()];
      expect(await store.isTradingPaused(btc)).toEqual({ paused: false, halted: false, scope: null, reason: null });

      const pauseBtc = await store.setTradingState({ scope: btc, state: 'paused', who: 'alice', why: 'ledger drift' });
      expect(pauseBtc).toMatchObject({ scope: btc, previousState: 'running', state: 'paused', who: 'alice', why: 'ledger drift' });
      expect(await second.isTradingPaused(btc)).toEqual({ paused: true, halted: false, scope: btc, reason: 'ledger drift' });
      expect((await store.isTradingPaused(eth)).paused).toBe(false);

      await store.setTradingState({ scope: 'global', state: 'paused', who: 'bob', why: 'exchange incident' });
      expect(await store.isTradingPaused(eth)).toEqual({ paused: true, halted: false, scope: 'global', reason: 'exchange incident' });
      expect(await store.isTradingPaused(btc)).toMatchObject({ paused: true, scope: 'global' });
      expect(await store.tradingState()).toMatchObject({ global: 'paused', symbols: { [btc]: 'paused' } });

      await store.setTradingState({ scope: 'global', state: 'running', who: 'bob', why: 'incident over' });
      expect((await store.isTradingPaused(eth)).paused).toBe(false);
      expect(await store.isTradingPaused(btc)).toMatchObject({ paused: true, scope: btc });

      const plan = newPlanId();
      await store.setTradingState({ scope: `plan:${plan}`, state: 'paused', who: 'carol', why: 'hold one plan' });
      expect(await store.isTradingPaused(eth, plan)).toEqual({ paused: true, halted: false, scope: `plan:${plan}`, reason: 'hold one plan' });
      expect((await store.isTradingPaused(eth)).paused).toBe(false);
      expect(await store.isTradingPaused(btc, plan)).toMatchObject({ paused: true, scope: btc }); // the wider scope is reported
      expect((await store.tradingState()).plans).toMatchObject({ [plan]: 'paused' });
      await store.setTradingState({ scope: `plan:${plan}`, state: 'running', who: 'carol', why: 'go on' });
      expect((await store.isTradingPaused(eth, plan)).paused).toBe(false);
      await expect(store.setTradingState({ scope: 'plan:', state: 'paused', who: 'carol', why: 'x' })).rejects.toThrow(/scope/);

      const history = (await store.tradingStateHistory(5)).slice(2);
      expect(history.map((c) => [c.scope, c.previousState, c.state, c.who, c.why])).toEqual([
        ['global', 'paused', 'running', 'bob', 'incident over'],
        ['global', 'running', 'paused', 'bob', 'exchange incident'],
        [btc, 'running', 'paused', 'alice', 'ledger drift'],
      ]);
      expect(history.every((c) => /\.\d{3}Z$/.test(c.at))).toBe(true);
    });

    it('lists the history newest first also past ten changes (change ids compared as numbers, not text)', async () => {
      const symbol = newSymbol();
      for (let i = 0; i < 12; i++) await store.setTradingState({ scope: symbol, state: i % 2 ? 'running' : 'paused', who: 'dave', why: `change ${i}` });
      const newest = await store.tradingStateHistory(12);
      expect(newest.map((c) => c.why)).toEqual(Array.from({ length: 12 }, (_, i) => `change ${11 - i}`));
    });
  });

  describe('malformed input', () => {
    it('refuses it with a field-level error and writes nothing', async () => {
      const symbol = newSymbol();
      const planId = newPlanId();
      const cases: [string, () => Promise<unknown>, RegExp][] = [
        ['NaN qty', () => store.bookFill(fill({ symbol, planId, qty: 'NaN' })), /qty/],
        ['negative qty', () => store.bookFill(fill({ symbol, planId, qty: '-0.1' })), /qty/],
        ['exponent price', () => store.bookFill(fill({ symbol, planId, price: '1e5' })), /price/],
        ['bad symbol', () => store.bookFill(fill({ symbol: 'btc/usdt', planId })), /symbol/],
        ['NaN target', () => store.adjustLedger({ venue: VENUE, symbol, target: 'NaN', who: 'a', why: 'b' }), /target/],
        ['empty who', () => store.adjustLedger({ venue: VENUE, symbol, target: '1', who: ' ', why: 'b' }), /who/],
        ['negative TTL', () => store.recordPermit(permit({ planId, ttlSeconds: -15 })), /ttlSeconds/],
        ['wrong permit key', () => store.recordPermit({ ...permit({ planId }), permitKey: 'quantum:permit:other' }), /permitKey/],
        ['expiry before creation', () => store.recordPermit({ ...permit({ planId }), expiresAt: '2020-01-01T00:00:00.000Z' }), /expiresAt/],
        ['bad scope', () => store.setTradingState({ scope: 'Global', state: 'paused', who: 'a', why: 'b' }), /scope/],
        ['invalid date', () => store.consumePermit('x', new Date('nope')), /now/],
      ];
      for (const [name, call, field] of cases) {
        const error = await call().then(() => undefined, (err: unknown) => err);
        expect(error, name).toBeInstanceOf(StoreInputError);
        expect((error as StoreInputError).message, name).toMatch(field);
      }
      expect(await store.ledgerPosition(VENUE, symbol)).toBe('0');
      expect(await store.fillsForPlan(planId)).toEqual([]);
      expect(await store.permitsForPlan(planId)).toEqual([]);
    });

    it('keeps the journal append-only', async () => {
      const db = openDb(backend.sharedConfig());
      try {
        await expect(db.query('UPDATE ledger_fills SET qty = 1')).rejects.toThrow(/append-only/);
        await expect(db.query('DELETE FROM ledger_adjustments')).rejects.toThrow(/append-only/);
      } finally {
        await db.close();
      }
    });
  });

  describe('lifecycle', () => {
    it('applies migrations once, even when two Stores open a fresh database at once', async () => {
      const cfg = await backend.isolatedConfig();
      const [a, b] = await Promise.all([openStore(cfg), openStore(cfg)]);
      await a.close();
      await b.close();
      const again = await openStore(cfg);
      await again.close();

      const db = openDb(cfg);
      try {
        expect(await migrate(db, cfg.schema ?? 'public')).toEqual([]);
        const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
        expect(rows.map((r) => Number(r.version))).toEqual([1, 2, 3, 4, 5, 6]);
      } finally {
        await db.close();
      }
    });

    it('migration 3 backfills fills booked before it as whole orders (cumulative quantity = quantity)', async () => {
      const cfg = await backend.isolatedConfig();
      const symbol = newSymbol();
      const db = openDb(cfg);
      try {
        await migrate(db, cfg.schema ?? 'public', allMigrations.slice(0, 2));
        await db.query(
          `INSERT INTO ledger_fills (venue, symbol, plan_id, client_order_id, exchange_order_id, side, qty, price, filled_at,
                                     booked_at, position_before, position_after)
           VALUES ($1, $2, 'p-old', 'c-old', 'e-old', 'BUY', 0.062, 60000, now(), now(), 0, 0.062)`,
          [VENUE, symbol],
        );
        await db.query(`INSERT INTO ledger_positions (venue, symbol, position, updated_at) VALUES ($1, $2, 0.062, now())`, [VENUE, symbol]);
        expect(await migrate(db, cfg.schema ?? 'public')).toEqual([3, 4, 5, 6]);
        await expect(db.query('UPDATE ledger_fills SET qty = 1')).rejects.toThrow(/append-only/);
      } finally {
        await db.close();
      }
      const migrated = await openStore(cfg);
      try {
        expect((await migrated.fillsForPlan('p-old')).map((f) => [f.qty, f.cumQty])).toEqual([['0.062', '0.062']]);
        const old = fill({ symbol, planId: 'p-old', clientOrderId: 'c-old', exchangeOrderId: 'e-old', qty: '0.062' });
        expect(await migrated.bookFill(old)).toEqual({ booked: false, position: '0.062' });
        expect(await migrated.bookFill({ ...old, qty: '0.1' })).toEqual({ booked: true, position: '0.1' });
      } finally {
        await migrated.close();
      }
    });

    it('keeps everything across a restart (close and reopen)', async () => {
      const cfg = await backend.isolatedConfig();
      const symbol = newSymbol();
      const planId = newPlanId();
      const p = permit({ planId });

      const before = await openStore(cfg);
      await before.bookFill(fill({ symbol, planId, qty: '0.062' }));
      const adjustment = await before.adjustLedger({ venue: VENUE, symbol, target: '0.06', who: 'alice', why: 'drift', idempotencyKey: 'k1' });
      await before.recordPermit(p);
      await before.consumePermit(p.permitId, new Date());
      await before.setTradingState({ scope: symbol, state: 'paused', who: 'alice', why: 'investigating' });
      const snapshot = await snapshotOf(before, symbol, planId);
      await before.close();

      if (backend.name === 'embedded') expect(existsSync(join(cfg.dataDir ?? '', 'ledger', 'PG_VERSION'))).toBe(true);

      const after = await openStore(cfg);
      try {
        expect(await snapshotOf(after, symbol, planId)).toEqual(snapshot);
        expect(snapshot.fills).toHaveLength(1);
        expect(snapshot.permits[0]?.consumedAt).not.toBeNull();
        expect(await after.adjustLedger({ venue: VENUE, symbol, target: '0.06', who: 'alice', why: 'drift', idempotencyKey: 'k1' }))
          .toEqual({ ...adjustment, replayed: true });
        expect(await after.consumePermit(p.permitId, new Date())).toBe('already_consumed');
      } finally {
        await after.close();
      }
    });
  });
});

async function snapshotOf(store: Store, symbol: string, planId: string) {
  return {
    position: await store.ledgerPosition(VENUE, symbol),
    fills: await store.fillsForPlan(planId),
    adjustments: await store.adjustmentHistory(VENUE, symbol),
    permits: await store.permitsForPlan(planId),
    paused: await store.isTradingPaused(symbol),
    history: await store.tradingStateHistory(),
  };
}
