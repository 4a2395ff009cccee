// The order step against the paper exchange (real ccxt over HTTP) and PostgreSQL, in an activity context
// whose timeout the test sets: an attempt cannot execute after its own deadline, re-runs go through the
// attempt log (not Temporal's attempt count), and unsafe timing settings refuse to start.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createPlanActivities } from '../../src/activities/plan-activities.js';
import type { PlaceOrderRequest, PlacedOrder } from '../../src/activities/contract.js';
import type { GovernorPermit, PositionPermit } from '../../src/domain/permits.js';
import { openChainServices } from '../../src/workers/chain-services.js';
import { addFault, bookedOrders, caught, orderLog } from '../exchange/helpers.js';
import { newPlan } from '../support/plans.js';
import { TEST_DATABASE_URL } from '../support/postgres.js';
import { activitySettings as settings, useActivityFixture } from './fixture.js';

const fx = useActivityFixture(5000);
const activities = () => createPlanActivities({ venue: fx.venue, store: fx.store, settings });

/** Permits for a fresh plan, and the order request that uses them. */
async function permittedOrder(env: MockActivityEnvironment, prefix: string): Promise<PlaceOrderRequest> {
  const plan = newPlan('BTCUSDT', 'PARTIAL_25', prefix);
  // Earlier tests placed orders without booking them: the ledger follows the exchange first.
  await fx.store.adjustLedger({ venue: 'paper', symbol: 'BTCUSDT', target: (await fx.venue.position('BTCUSDT')).amount, who: 'test', why: 'keep in step', command: 'test' });
  const governor = (await env.run(activities().issueGovernorPermit, { plan, sequence: 1 })) as GovernorPermit;
  const p33 = (await env.run(activities().checkPositionState, { plan, sequence: 1 })) as PositionPermit;
  expect(governor.granted && p33.allow).toBe(true);
  return { plan, governorPermitId: governor.permit_id, positionPermitId: p33.permit_id, side: 'SELL', qty: governor.computed_qty, deadline: Date.parse(governor.expires_at) };
}

describe('an order attempt', () => {
  it('whose request is still on its way when the attempt times out cannot execute afterwards', async () => {
    // The attempt has 1.5 s; its request reaches the exchange 2.5 s after it left (the HTTP timeout is 5 s).
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 1500, currentAttemptScheduledTimestampMs: Date.now() });
    const req = await permittedOrder(env, 'outlive');
    await addFault(fx.paper, { method: 'POST', path: '/fapi/v1/order', count: 1, action: { type: 'deliver_late', ms: 2500 } });
    const before = (await bookedOrders(fx.paper)).length;
  
    const err = await caught(env.run(activities().placeOrder, req));
    expect(err.message).toMatch(/timestamp/i);
    const post = (await orderLog(fx.paper)).filter((e) => e.method === 'POST').at(-1)!;
    expect(Number(post.params['recvWindow'])).toBeLessThanOrEqual(1500);
    expect(post.outcome).toMatchObject({ type: 'error', code: -1021 });
    expect((await bookedOrders(fx.paper)).length).toBe(before);
    expect((await fx.store.orderAttempts(req.plan.plan_id)).map((a) => a.outcome)).toEqual(['refused']);
  });

  it('after the exchange clock stepped back within the skew bound, a late request still cannot be accepted after the permits', async () => {
    // The worker measured the clock (offset 0); the exchange clock then steps back 800 ms (< the 1,000 ms
    // bound, within the reading's age: not measured again). The permits have 1.5 s left and the request
    // reaches the exchange 1.8 s after it left.
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 4000, currentAttemptScheduledTimestampMs: Date.now() });
    const req = await permittedOrder(env, 'clockstep');
    await fx.venue.clock();
    fx.paper.setClockOffset(-800);
    try {
      await addFault(fx.paper, { method: 'POST', path: '/fapi/v1/order', count: 1, action: { type: 'deliver_late', ms: 1800 } });
      const deadline = Date.now() + 1500;
      await caught(env.run(activities().placeOrder, { ...req, deadline }));
      const post = (await orderLog(fx.paper)).filter((e) => e.method === 'POST').at(-1)!;
      expect(post.outcome).toMatchObject({ type: 'error', code: -1021 });
      // Acceptance would have been after the permits' deadline in exchange time.
      expect(post.receivedAt).toBeGreaterThan(deadline + post.clockOffsetMs);
    } finally {
      fx.paper.setClockOffset(0);
      await fx.venue.clock({ fresh: true });
    }
  });

  it('past its own deadline sends nothing and records nothing', async () => {
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 1000, currentAttemptScheduledTimestampMs: Date.now() });
    const req = await permittedOrder(env, 'late');
    const lateEnv = new MockActivityEnvironment({ startToCloseTimeoutMs: 1000, currentAttemptScheduledTimestampMs: Date.now() - 5000 });
    const posts = (await orderLog(fx.paper)).filter((e) => e.method === 'POST').length;
      const err = await caught(lateEnv.run(activities().placeOrder, req));
    expect(err).toMatchObject({ type: 'PermitExpired' });
    expect((await orderLog(fx.paper)).filter((e) => e.method === 'POST').length).toBe(posts);
    expect(await fx.store.orderAttempts(req.plan.plan_id)).toEqual([]);
  });

  it('run again (first attempt again, as after a worker crash) finds the order instead of sending another', async () => {
    const env = new MockActivityEnvironment({ attempt: 1, startToCloseTimeoutMs: 4000, currentAttemptScheduledTimestampMs: Date.now() });
    const req = await permittedOrder(env, 'rerun');
      const first = (await env.run(activities().placeOrder, req)) as PlacedOrder;
    const again = await env.run(activities().placeOrder, req);
    expect(again).toMatchObject({ client_order_id: first.client_order_id, exchange_order_id: first.exchange_order_id, found_by_lookup: true });
    expect((await bookedOrders(fx.paper)).filter((o) => o.clientOrderId === first.client_order_id)).toHaveLength(1);
  });
});

