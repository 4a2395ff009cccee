// Permit TTL (2 s here) enforced by the workflow: exchange latency pushes the chain past a permit's
// expiry, and no order request reaches (or executes on) the exchange outside a valid permit pair.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlanWorkflow } from '../../src/client/start-plan.js';
import { arrivalTimes, executionTimes, grantedWindows, outsideWindows } from '../support/permit-window.js';
import { eventKinds, newPlan, waitForStage } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';
import { DEFAULT_CHAIN_POLICY } from '../../src/domain/chain-policy.js';

const POSITION_RISK = '/fapi/v3/positionRisk';
const ORDER = '/fapi/v1/order';
const MARKETS = [
  { symbol: 'LATEUSDT', position: '1', markPrice: '100' },
  { symbol: 'NEVERUSDT', position: '1', markPrice: '100' },
  { symbol: 'SLOWUSDT', position: '1', markPrice: '100' },
  { symbol: 'STALEUSDT', position: '1', markPrice: '100' },
];

describe('permit TTL', () => {
  let t: ChainStack;

  beforeAll(async () => {
    t = await startChainStack({
      markets: MARKETS,
      database: 'postgres',
      env: { PERMIT_TTL_SECONDS: '2', RECONCILE_WAIT_SECONDS: '3', MAX_PERMIT_ROUNDS: '3', EXCHANGE_TIMEOUT_MS: '8000' },
    });
    for (const m of MARKETS) await t.setLedger(m.symbol, m.position);
  });
  afterEach(async () => {
    await t?.paper.clearFaults();
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function checkOrdersInsidePermits(symbol: string, planId: string): Promise<void> {
    const windows = grantedWindows(await t.stack.services.store.permitsForPlan(planId));
    expect(outsideWindows(arrivalTimes(await t.paper.orderPosts(symbol)), windows)).toEqual([]);
    expect(outsideWindows(executionTimes(await t.paper.bookedOrders(symbol)), windows)).toEqual([]);
  }

  it('a permit issued late (slow position read) is not used: permits are re-acquired, then the order goes', async () => {
    // One of the two concurrent position reads takes 2.5 s: the other permit (TTL 2 s) has expired by then.
    await t.paper.addFault({ method: 'GET', path: POSITION_RISK, count: 1, action: { type: 'latency', ms: 2500 } });
    const plan = newPlan('LATEUSDT', 'PARTIAL_50', 'late');
    await t.submit(plan);

    const final = await t.result(plan.plan_id);
    expect(final.state).toBe('EXECUTED');
    expect(eventKinds(final).filter((k) => k === 'permits_expired')).toHaveLength(1);
    const permits = await t.stack.services.store.permitsForPlan(plan.plan_id);
    expect(permits.filter((p) => p.consumedAt).map((p) => p.permitId.split('#')[1])).toEqual(['2', '2']);
    expect(await t.paper.orderPosts('LATEUSDT')).toHaveLength(1);
    await checkOrdersInsidePermits('LATEUSDT', plan.plan_id);
    expect(await t.ledger('LATEUSDT')).toBe(await t.paper.position('LATEUSDT'));
  });

  it('permits that keep expiring end the plan EXPIRED with nothing sent', async () => {
    // In each of two rounds, one permit read is slow and the other is not.
    for (let round = 0; round < 2; round++) {
      await t.paper.addFault({ method: 'GET', path: POSITION_RISK, count: 1, action: { type: 'latency', ms: 2500 } });
      await t.paper.addFault({ method: 'GET', path: POSITION_RISK, count: 1, action: { type: 'latency', ms: 0 } });
    }
    const plan = newPlan('NEVERUSDT', 'PARTIAL_50', 'never');
    await startPlanWorkflow(t.stack.client, plan, { taskQueue: t.stack.taskQueue, policy: { ...t.stack.policy, maxPermitRounds: 2 } });

    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'EXPIRED', reason: 'permits_expired', order: null });
    expect(eventKinds(final).filter((k) => k === 'permits_expired')).toHaveLength(2);
    expect(await t.paper.orderRequests('NEVERUSDT')).toEqual([]);
    expect((await t.stack.services.store.permitsForPlan(plan.plan_id)).filter((p) => p.consumedAt)).toEqual([]);
    expect(await t.paper.position('NEVERUSDT')).toBe('1');
  });

  it('an order call slower than the permits: nothing executes after expiry, the plan re-acquires and executes once', async () => {
    // The order request arrives in time but the exchange only gets to it 3 s later, after the permits
    // (2 s) expired and after the workflow's lookup found nothing.
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'latency', ms: 3000 } });
    const plan = newPlan('SLOWUSDT', 'PARTIAL_50', 'slow');
    await startPlanWorkflow(t.stack.client, plan, { taskQueue: t.stack.taskQueue, policy: { ...DEFAULT_CHAIN_POLICY, reconcileWaitSeconds: 3 } });
    await waitForStage(t.stack.client, plan.plan_id, 'placing', 10_000);
    // The next permits are read only once the exchange has dealt with the slow order request.
    await t.paper.addFault({ method: 'GET', path: POSITION_RISK, count: 2, action: { type: 'latency', ms: 3000 } });

    const final = await t.result(plan.plan_id);
    await checkOrdersInsidePermits('SLOWUSDT', plan.plan_id);
    expect(final.state).toBe('EXECUTED');
    // The late request was refused by the exchange (recvWindow = the permits' deadline); the fresh one filled.
    const posts = await t.paper.orderPosts('SLOWUSDT');
    expect(posts.map((p) => p.outcome.type)).toEqual(['error', 'accepted']);
    expect(posts[0]!.outcome).toMatchObject({ code: -1021 });
    expect(eventKinds(final)).toEqual(expect.arrayContaining(['order_unclear', 'order_lookup', 'permits_expired']));
    expect(await t.paper.bookedOrders('SLOWUSDT')).toHaveLength(1);
    expect(await t.ledger('SLOWUSDT')).toBe(await t.paper.position('SLOWUSDT'));
    expect(await t.stack.services.store.fillsForPlan(plan.plan_id)).toHaveLength(1);
  });

  it('an order the exchange refuses as past its recvWindow (-1021) counts as expired: fresh permits, then one order', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'binance_error', status: 400, code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' } });
    const plan = newPlan('STALEUSDT', 'PARTIAL_50', 'stale');
    await t.submit(plan);

    const final = await t.result(plan.plan_id);
    expect(final.state).toBe('EXECUTED');
    expect(eventKinds(final).filter((k) => k === 'permits_expired')).toHaveLength(1);
    expect((await t.paper.orderPosts('STALEUSDT')).map((p) => p.outcome.type)).toEqual(['fault', 'accepted']);
    await checkOrdersInsidePermits('STALEUSDT', plan.plan_id);
    expect(await t.ledger('STALEUSDT')).toBe('0.5');
  });
});
