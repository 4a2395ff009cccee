// A partially filled order against the real stack (dev server, worker, ccxt over HTTP, PostgreSQL, paper
// exchange with the partial_fill fault): the plan books what is filled at once, follows the order until it
// is final and books the rest, exactly once. Orders are counted on the exchange itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPlan, waitForChain } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';

const ORDER = '/fapi/v1/order';
const SYMBOL = 'PARTUSDT';

describe('fills booked by cumulative executed quantity', () => {
  let t: ChainStack;

  beforeAll(async () => {
    t = await startChainStack({ markets: [{ symbol: SYMBOL, position: '1', markPrice: '100' }], database: 'postgres' });
    await t.setLedger(SYMBOL, '1');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a partial fill followed by the rest: EXECUTED, two fills of the one order, ledger = exchange', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'partial_fill', ratio: 0.4, restAfterMs: 2000 } });
    const plan = newPlan(SYMBOL, 'PARTIAL_50', 'partial'); // sells 0.5: 0.2 at once, 0.3 two seconds later
    await t.submit(plan);

    // While the order is open the plan shows it in stage 'booking', with the part filled so far booked.
    const open = await waitForChain(
      t.stack.client,
      plan.plan_id,
      (s) => s.stage === 'booking' && s.order?.status === 'PARTIALLY_FILLED' && s.events.some((e) => e.kind === 'fill_booked'),
      'the partial fill to be booked',
    );
    expect(open).toMatchObject({ state: 'RUNNING', order: { filled_qty: '0.2', qty: '0.5' } });
    expect(await t.ledger(SYMBOL)).toBe('0.8');

    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'EXECUTED', reason: null, order: { status: 'FILLED', filled_qty: '0.5', qty: '0.5' } });

    const booked = await t.paper.bookedOrders(SYMBOL);
    expect(booked, 'orders on the exchange').toHaveLength(1);
    expect(booked[0]).toMatchObject({ status: 'FILLED', executedQty: '0.5' });
    expect(await t.paper.orderPosts(SYMBOL)).toHaveLength(1);
    expect(await t.paper.position(SYMBOL)).toBe('0.5');
    expect(await t.ledger(SYMBOL)).toBe('0.5');

    const fills = await t.stack.services.store.fillsForPlan(plan.plan_id);
    expect(fills.map((f) => [f.exchangeOrderId, f.side, f.qty, f.cumQty, f.positionBefore, f.positionAfter])).toEqual([
      [String(booked[0]!.orderId), 'SELL', '0.2', '0.2', '1', '0.8'],
      [String(booked[0]!.orderId), 'SELL', '0.3', '0.5', '0.8', '0.5'],
    ]);
    const kinds = final.events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'fill_booked')).toHaveLength(2);
    expect(kinds).toContain('order_update');
  });
  it('a refused look-up of the open order does not end the plan: it keeps following, books the rest, and only then passes the turn', async () => {
    await t.setLedger(SYMBOL, await t.paper.position(SYMBOL));
    const before = await t.paper.position(SYMBOL);
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'partial_fill', ratio: 0.4, restAfterMs: 1500 } });
    await t.paper.addFault({ method: 'GET', path: ORDER, count: 2, action: { type: 'binance_error', status: 401, code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } });
    const a = newPlan(SYMBOL, 'FULL_CLOSE', 'refused-a');
    const b = newPlan(SYMBOL, 'FULL_CLOSE', 'refused-b');
    await t.submit(a);
    await waitForChain(t.stack.client, a.plan_id, (s) => s.events.some((e) => e.kind === 'order_lookup_failed'), 'a refused look-up');
    await t.submit(b);

    const final = await t.result(a.plan_id);
    expect(final).toMatchObject({ state: 'EXECUTED', order: { status: 'FILLED', filled_qty: before } });
    expect(final.events.filter((e) => e.kind === 'order_lookup_failed').length).toBeGreaterThanOrEqual(1);
    expect(await t.paper.position(SYMBOL)).toBe('0');
    // B sized after A's order was final: nothing left to close, and it sent nothing.
    const second = await t.result(b.plan_id);
    expect(second).toMatchObject({ state: 'DENIED', reason: 'no_position' });
    expect(await t.paper.orderPosts(SYMBOL)).toHaveLength(2);
    expect(await t.ledger(SYMBOL)).toBe('0');
  });
});
