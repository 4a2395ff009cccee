// The campaign's safety figures judge records, not workflows: each violation they exist for is built here
// from exchange and store records alone and must be counted (and a clean record set must pass).
import { describe, expect, it } from 'vitest';
import { computeFigures, planIdOfClientOrderId, safetyFailures, type CampaignRecords } from '../../campaign/figures.js';
import { drawFault, nextClockOffset } from '../../campaign/faults.js';
import { DEFAULT_TIMING } from '../../campaign/options.js';
import { mulberry32, streamFor } from '../../campaign/random.js';
import type { OrderLogEntry, PaperOrder } from '../../src/exchange/paper/index.js';

const T0 = 1_800_000_000_000;
const SYMBOL = 'CAMP0USDT';

function order(orderId: number, clientOrderId: string, time = T0 + 100, executedQty = '1'): PaperOrder {
  return { orderId, clientOrderId, symbol: SYMBOL, side: 'SELL', type: 'MARKET', origQty: executedQty, executedQty, avgPrice: '1', cumQuote: executedQty, reduceOnly: true, status: 'FILLED', time, updateTime: time };
}

function accepted(seq: number, o: PaperOrder, receivedAt: number, clockOffsetMs = 0): OrderLogEntry {
  return {
    seq,
    receivedAt,
    clockOffsetMs,
    method: 'POST',
    path: '/fapi/v1/order',
    params: { symbol: SYMBOL, newClientOrderId: o.clientOrderId, timestamp: String(receivedAt - 5), recvWindow: '2000' },
    outcome: { type: 'accepted', orderId: o.orderId, clientOrderId: o.clientOrderId, status: 'FILLED' },
  };
}

/** One plan `p1`, one attempt, its permits expiring 15 s after T0, one order booked once. */
function clean(): CampaignRecords {
  const o = order(1, 'pc1-p1');
  return {
    symbols: [SYMBOL],
    planIds: ['p1'],
    openPlanIds: [],
    exchangeOrders: [o],
    orderLog: [accepted(1, o, T0 + 100)],
    exchangePositions: { [SYMBOL]: '99' },
    ledgerPositions: { [SYMBOL]: '99' },
    attempts: [{ planId: 'p1', attemptNo: 1, clientOrderId: 'pc1-p1', outcome: 'placed', governorPermitId: 'g1', positionPermitId: 'q1', exchangeOrderId: '1', detail: null }],
    permits: [
      { permitId: 'g1', expiresAtMs: T0 + 15_000 },
      { permitId: 'q1', expiresAtMs: T0 + 14_000 },
    ],
    fills: [{ planId: 'p1', clientOrderId: 'pc1-p1', exchangeOrderId: '1', qty: '1' }],
  };
}

