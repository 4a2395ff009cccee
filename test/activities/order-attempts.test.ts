// The order step against the paper exchange (real ccxt over HTTP) and PostgreSQL, in an activity context
// whose timeout the test sets: an attempt cannot execute after its own deadline, re-runs go through the
// attempt log (not Temporal's attempt count), and unsafe timing settings refuse to start.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createPlanActivities } from '../../src/activities/plan-activities.js';
import type { PlaceOrderRequest, PlacedOrder } from '../../src/activities/types.js';
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
  const governor = (await env.run(activities().issueGovernorPermit, { plan, sequence: 1 })) as GovernorPermit;
  const p33 = (await env.run(activities().checkPositionState, { plan, sequence: 1 })) as PositionPermit;
  expect(governor.granted && p33.allow).toBe(true);
  await fx.store.adjustLedger({ venue: 'paper', symbol: 'BTCUSDT', target: (await fx.venue.position('BTCUSDT')).amount, who: 'test', why: 'keep in step', command: 'test' });
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

describe('order timing settings at start', () => {
  it('an exchange timeout longer than the order attempt refuses to start, in one line naming both', async () => {
    const err = await caught(openChainServices({ EXCHANGE_TIMEOUT_MS: '12000', ORDER_ATTEMPT_TIMEOUT_MS: '10000', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: fx.schema }));
    expect(err.message).toMatch(/^unsafe order timing settings: EXCHANGE_TIMEOUT_MS \(12000\) must be below ORDER_ATTEMPT_TIMEOUT_MS \(10000\)/);
    expect(err.message).not.toContain('\n');
  });
});
