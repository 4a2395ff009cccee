// The permit chain on one shared embedded stack (PostgreSQL store): happy path, duplicate submits,
// operator pauses, retried and refused exchange calls, an order whose answer was lost.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commandPlan, reconcileSymbol, setScopeTrading, type OperatorContext } from '../../src/client/operator.js';
import { chainStateOf, runningPlans } from '../../src/client/plans.js';
import { reconcileSignal, resumeSignal } from '../../src/workflows/contract.js';
import { eventKinds, executionsOf, newPlan, sleep, waitForChain, waitForStage } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';

const POSITION_RISK = '/fapi/v3/positionRisk';
const ORDER = '/fapi/v1/order';

const MARKETS = [
  { symbol: 'HAPPYUSDT', position: '0.062', markPrice: '60000' },
  { symbol: 'DUPUSDT', position: '1', markPrice: '100' },
  { symbol: 'PAUSEUSDT', position: '1', markPrice: '100' },
  { symbol: 'HOLDUSDT', position: '1', markPrice: '100' },
  { symbol: 'GPAUSEAUSDT', position: '1', markPrice: '100' },
  { symbol: 'GPAUSEBUSDT', position: '-2', markPrice: '100' },
  { symbol: 'RETRYUSDT', position: '1', markPrice: '100' },
  { symbol: 'REJECTUSDT', position: '1', markPrice: '100' },
  { symbol: 'AMBIGUSDT', position: '1', markPrice: '100' },
  { symbol: 'DENYUSDT', position: '1', markPrice: '100' },
  { symbol: 'CANCELUSDT', position: '1', markPrice: '100' },
  { symbol: 'RECONUSDT', position: '1', markPrice: '100' },
];

