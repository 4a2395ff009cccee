// At most one order per plan under Binance's real rules (docs/order-protocol.md), against the real stack:
// dev server, worker, ccxt over HTTP, PostgreSQL, and a paper exchange that reuses a filled order's client
// id, checks recvWindow at arrival against its own clock, and may execute an "unknown" order late.
// Every test counts orders on the exchange itself (/_paper/state), not in the plan's view of itself.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChainState } from '../../src/domain/chain.js';
import { workflowIdForPlan } from '../../src/domain/plan.js';
import { eventKinds, newPlan, sleep } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';

const ORDER = '/fapi/v1/order';

const SYMBOLS = ['LATEUSDT', 'AHEADUSDT', 'BEHINDUSDT', 'BANUSDT', 'HELDUSDT', 'STALEUSDT', 'AGAINUSDT'] as const;
const MARKETS = SYMBOLS.map((symbol) => ({ symbol, position: '1', markPrice: '100' }));

describe('at most one order per plan, under Binance rules', () => {
  let t: ChainStack;

  beforeAll(async () => {
    t = await startChainStack({
      markets: MARKETS,
      database: 'postgres',
      env: {
        EXCHANGE_TIMEOUT_MS: '2000',
        ORDER_ATTEMPT_TIMEOUT_MS: '4000',
        EXCHANGE_CLOCK_MAX_AGE_MS: '500',
        ORDER_SETTLE_BOUND_MS: '3000',
        PAUSE_POLL_SECONDS: '2',
      },
    });
    for (const m of MARKETS) await t.setLedger(m.symbol, m.position);
  });
  afterEach(async () => {
    await t?.paper.clearFaults();
    await t?.paper.request('POST', '/_paper/clock', { offsetMs: 0 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Exactly one order on the exchange for the symbol, the ledger booked once and equal to the exchange. */
  async function expectOneOrderBookedOnce(symbol: string, final: ChainState, qty = '0.5'): Promise<void> {
    const booked = await t.paper.bookedOrders(symbol);
    expect(booked, `orders on the exchange for ${symbol}`).toHaveLength(1);
    expect(booked[0]!.executedQty).toBe(qty);
    expect(final).toMatchObject({ state: 'EXECUTED', order: { client_order_id: booked[0]!.clientOrderId, filled_qty: qty } });
    const position = await t.paper.position(symbol);
    expect(await t.ledger(symbol)).toBe(position);
    expect(await t.stack.services.store.fillsForPlan(final.plan_id)).toHaveLength(1);
  }

  it('a request delivered late, the exchange 900 ms behind: the late request cannot execute behind a re-send', async () => {
    await t.paper.request('POST', '/_paper/clock', { offsetMs: -900 });
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'deliver_late', ms: 5700 } });
    const plan = newPlan('LATEUSDT', 'PARTIAL_50', 'late');
    await t.submit(plan);

    const final = await t.result(plan.plan_id);
    await sleep(500); // nothing may turn up after the plan ended
    await expectOneOrderBookedOnce('LATEUSDT', final);
    const posts = await t.paper.orderPosts('LATEUSDT');
    const post = (attempt: number) => posts.find((p) => p.params['newClientOrderId'] === `pc${attempt}-${plan.plan_id}`);
    // The late first request reached the exchange after its window (refused, whenever it arrived), and a
    // second attempt, with its own id, executed.
    expect(post(1)!.outcome).toMatchObject({ type: 'error', code: -1021 });
    expect(post(2)!.outcome).toMatchObject({ type: 'accepted' });
    const attempts = await t.stack.services.store.orderAttempts(plan.plan_id);
    expect(attempts.map((a) => a.outcome)).toEqual(['not_found', 'placed']);
    // A request that left is never reported as "nothing sent".
    expect(final.events.find((e) => e.kind === 'permits_expired')?.summary).toMatch(/1 order request\(s\) sent, none executed/);
  });

  it('the worker clock 1.5 s ahead of the exchange: signed requests carry exchange time, one order', async () => {
    await t.paper.request('POST', '/_paper/clock', { offsetMs: -1500 });
    await sleep(600); // the worker's clock reading ages out and is measured again
    const plan = newPlan('AHEADUSDT', 'PARTIAL_50', 'ahead');
    await t.submit(plan);
    const final = await t.result(plan.plan_id);
    await expectOneOrderBookedOnce('AHEADUSDT', final);
    const post = (await t.paper.orderPosts('AHEADUSDT'))[0]!;
    // The order's timestamp is the exchange's time (within the measurement error), not the worker's.
    expect(Math.abs(Number(post.params['timestamp']) - post.receivedAt)).toBeLessThan(1000);
  });

  it('the worker clock 0.9 s behind the exchange: one order, accepted within its permits in exchange time', async () => {
    await t.paper.request('POST', '/_paper/clock', { offsetMs: 900 });
    await sleep(600);
    const plan = newPlan('BEHINDUSDT', 'PARTIAL_50', 'behind');
    await t.submit(plan);
    const final = await t.result(plan.plan_id);
    await expectOneOrderBookedOnce('BEHINDUSDT', final);
    const post = (await t.paper.orderPosts('BEHINDUSDT'))[0]!;
    const expiry = Math.min(...(await t.stack.services.store.permitsForPlan(plan.plan_id)).map((p) => Date.parse(p.expiresAt)));
    // Accepted (exchange clock) before the earliest permit expiry carried into exchange time.
    expect(post.receivedAt).toBeLessThan(expiry + 900);
    expect(Number(post.params['timestamp']) + Number(post.params['recvWindow'])).toBeLessThanOrEqual(expiry + 900);
  });

  it('an unanswered order, then -2015 on the lookups: the plan settles, finds the fill and books it once', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'accept_then_timeout', delayMs: 3000 } });
    await t.paper.addFault({ method: 'GET', path: ORDER, count: 3, action: { type: 'binance_error', status: 401, code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } });
    const plan = newPlan('BANUSDT', 'PARTIAL_50', 'ban');
    await t.submit(plan);

    const final = await t.result(plan.plan_id);
    await expectOneOrderBookedOnce('BANUSDT', final);
    expect(eventKinds(final)).toContain('settle_lookup_failed');
    expect(final.reason).toBeNull();
  });

  it('an "unknown" answer (503), a pause while the order is on its way: the late fill is found and booked, never "nothing sent"', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'unknown_then_execute', delayMs: 1500, answer: '503' } });
    const plan = newPlan('HELDUSDT', 'PARTIAL_50', 'held');
    await t.submit(plan);
    await waitFor(async () => (await t.paper.orderPosts('HELDUSDT')).length > 0, 'the order request');
    const trading = (state: 'paused' | 'running', why: string) => t.stack.services.store.setTradingState({ scope: 'HELDUSDT', state, who: 'order-protocol-test', why });
    await trading('paused', 'pause while the order is unanswered');
    try {
      const final = await t.result(plan.plan_id);
      await expectOneOrderBookedOnce('HELDUSDT', final);
      expect(final.events.some((e) => /nothing sent/.test(e.summary))).toBe(false);
    } finally {
      await trading('running', 'test clean-up');
    }
  });

  it('lookups that miss a placed order for a while (lookup_stale) do not lead to a re-send', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'lookup_stale', ms: 2500 } });
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'accept_then_timeout', delayMs: 3000 } });
    const plan = newPlan('STALEUSDT', 'PARTIAL_50', 'stale');
    await t.submit(plan);
    const final = await t.result(plan.plan_id);
    await expectOneOrderBookedOnce('STALEUSDT', final);
    expect(await t.paper.orderPosts('STALEUSDT')).toHaveLength(1);
  });

  it('a plan id runs once, ever: after its history is deleted, a resubmit is DENIED duplicate_plan and sends nothing', async () => {
    const plan = newPlan('AGAINUSDT', 'PARTIAL_50', 'again');
    await t.submit(plan);
    const first = await t.result(plan.plan_id);
    expect(first.state).toBe('EXECUTED');

    // What Temporal's retention does to a closed workflow: its execution is deleted.
    const handle = t.stack.client.workflow.getHandle(workflowIdForPlan(plan.plan_id));
    const { runId } = await handle.describe();
    await t.stack.client.workflowService.deleteWorkflowExecution({ namespace: t.stack.client.options.namespace, workflowExecution: { workflowId: workflowIdForPlan(plan.plan_id), runId } });
    await waitFor(async () => !(await handle.describe().then(() => true, () => false)), 'the execution to be deleted', 60_000);

    // The workflow id is free again: Temporal no longer knows the plan ran.
    await t.submit(plan);
    const again = await t.result(plan.plan_id);
    expect(again).toMatchObject({ state: 'DENIED', reason: 'duplicate_plan', order: null });
    expect(again.permits.governor).toMatchObject({ granted: false, reason: 'duplicate_plan' });
    expect(await t.paper.bookedOrders('AGAINUSDT')).toHaveLength(1);
    expect(await t.ledger('AGAINUSDT')).toBe(await t.paper.position('AGAINUSDT'));
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await sleep(50);
  }
}