describe('settling an attempt', () => {
  /** A pending attempt whose settle time is `inMs` from now (recorded as the order step records one). */
  async function pendingAttempt(env: MockActivityEnvironment, prefix: string, inMs: number) {
    const req = await permittedOrder(env, prefix);
    const now = Date.now();
    const begun = await fx.store.beginOrderAttempt({
      planId: req.plan.plan_id, symbol: 'BTCUSDT', side: 'SELL', qty: String(req.qty), governorPermitId: req.governorPermitId,
      positionPermitId: req.positionPermitId, exchangeTimestamp: now, recvWindowMs: 1, settlesAt: now + inMs, at: new Date(now),
    });
    if (!begun.ok) throw new Error(`attempt not begun: ${begun.reason}`);
    return { req, attempt: begun.attempt };
  }

  it('believes a "not found" only for a lookup sent after the settle time, however late its answer comes', async () => {
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 10_000, currentAttemptScheduledTimestampMs: Date.now() });
    const { req, attempt } = await pendingAttempt(env, 'slowlook', 1000);
    // The lookup leaves before the settle time and its answer ("not there") arrives after it.
    await addFault(fx.paper, { method: 'GET', path: '/fapi/v1/order', count: 1, action: { type: 'latency', ms: 2000 } });
    const first = await env.run(activities().settleOrderAttempts, { plan: req.plan });
    expect(first).toMatchObject({ kind: 'wait', clientOrderId: attempt.clientOrderId });
    expect((await fx.store.orderAttempts(req.plan.plan_id))[0]!.outcome).toBe('pending');
    // Asked again now (after the settle time), the same answer settles it.
    expect(await env.run(activities().settleOrderAttempts, { plan: req.plan })).toEqual({ kind: 'settled', attempts: 1 });
    expect((await fx.store.orderAttempts(req.plan.plan_id))[0]!.outcome).toBe('not_found');
  });

  it('revokes the round\'s permits first: a sender still on its way begins nothing afterwards', async () => {
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 4000, currentAttemptScheduledTimestampMs: Date.now() });
    const req = await permittedOrder(env, 'fence');
    const posts = (await orderLog(fx.paper)).filter((e) => e.method === 'POST').length;
    expect(await env.run(activities().settleOrderAttempts, { plan: req.plan, revokePermitIds: [req.governorPermitId, req.positionPermitId] })).toEqual({ kind: 'settled', attempts: 0 });
    const err = await caught(env.run(activities().placeOrder, req));
    expect(err).toMatchObject({ type: 'PermitExpired' });
    expect(err.message).toMatch(/revoked/);
    expect((await orderLog(fx.paper)).filter((e) => e.method === 'POST').length).toBe(posts);
  });

  it('a request sent by a run from before the protocol (pc-<plan_id>, permits consumed, no attempt) is settled before anything is sent', async () => {
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 4000, currentAttemptScheduledTimestampMs: Date.now() });
    const req = await permittedOrder(env, 'legacy');
    // What the previous code did: consume both permits, then send the plan's one client order id.
    await fx.store.consumePermit(req.governorPermitId, new Date());
    await fx.store.consumePermit(req.positionPermitId, new Date());
    const legacyId = `pc-${req.plan.plan_id}`;
    await fx.venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty: String(req.qty), clientOrderId: legacyId });
    const posts = (await orderLog(fx.paper)).filter((e) => e.method === 'POST').length;

    const err = await caught(env.run(activities().placeOrder, req));
    expect(err).toMatchObject({ type: 'OrderUnsettled' });
    expect((await orderLog(fx.paper)).filter((e) => e.method === 'POST').length).toBe(posts);
    expect(await fx.store.orderAttempts(req.plan.plan_id)).toMatchObject([{ attemptNo: 0, clientOrderId: legacyId, outcome: 'pending' }]);
    expect(await env.run(activities().settleOrderAttempts, { plan: req.plan })).toMatchObject({ kind: 'found', order: { client_order_id: legacyId } });
    // The legacy workflow path (lookup of pc-<plan_id>) finds it too.
    expect(await env.run(activities().lookupOrder, { symbol: 'BTCUSDT', clientOrderId: legacyId })).toMatchObject({ client_order_id: legacyId });
  });
});

describe('order timing settings at start', () => {
  it('an exchange timeout longer than the order attempt refuses to start, in one line naming both', async () => {
    const err = await caught(openChainServices({ EXCHANGE_TIMEOUT_MS: '12000', ORDER_ATTEMPT_TIMEOUT_MS: '10000', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: fx.schema }));
    expect(err.message).toMatch(/^unsafe order timing settings: EXCHANGE_TIMEOUT_MS \(12000\) must be below ORDER_ATTEMPT_TIMEOUT_MS \(10000\)/);
    expect(err.message).not.toContain('\n');
  });
});
