// The position check between another plan's fill and its booking (issue 13, "Why" 3), against the real
// stack (dev server, worker, ccxt over HTTP, PostgreSQL, paper exchange): plan A's order executed on the
// exchange but is not booked yet, so the exchange shows 0.75 and the ledger 1. Plan B of the same symbol
// counts A's order as in flight and is allowed; without A's order on record the same amounts deny.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPlan, waitForStage } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';
import { newPlanId, permit } from '../store/fixtures.js';

const STAGED = 'FLIGHTUSDT';
const UNSTAGED = 'NOFLIGHTUSDT';

describe('the position check counts orders sent but not yet booked', () => {
  let t: ChainStack;

  beforeAll(async () => {
    t = await startChainStack({
      markets: [STAGED, UNSTAGED].map((symbol) => ({ symbol, position: '1', markPrice: '100' })),
      database: 'postgres',
    });
    for (const symbol of [STAGED, UNSTAGED]) await t.setLedger(symbol, '1');
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Plan A of `symbol`: permits granted and an order attempt SELL `qty` settled placed, nothing booked. */
  async function stagePlacedOrder(symbol: string, qty: string): Promise<string> {
    const store = t.stack.services.store;
    const planId = newPlanId();
    const governor = permit({ planId, symbol, computedQty: qty });
    const p33 = permit({ planId, symbol, layer: 'p33', computedQty: null, computedNotional: null });
    await store.recordPermit(governor);
    await store.recordPermit(p33);
    const now = Date.now();
    const begun = await store.beginOrderAttempt({
      planId, symbol, side: 'SELL', qty, governorPermitId: governor.permitId, positionPermitId: p33.permitId,
      exchangeTimestamp: now, recvWindowMs: 5000, settlesAt: now + 11_000, at: new Date(now),
    });
    if (!begun.ok) throw new Error(`plan A's attempt not begun: ${begun.reason}`);
    await store.settleOrderAttempt(planId, begun.attempt.attemptNo, 'placed', `ex-${planId}`, 'staged by the test: filled, not yet booked');
    return planId;
  }

  it("plan B between plan A's fill and A's booking: exchange 0.75 vs ledger 1 with 0.25 in flight is allowed", async () => {
    const planA = await stagePlacedOrder(STAGED, '0.25');
    await t.paper.setPosition(STAGED, '0.75'); // A's order executed on the exchange; A has not booked it
    expect(await t.ledger(STAGED)).toBe('1');

    const planB = newPlan(STAGED, 'PARTIAL_50', 'after-a');
    await t.submit(planB);
    const final = await t.result(planB.plan_id);
    expect(final.permits.p33).toMatchObject({
      allow: true,
      reason: null,
      context: { exchange_amt: '0.75', ledger_amt: '1', diff: '0.25', tolerance: '0.001', in_flight: '-0.25', in_flight_orders: 1 },
    });
    expect(final).toMatchObject({ state: 'EXECUTED', reason: null });
    expect(final.events.map((e) => e.summary).join('\n')).toMatch(/P3\.3: allowed .*in flight -0\.25/);
    // The permit log records the same context, and A's order is still in flight for everyone but A.
    const recorded = (await t.stack.services.store.permitsForPlan(planB.plan_id)).find((p) => p.layer === 'p33');
    expect(recorded?.context).toMatchObject({ in_flight: -0.25, in_flight_orders: 1 });
    const inFlight = await t.stack.services.store.inFlightOrders(t.stack.services.settings.venueName, STAGED);
    expect(inFlight.map((o) => o.planId)).toEqual([planA]);
  });

  it("the same amounts with no order in flight are a mismatch: B is denied", async () => {
    await t.paper.setPosition(UNSTAGED, '0.75');
    const planB = newPlan(UNSTAGED, 'PARTIAL_50', 'no-a');
    await t.submit(planB);
    const waiting = await waitForStage(t.stack.client, planB.plan_id, 'awaiting_reconcile');
    expect(waiting.permits.p33).toMatchObject({ allow: false, reason: 'reconcile_required_qty_mismatch' });
    expect(waiting.permits.p33?.context).toEqual({ exchange_amt: '0.75', ledger_amt: '1', diff: '0.25', tolerance: '0.001' });
    expect(await t.paper.orderRequests(UNSTAGED)).toEqual([]);
    await t.stack.client.workflow.getHandle(`plan-${planB.plan_id}`).cancel();
    expect(await t.result(planB.plan_id)).toMatchObject({ state: 'CANCELLED' });
  });
});