describe('campaign figures', () => {
  it('parse the protocol client order id pc<n>-<plan_id> (n base 36)', () => {
    expect(planIdOfClientOrderId('pc1-cmp3f-a')).toEqual({ attemptNo: 1, planId: 'cmp3f-a' });
    expect(planIdOfClientOrderId('pcz-p')).toEqual({ attemptNo: 35, planId: 'p' });
    expect(planIdOfClientOrderId('pc-legacy')).toBeNull();
    expect(planIdOfClientOrderId('paper-auto-4000000001')).toBeNull();
  });

  it('pass clean records', () => {
    const { figures, details } = computeFigures(clean());
    expect(figures).toEqual({
      orders: 1,
      max_orders_per_plan: 1,
      unparsable_orders: 0,
      orders_after_permit_expiry: 0,
      orders_without_attempt: 0,
      plans_unsettled: 0,
      symbols_ledger_mismatch: 0,
      double_booked_fills: 0,
    });
    expect(details.min_permit_margin_ms).toBe(13_900);
    expect(safetyFailures(figures, { asked: 2, done: 2 })).toEqual([]);
    expect(safetyFailures(figures, { asked: 2, done: 1 })).toEqual(['worker_kills = 1, fewer than the 2 asked']);
  });

  it('count a second executed order of one plan, and orders no campaign plan owns', () => {
    const r = clean();
    const second = order(2, 'pc2-p1');
    const stray = order(3, 'pc-p1');
    const { figures, details } = computeFigures({
      ...r,
      exchangeOrders: [...r.exchangeOrders, second, stray, { ...order(4, 'pc1-other'), symbol: 'NOTCAMPUSDT' }],
      orderLog: [...r.orderLog, accepted(2, second, T0 + 200), accepted(3, stray, T0 + 300)],
    });
    expect(figures.orders).toBe(3);
    expect(figures.max_orders_per_plan).toBe(2);
    expect(details.plans_with_several_orders).toEqual([{ planId: 'p1', orders: ['pc1-p1', 'pc2-p1'] }]);
    expect(figures.unparsable_orders).toBe(1);
    expect(figures.orders_without_attempt).toBe(2); // no attempt rows for pc2-p1 and pc-p1
    expect(safetyFailures(figures, { asked: 0, done: 0 })).toContain('max_orders_per_plan = 2 (> 1)');
  });

  it('judge permit expiry in exchange time, with the offset in force at the arrival', () => {
    const r = clean();
    const o = r.exchangeOrders[0]!;
    // Arrival 13,999 ms after T0 on the host clock: 1 ms before the earliest expiry (the position permit).
    const justBefore = computeFigures({ ...r, orderLog: [accepted(1, o, T0 + 13_999 + 700, 700)] });
    expect(justBefore.figures.orders_after_permit_expiry).toBe(0);
    expect(justBefore.details.min_permit_margin_ms).toBe(1);
    // The same exchange-clock arrival under offset 0 is 700 ms after the expiry.
    const late = computeFigures({ ...r, orderLog: [accepted(1, o, T0 + 13_999 + 700, 0)] });
    expect(late.figures.orders_after_permit_expiry).toBe(1);
    expect(late.details.after_permit_expiry[0]).toMatchObject({ clientOrderId: 'pc1-p1', lateByMs: 699, attemptNo: 1 });
  });

  it('count the increments of a partially filled order as one booking of it', () => {
    const r = clean();
    const fills = [{ ...r.fills[0]!, qty: '0.4' }, { ...r.fills[0]!, qty: '0.6' }];
    const { figures, details } = computeFigures({ ...r, fills });
    expect(figures.double_booked_fills).toBe(0);
    expect(details.fills_qty_mismatch).toEqual([]);
  });

  it('count open plans and pending attempts, ledger differences and double bookings', () => {
    const r = clean();
    const { figures, details } = computeFigures({
      ...r,
      openPlanIds: ['p1'],
      attempts: [...r.attempts, { ...r.attempts[0]!, attemptNo: 2, clientOrderId: 'pc2-p1', outcome: 'pending' }],
      ledgerPositions: { [SYMBOL]: '99.000' },
      exchangePositions: { [SYMBOL]: '98' },
      fills: [...r.fills, { planId: 'p1', clientOrderId: 'pc1-p1', exchangeOrderId: '1', qty: '1' }, { planId: 'p1', clientOrderId: 'pc2-p1', exchangeOrderId: '7', qty: '1' }],
    });
    expect(figures.plans_unsettled).toBe(2);
    expect(details.pending_attempts).toEqual(['pc2-p1']);
    expect(figures.symbols_ledger_mismatch).toBe(1);
    expect(figures.double_booked_fills).toBe(2); // order 1 booked twice; plan p1 with fills of orders 1 and 7
    expect(details.fills_qty_mismatch).toEqual([{ exchangeOrderId: '1', booked: '2', executed: '1' }]);
    expect(computeFigures({ ...clean(), ledgerPositions: { [SYMBOL]: '99.000' } }).figures.symbols_ledger_mismatch).toBe(0);
  });
});

describe('campaign randomness', () => {
  it('repeats its choices for a seed', () => {
    const a = streamFor(12345, 'lane 0');
    const b = streamFor(12345, 'lane 0');
    const draws = (rng: () => number) => Array.from({ length: 50 }, () => drawFault(rng, DEFAULT_TIMING));
    expect(draws(a)).toEqual(draws(b));
    expect(draws(streamFor(12345, 'lane 1'))).not.toEqual(draws(streamFor(12345, 'lane 0')));
  });

  it('keeps the fault parameters within the protocol bounds, and clock moves within the limit', () => {
    const rng = mulberry32(99);
    const t = DEFAULT_TIMING;
    for (let i = 0; i < 2_000; i++) {
      const { input } = drawFault(rng, t);
      const action = input?.action;
      if (action?.type === 'unknown_then_execute') expect(action.delayMs).toBeLessThanOrEqual(t.settleBoundMs);
      if (action?.type === 'lookup_stale') expect(action.ms).toBeLessThanOrEqual(t.settleBoundMs);
      if (action?.type === 'accept_then_timeout') expect(action.delayMs).toBeGreaterThan(t.exchangeTimeoutMs);
    }
    let offset = 0;
    for (let i = 0; i < 2_000; i++) {
      const next = nextClockOffset(rng, offset, t.clockOffsetLimitMs);
      expect(Math.abs(next)).toBeLessThanOrEqual(t.clockOffsetLimitMs);
      expect(Math.abs(next - offset)).toBeLessThanOrEqual(t.clockOffsetLimitMs);
      expect(t.clockOffsetLimitMs).toBeLessThan(t.clockSkewBoundMs);
      offset = next;
    }
  });
});