describe('permit chain', () => {
  let t: ChainStack;
  let ops: OperatorContext;

  beforeAll(async () => {
    t = await startChainStack({
      markets: MARKETS,
      database: 'postgres',
      env: { EXCHANGE_TIMEOUT_MS: '2000', ORDER_ATTEMPT_TIMEOUT_MS: '4000', RECONCILE_WAIT_SECONDS: '5', PAUSE_POLL_SECONDS: '2' },
    });
    ops = { client: t.stack.client, taskQueue: t.stack.taskQueue, who: 'chain-test' };
    // Every test starts from a ledger that matches the exchange, unless it says otherwise.
    for (const m of MARKETS) await t.setLedger(m.symbol, m.position);
  });
  afterEach(async () => {
    await t?.paper.clearFaults();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('happy path: ledger matches, the plan closes its share reduce-only and books the fill once', async () => {
    const plan = newPlan('HAPPYUSDT', 'PARTIAL_75', 'happy');
    const started = await t.submit(plan);
    expect(started.started).toBe(true);

    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'EXECUTED', stage: 'done', reason: null, workflow_id: `plan-${plan.plan_id}` });
    expect(eventKinds(final)).toEqual(['plan_accepted', 'governor_permit', 'p33_permit', 'order_placed', 'fill_booked', 'outcome']);
    expect(final.permits.governor).toMatchObject({ granted: true, side: 'SELL', computed_qty: '0.046', computed_notional: '2760', consumed: true });
    expect(final.permits.p33).toMatchObject({ allow: true, reason: null, context: { exchange_amt: '0.062', ledger_amt: '0.062', diff: '0', tolerance: '0.001' } });
    expect(final.order).toMatchObject({ client_order_id: `pc1-${plan.plan_id}`, side: 'SELL', qty: '0.046', filled_qty: '0.046', avg_price: '60000', status: 'FILLED' });
    expect(final.chain_latency_ms).toBeGreaterThan(0);

    const accepted = await t.paper.acceptedOrders('HAPPYUSDT');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.params).toMatchObject({ reduceOnly: 'true', side: 'SELL', quantity: '0.046' });
    // The exchange is told to refuse the order once the permits (15 s) have expired.
    const recvWindow = Number(accepted[0]!.params['recvWindow']);
    expect(recvWindow).toBeGreaterThan(0);
    expect(recvWindow).toBeLessThanOrEqual(15_000);
    expect(await t.paper.position('HAPPYUSDT')).toBe('0.016');
    expect(await t.ledger('HAPPYUSDT')).toBe('0.016');
    expect(await t.stack.services.store.fillsForPlan(plan.plan_id)).toHaveLength(1);

    const permits = await t.stack.services.store.permitsForPlan(plan.plan_id);
    expect(permits.map((p) => p.layer).sort()).toEqual(['governor', 'p33']);
    expect(permits.every((p) => p.consumedAt)).toBe(true);
  });

  it('a position mismatch nobody reconciles ends DENIED after the reconcile wait, nothing sent', async () => {
    await t.setLedger('DENYUSDT', '0.5');
    const plan = newPlan('DENYUSDT', 'PARTIAL_50', 'deny');
    await t.submit(plan);
    const waiting = await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile');
    expect(waiting.permits.p33).toMatchObject({ allow: false, context: { exchange_amt: '1', ledger_amt: '0.5', diff: '0.5', tolerance: '0.001' } });

    const final = await t.result(plan.plan_id); // RECONCILE_WAIT_SECONDS=5
    expect(final).toMatchObject({ state: 'DENIED', reason: 'reconcile_required_qty_mismatch', order: null });
    expect(await t.paper.orderRequests('DENYUSDT')).toEqual([]);
    expect(await t.ledger('DENYUSDT')).toBe('0.5');
  });

  it('a duplicate submit is refused: one workflow, one order', async () => {
    const plan = newPlan('DUPUSDT', 'PARTIAL_50', 'dup');
    const [a, b] = await Promise.all([t.submit(plan), t.submit(plan)]);
    expect([a.started, b.started].sort()).toEqual([false, true]);
    expect(a.workflowId).toBe(b.workflowId);

    const final = await t.result(plan.plan_id);
    expect(final.state).toBe('EXECUTED');
    // Also after the first run ended (REJECT_DUPLICATE): a plan runs at most once.
    expect((await t.submit(plan)).started).toBe(false);
    expect((await t.submit({ ...plan, action: 'FULL_CLOSE' })).started).toBe(false);

    await sleep(300);
    expect(await executionsOf(t.stack.client, plan.plan_id)).toBe(1);
    expect(await t.paper.orderPosts('DUPUSDT')).toHaveLength(1);
    expect(await t.paper.bookedOrders('DUPUSDT')).toHaveLength(1);
    expect(await t.paper.position('DUPUSDT')).toBe('0.5');
    expect(await t.ledger('DUPUSDT')).toBe('0.5');
  });

  it('a plan-level pause holds the order until resume', async () => {
    // Slow position reads keep the chain in its permit step while the pause arrives.
    await t.paper.addFault({ method: 'GET', path: POSITION_RISK, count: 2, action: { type: 'latency', ms: 2500 } });
    const plan = newPlan('PAUSEUSDT', 'PARTIAL_50', 'pause');
    await t.submit(plan);
    expect(await commandPlan(ops, plan.plan_id, 'pause', 'hold for the test')).toMatchObject({ done: 'held', detail: expect.stringMatching(/^it (is held now|holds before its order step \(now: \w+\)), until `permitctl resume /) });

    const paused = await waitForStage(t.stack.client, plan.plan_id, 'paused', 15_000);
    expect(paused.state).toBe('RUNNING');
    expect(paused.events.find((e) => e.kind === 'operator_pause')).toMatchObject({ scope: `plan:${plan.plan_id}`, who: 'chain-test', why: 'hold for the test' });
    await sleep(2000); // longer than the rest of the chain takes
    expect(await t.paper.orderRequests('PAUSEUSDT')).toEqual([]);
    expect((await waitForStage(t.stack.client, plan.plan_id, 'paused')).stage).toBe('paused');

    const resumedAt = Date.now();
    expect(await commandPlan(ops, plan.plan_id, 'resume', 'go on')).toMatchObject({ done: 'released', detail: 'it goes on' });
    const final = await t.result(plan.plan_id);
    expect(final.state).toBe('EXECUTED');
    const accepted = await t.paper.acceptedOrders('PAUSEUSDT');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.receivedAt).toBeGreaterThanOrEqual(resumedAt);
    expect(await t.paper.orderPosts('PAUSEUSDT')).toHaveLength(1);
    // The permits acquired before the pause were not used: fresh ones were issued after resume.
    const used = final.permits.governor!;
    expect(Date.parse(used.created_at)).toBeGreaterThanOrEqual(resumedAt);
    // The pause was durable (so the permit consume refused it even before the signal was seen), and recorded.
    const changes = (await t.stack.services.store.tradingStateHistory(50)).filter((c) => c.scope === `plan:${plan.plan_id}`);
    expect(changes.map((c) => [c.state, c.who, c.why])).toEqual([
      ['running', 'chain-test', 'go on'],
      ['paused', 'chain-test', 'hold for the test'],
    ]);
  });

  it('a plan pause stays in force while the store says paused, even when a resume signal gets through alone', async () => {
    await t.paper.addFault({ method: 'GET', path: POSITION_RISK, count: 2, action: { type: 'latency', ms: 2500 } });
    const plan = newPlan('HOLDUSDT', 'PARTIAL_50', 'hold');
    await t.submit(plan);
    await commandPlan(ops, plan.plan_id, 'pause', 'hold it');
    await waitForStage(t.stack.client, plan.plan_id, 'paused', 15_000);

    // A resume signal alone (as \`temporal workflow signal --name resume\` sends it), the store still saying
    // paused: it lifts the plan's own pause in the workflow, but the plan finds the store paused and holds.
    await t.stack.client.workflow.getHandle(`plan-${plan.plan_id}`).signal(resumeSignal, { scope: 'plan', who: 'chain-test', why: 'half a resume' });
    await sleep(3_000); // longer than the chain takes, and than one store re-check (PAUSE_POLL_SECONDS 2)
    const held = await waitForStage(t.stack.client, plan.plan_id, 'paused');
    expect(held.events.map((e) => e.kind)).toContain('signal_resume');
    expect(await t.paper.orderRequests('HOLDUSDT')).toEqual([]);

    // Its own pause is no longer in the workflow, but the store still holds it: the resume lifts that one.
    expect(await commandPlan(ops, plan.plan_id, 'resume', 'resume for real')).toMatchObject({ done: 'released', detail: expect.stringMatching(/its stored pause is lifted/) });
    expect((await t.result(plan.plan_id)).state).toBe('EXECUTED');
    expect(await t.paper.orderPosts('HOLDUSDT')).toHaveLength(1);
  });

  it('a global pause (pause --all) holds running and new plans until resume --all', async () => {
    await t.paper.addFault({ method: 'GET', path: POSITION_RISK, count: 2, action: { type: 'latency', ms: 2500 } });
    const running = newPlan('GPAUSEAUSDT', 'PARTIAL_50', 'gpause');
    await t.submit(running);
    let resumedAt = 0;
    try {
      const pause = await setScopeTrading(ops, 'global', 'paused', 'exchange maintenance');
      expect(pause.change).toMatchObject({ scope: 'global', state: 'paused' });
      const fresh = newPlan('GPAUSEBUSDT', 'FULL_CLOSE', 'gpause');
      await t.submit(fresh);

      const heldFresh = await waitForStage(t.stack.client, fresh.plan_id, 'paused', 15_000);
      expect(heldFresh.permits.governor).toMatchObject({ granted: false, reason: 'trading_paused' });
      await waitForStage(t.stack.client, running.plan_id, 'paused', 15_000);
      await sleep(2000);
      expect(await t.paper.orderRequests('GPAUSEAUSDT')).toEqual([]);
      expect(await t.paper.orderRequests('GPAUSEBUSDT')).toEqual([]);

      resumedAt = Date.now();
      const resume = await setScopeTrading(ops, 'global', 'running', 'maintenance over');
      expect(resume.signalled).toEqual(expect.arrayContaining([running.plan_id, fresh.plan_id]));

      const [a, b] = await Promise.all([t.result(running.plan_id), t.result(fresh.plan_id)]);
      expect(a.state).toBe('EXECUTED');
      expect(b).toMatchObject({ state: 'EXECUTED', order: { side: 'BUY', qty: '2' } });
      for (const symbol of ['GPAUSEAUSDT', 'GPAUSEBUSDT']) {
        const posts = await t.paper.orderPosts(symbol);
        expect(posts).toHaveLength(1);
        expect(posts[0]!.receivedAt).toBeGreaterThanOrEqual(resumedAt);
      }
      const history = await t.stack.services.store.tradingStateHistory(5);
      expect(history.slice(0, 2)).toMatchObject([
        { scope: 'global', state: 'running', who: 'chain-test', why: 'maintenance over' },
        { scope: 'global', state: 'paused', who: 'chain-test', why: 'exchange maintenance' },
      ]);
    } finally {
      if (!resumedAt) await setScopeTrading(ops, 'global', 'running', 'test clean-up');
    }
  });

  it('503 then 429 on the order call, then success: executed with one order', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'http', status: 503 } });
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'http', status: 429, body: { code: -1003, msg: 'Too many requests.' } } });
    const plan = newPlan('RETRYUSDT', 'PARTIAL_50', 'retry');
    await t.submit(plan);

    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'EXECUTED', order: { qty: '0.5', filled_qty: '0.5' } });
    const posts = await t.paper.orderPosts('RETRYUSDT');
    expect(posts.map((p) => p.outcome.type)).toEqual(['fault', 'fault', 'accepted']);
    expect(posts.map((p) => p.params['newClientOrderId'])).toEqual([`pc1-${plan.plan_id}`, `pc2-${plan.plan_id}`, `pc3-${plan.plan_id}`]);
    expect(await t.paper.bookedOrders('RETRYUSDT')).toHaveLength(1);
    expect(await t.ledger('RETRYUSDT')).toBe('0.5');
  });

  it('-2019 (margin insufficient) fails the plan with the exchange reason, nothing booked', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'binance_error', status: 400, code: -2019, msg: 'Margin is insufficient.' } });
    const plan = newPlan('REJECTUSDT', 'PARTIAL_50', 'reject');
    await t.submit(plan);

    const final = await t.result(plan.plan_id);
    expect(final.state).toBe('FAILED');
    expect(final.reason).toContain('Margin is insufficient.');
    expect(final.reason).toContain('-2019');
    expect(final.order).toBeNull();
    expect(await t.paper.orderPosts('REJECTUSDT')).toHaveLength(1); // not retried
    expect(await t.paper.bookedOrders('REJECTUSDT')).toEqual([]);
    expect(await t.paper.position('REJECTUSDT')).toBe('1');
    expect(await t.ledger('REJECTUSDT')).toBe('1');
    expect(await t.stack.services.store.fillsForPlan(plan.plan_id)).toEqual([]);
  });

  it('an order accepted whose answer is lost is looked up, not sent twice', async () => {
    // The exchange fills the order, then holds the answer past the client's 2 s timeout.
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'accept_then_timeout', delayMs: 3000 } });
    const plan = newPlan('AMBIGUSDT', 'PARTIAL_50', 'ambig');
    await t.submit(plan);

    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'EXECUTED', order: { client_order_id: `pc1-${plan.plan_id}`, filled_qty: '0.5' } });
    const requests = await t.paper.orderRequests('AMBIGUSDT');
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(requests.filter((r) => r.method === 'GET' && r.outcome.type === 'found').length).toBeGreaterThanOrEqual(1);
    expect(await t.paper.bookedOrders('AMBIGUSDT')).toHaveLength(1);
    expect(await t.paper.position('AMBIGUSDT')).toBe('0.5');
    expect(await t.ledger('AMBIGUSDT')).toBe('0.5');
    expect(await t.stack.services.store.fillsForPlan(plan.plan_id)).toHaveLength(1);
  });
  it('a cancel while the order is on its way cannot lose the fill: the plan completes and books it', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'latency', ms: 1500 } });
    const plan = newPlan('CANCELUSDT', 'PARTIAL_50', 'cancel');
    await t.submit(plan);
    await waitForStage(t.stack.client, plan.plan_id, 'placing');
    await t.stack.client.workflow.getHandle(`plan-${plan.plan_id}`).cancel();

    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'EXECUTED', order: { filled_qty: '0.5' } });
    expect(await t.paper.acceptedOrders('CANCELUSDT')).toHaveLength(1);
    expect(await t.paper.position('CANCELUSDT')).toBe('0.5');
    expect(await t.ledger('CANCELUSDT')).toBe('0.5');
  });

  it('a cancel before the order step ends the plan CANCELLED with nothing sent', async () => {
    await t.setLedger('CANCELUSDT', '0.1'); // mismatch: the plan waits for a reconcile
    const plan = newPlan('CANCELUSDT', 'PARTIAL_50', 'cancel-early');
    await t.submit(plan);
    await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile');
    await t.stack.client.workflow.getHandle(`plan-${plan.plan_id}`).cancel();

    expect(await t.result(plan.plan_id)).toMatchObject({ state: 'CANCELLED', reason: 'cancelled_by_operator', order: null });
    expect(await t.paper.acceptedOrders('CANCELUSDT')).toHaveLength(1); // only the previous test's order
    await t.setLedger('CANCELUSDT', '0.5');
  });

  it('a reconcile signal reaching a plan that is not waiting is recorded, not applied, and not kept for later', async () => {
    const { store, settings } = t.stack.services;
    const adjustments = async () => store.adjustmentHistory(settings.venueName, 'RECONUSDT');
    await t.setLedger('RECONUSDT', '0.6'); // exchange 1: the position check will deny
    // Trading paused for the symbol: the plan holds (stage paused) before any permit is granted.
    await store.setTradingState({ scope: 'RECONUSDT', state: 'paused', who: 'chain-test', why: 'hold before the permits' });
    const plan = newPlan('RECONUSDT', 'PARTIAL_50', 'recon');
    await t.submit(plan);
    await waitForStage(t.stack.client, plan.plan_id, 'paused', 15_000);
    const adjustmentsBefore = (await adjustments()).length;

    const handle = t.stack.client.workflow.getHandle(`plan-${plan.plan_id}`);
    await handle.signal(reconcileSignal, { who: 'eod-operator', why: 'routine end-of-day reconcile' });
    const refused = await waitForChain(t.stack.client, plan.plan_id, (s) => s.events.some((e) => e.kind === 'reconcile_not_applied'), 'reconcile_not_applied');
    expect(refused.events.find((e) => e.kind === 'reconcile_not_applied')).toMatchObject({ who: 'eod-operator', why: 'routine end-of-day reconcile', stage: 'paused' });
    expect(refused.events.some((e) => e.kind === 'ledger_sync')).toBe(false);
    expect(await t.ledger('RECONUSDT')).toBe('0.6');
    expect(await adjustments()).toHaveLength(adjustmentsBefore);

    // Trading resumes; the position check denies and the plan waits: the early request was dropped, not spent.
    await store.setTradingState({ scope: 'RECONUSDT', state: 'running', who: 'chain-test', why: 'go on' });
    // The symbol's scope as the wire carries it (`symbol:<SYMBOL>`, domain/trading-scope.ts's signalScopeOf).
    await handle.signal(resumeSignal, { scope: 'symbol:RECONUSDT', who: 'chain-test', why: 'go on' });
    const waiting = await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile', 15_000);
    const denial = waiting.permits.p33!;
    expect(denial).toMatchObject({ allow: false, context: { exchange_amt: '1', ledger_amt: '0.6', diff: '0.4', tolerance: '0.001' } });
    await sleep(500);
    const stillWaiting = await chainStateOf(t.stack.client, plan.plan_id);
    expect(stillWaiting.stage).toBe('awaiting_reconcile');
    expect(stillWaiting.events.some((e) => e.kind === 'ledger_sync')).toBe(false);
    expect(await t.ledger('RECONUSDT')).toBe('0.6');
    expect(await adjustments()).toHaveLength(adjustmentsBefore);

    // An operator's reconcile now reaches the waiting plan, and the adjustment names the denial it answers.
    await expect.poll(async () => (await runningPlans(t.stack.client, 'RECONUSDT', 'awaiting_reconcile')).map((p) => p.workflowId), { timeout: 3_000, interval: 100 }).toEqual([`plan-${plan.plan_id}`]);
    const outcome = await reconcileSymbol(ops, 'RECONUSDT', 'answer the denial');
    expect(outcome).toMatchObject({ answered: [{ planId: plan.plan_id, answer: { done: 'synced', detail: 'ledger RECONUSDT 0.6 → 1 (exchange 1); the plan acquires its permits again' } }], refused: [], sync: null });
    const final = await t.result(plan.plan_id);
    expect(final.state).toBe('EXECUTED');
    const answers = { permit_id: denial.permit_id, exchange_amt: '1', ledger_amt: '0.6', diff: '0.4', tolerance: '0.001' };
    expect(final.events.filter((e) => e.kind === 'ledger_sync')).toEqual([expect.objectContaining({ before: '0.6', after: '1', who: 'chain-test', answers })]);
    const made = (await adjustments()).filter((a) => a.planId === plan.plan_id);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ before: '0.6', after: '1', who: 'chain-test', why: 'answer the denial', answers });
    expect(await t.paper.position('RECONUSDT')).toBe('0.5');
    expect(await t.ledger('RECONUSDT')).toBe('0.5');
  });

  it('a symbol the exchange does not list is denied (unknown_symbol), nothing sent', async () => {
    const plan = newPlan('NOSUCHUSDT', 'PARTIAL_50', 'unknown');
    await t.submit(plan);
    expect(await t.result(plan.plan_id)).toMatchObject({ state: 'DENIED', reason: 'unknown_symbol', order: null });
    expect(await t.paper.orderRequests('NOSUCHUSDT')).toHaveLength(0);
  });
});
