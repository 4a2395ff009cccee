// The seed scenario end to end: exchange 0.062 BTC, ledger 0.002 → P3.3 denies → reconcile → SELL 0.046
// reduce-only → ledger and exchange both 0.016.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileSymbol } from '../../src/client/operator.js';
import { runningPlans } from '../../src/client/plans.js';
import { parsePlan } from '../../src/domain/plan.js';
import { eventKinds, executionsOf, waitForStage } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';

const SEED_SCENARIO = fileURLToPath(new URL('../../scenarios/seed.json', import.meta.url));
const SEED_PLAN = fileURLToPath(new URL('../../scenarios/seed-plan.json', import.meta.url));

describe('seed scenario', () => {
  let t: ChainStack;

  beforeAll(async () => {
    t = await startChainStack({ scenarioPath: SEED_SCENARIO });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('denies on the position mismatch, reconciles, then closes 75 % reduce-only', async () => {
    const parsed = parsePlan(JSON.parse(readFileSync(SEED_PLAN, 'utf8')), { now: Date.now() }); // January's plan, verbatim
    if (!parsed.ok) throw new Error(`seed plan does not validate: ${JSON.stringify(parsed.errors)}`);
    const plan = parsed.plan;
    await t.setLedger('BTCUSDT', '0.002');
    expect(await t.paper.position('BTCUSDT')).toBe('0.062');

    const started = await t.submit(plan);
    expect(started).toMatchObject({ started: true, workflowId: 'plan-f1a8d7f48713d5cf' });

    const denied = await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile');
    expect(denied.state).toBe('RUNNING');
    expect(denied.permits.p33).toMatchObject({
      allow: false,
      reason: 'reconcile_required_qty_mismatch',
      permit_key: 'quantum:permit:p33:f1a8d7f48713d5cf',
      context: { exchange_amt: '0.062', ledger_amt: '0.002', diff: '0.06', tolerance: '0.001' },
    });
    expect(denied.permits.governor).toMatchObject({ granted: true, computed_qty: '0.046', permit_key: 'quantum:permit:f1a8d7f48713d5cf' });
    expect(await t.paper.orderRequests('BTCUSDT')).toEqual([]); // denied: nothing reached the exchange

    const ctx = { client: t.stack.client, taskQueue: t.stack.taskQueue, who: 'seed-test' };
    // The reconcile reaches the plans awaiting one, found through the PermitStage search attribute.
    await expect.poll(async () => (await runningPlans(t.stack.client, 'BTCUSDT', 'awaiting_reconcile')).map((p) => p.workflowId), { timeout: 10_000 }).toEqual(['plan-f1a8d7f48713d5cf']);
    const outcome = await reconcileSymbol(ctx, 'BTCUSDT', 'seed test: ledger behind the exchange');
    expect(outcome).toMatchObject({ answered: [{ planId: 'f1a8d7f48713d5cf', answer: { done: 'synced' } }], sync: null });
    const answered = { permit_id: denied.permits.p33!.permit_id, exchange_amt: '0.062', ledger_amt: '0.002', diff: '0.06', tolerance: '0.001' };

    const final = await t.result(plan.plan_id);
    expect(final.state).toBe('EXECUTED');
    expect(final.reason).toBeNull();
    expect(final.order).toMatchObject({ client_order_id: 'pc1-f1a8d7f48713d5cf', side: 'SELL', qty: '0.046', filled_qty: '0.046', status: 'FILLED' });
    expect(eventKinds(final)).toEqual([
      'plan_accepted',
      'governor_permit',
      'p33_permit',
      'operator_reconcile',
      'ledger_sync',
      'governor_permit',
      'p33_permit',
      'order_placed',
      'fill_booked',
      'outcome',
    ]);
    expect(final.events.find((e) => e.kind === 'ledger_sync')).toMatchObject({ before: '0.002', after: '0.062', who: 'seed-test', answers: answered });
    expect(final.permits.p33).toMatchObject({ allow: true, context: { exchange_amt: '0.062', ledger_amt: '0.062', diff: '0', tolerance: '0.001' } });
    expect(final.permits.governor?.consumed).toBe(true);

    expect(await t.paper.position('BTCUSDT')).toBe('0.016');
    expect(await t.ledger('BTCUSDT')).toBe('0.016');

    const accepted = await t.paper.acceptedOrders('BTCUSDT');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.params).toMatchObject({ side: 'SELL', type: 'MARKET', quantity: '0.046', reduceOnly: 'true', newClientOrderId: 'pc1-f1a8d7f48713d5cf' });
    const booked = await t.paper.bookedOrders('BTCUSDT');
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({ reduceOnly: true, side: 'SELL', executedQty: '0.046' });

    const { store, settings } = t.stack.services;
    const fills = await store.fillsForPlan(plan.plan_id);
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ qty: '0.046', positionBefore: '0.062', positionAfter: '0.016' });
    const adjustments = (await store.adjustmentHistory(settings.venueName, 'BTCUSDT')).filter((a) => a.planId === plan.plan_id);
    expect(adjustments).toHaveLength(1);
    // The adjustment records the denial it answered: the P3.3 permit and the amounts it denied on.
    expect(adjustments[0]).toMatchObject({ before: '0.002', after: '0.062', who: 'seed-test', why: 'seed test: ledger behind the exchange', answers: answered });
    expect(await executionsOf(t.stack.client, plan.plan_id)).toBe(1);

    // The embedded stack runs the pod's activity stack, instrumentation included: the denial, the grants
    // and the order call are counted as a worker's /metrics counts them.
    const permits = await t.stack.metrics.registry.getSingleMetricAsString('permit_chain_permits_total');
    expect(permits).toMatch(/permit_chain_permits_total\{layer="p33",decision="denied",reason="[a-z_]+"\} [1-9]/);
    expect(permits).toMatch(/permit_chain_permits_total\{layer="governor",decision="granted",reason="none"\} [1-9]/);
    const calls = await t.stack.metrics.registry.getSingleMetricAsString('permit_chain_exchange_call_duration_seconds');
    expect(calls).toMatch(/permit_chain_exchange_call_duration_seconds_count\{call="place_order",result="ok"\} 1/);
  });
});
