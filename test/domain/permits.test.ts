import { describe, expect, it } from 'vitest';
import { describeGovernor, describePositionCheck, governorResult } from '../../src/domain/describe.js';
import { closeQuantity, decideGovernorPermit, decidePositionPermit, type InFlightAmount } from '../../src/domain/permits.js';
import type { Plan } from '../../src/domain/plan.js';

const plan: Plan = { plan_id: 'f1a8d7f48713d5cf', symbol: 'BTCUSDT', action: 'PARTIAL_75', kill_score: 0.539, decision: 'EXECUTE', timestamp: 1769301008 };
const market = { stepSize: '0.001', minQty: '0.001' };
const now = Date.parse('2026-01-25T00:30:08.977Z');
const governor = (over: Partial<Parameters<typeof decideGovernorPermit>[0]> = {}) =>
  decideGovernorPermit({ plan, sequence: 1, positionAmount: '0.062', markPrice: '60000', market, pausedScope: null, maxOrderNotional: null, maxPlanAgeSeconds: null, now, ttlSeconds: 15, ...over });

describe('governor permit (P3.2)', () => {
  it('sizes 75 % of 0.062 to 0.046 on a 0.001 step, notional at the mark price', () => {
    const p = governor();
    expect(p).toMatchObject({ granted: true, reason: null, side: 'SELL', computed_qty: '0.046', computed_notional: '2760', ttl_seconds: 15, consumed: false });
    expect(p.permit_key).toBe('quantum:permit:f1a8d7f48713d5cf');
    expect(p.created_at).toBe('2026-01-25T00:30:08.977Z');
    expect(p.expires_at).toBe('2026-01-25T00:30:23.977Z');
  });

  it('closes a short with a BUY', () => {
    expect(governor({ positionAmount: '-0.062' })).toMatchObject({ granted: true, side: 'BUY', computed_qty: '0.046' });
  });

  it.each([
    ['PARTIAL_25', '0.015'],
    ['PARTIAL_50', '0.031'],
    ['FULL_CLOSE', '0.062'],
  ] as const)('%s of 0.062 is %s', (action, qty) => {
    expect(closeQuantity('0.062', action, '0.001')).toBe(qty);
  });

  it('denies while trading is paused', () => {
    expect(governor({ pausedScope: 'global' })).toMatchObject({ granted: false, reason: 'trading_paused', computed_qty: '0' });
  });

  it('denies a quantity under the market minimum', () => {
    expect(governor({ positionAmount: '0.001', plan: { ...plan, action: 'PARTIAL_25' } })).toMatchObject({ granted: false, reason: 'qty_below_min' });
  });

  it('denies above the max notional per order', () => {
    expect(governor({ maxOrderNotional: '2000' })).toMatchObject({ granted: false, reason: 'max_notional_exceeded' });
    expect(governor({ maxOrderNotional: '2760' })).toMatchObject({ granted: true });
  });

  it('denies a plan produced longer ago than the maximum age, when one is set', () => {
    // The seed plan's timestamp is 00:30:08; "now" is 00:30:08.977.
    expect(governor({ maxPlanAgeSeconds: 5, now: now + 10_000 })).toMatchObject({ granted: false, reason: 'plan_too_old' });
    expect(governor({ maxPlanAgeSeconds: 5 })).toMatchObject({ granted: true });
    expect(governor({ maxPlanAgeSeconds: null, now: now + 86_400_000 })).toMatchObject({ granted: true });
  });

  it('denies a plan timestamped beyond the skew (60 s by default) ahead of its clock: plan_from_future', () => {
    // The seed plan's timestamp is 00:30:08; "now" is 00:30:08.977.
    expect(governor({ plan: { ...plan, timestamp: plan.timestamp + 3600 } })).toMatchObject({ granted: false, reason: 'plan_from_future', computed_qty: '0', computed_notional: '0' });
    expect(governor({ plan: { ...plan, timestamp: 1769301008976 } })).toMatchObject({ granted: false, reason: 'plan_from_future' }); // milliseconds
    expect(governor({ plan: { ...plan, timestamp: plan.timestamp + 61 } })).toMatchObject({ granted: false, reason: 'plan_from_future' }); // 60.023 s ahead
    expect(governor({ plan: { ...plan, timestamp: plan.timestamp + 60 } })).toMatchObject({ granted: true }); // 59.023 s ahead
    expect(governor({ plan: { ...plan, timestamp: plan.timestamp + 10 }, maxFutureSkewSeconds: 5 })).toMatchObject({ granted: false, reason: 'plan_from_future' });
    // Applies with or without a maximum age, and before the other checks (pause, position).
    expect(governor({ plan: { ...plan, timestamp: plan.timestamp + 3600 }, maxPlanAgeSeconds: 300, pausedScope: 'global' })).toMatchObject({ reason: 'plan_from_future' });
  });

  it('describes the timestamp denials by their reason', () => {
    expect(describeGovernor(governor({ plan: { ...plan, timestamp: plan.timestamp + 3600 } }))).toBe("Governor: denied plan_from_future — the plan's timestamp is ahead of this worker's clock by more than the allowed skew");
    expect(describeGovernor(governor({ maxPlanAgeSeconds: 5, now: now + 10_000 }))).toBe('Governor: denied plan_too_old — the plan is older than MAX_PLAN_AGE_SECONDS');
  });

  it('denies a flat position and an unknown market', () => {
    expect(governor({ positionAmount: '0' })).toMatchObject({ granted: false, reason: 'no_position' });
    expect(governor({ market: null })).toMatchObject({ granted: false, reason: 'unknown_symbol' });
  });

  it('says what is true for each reason: a pause holds the plan, an unknown market has no amounts', () => {
    const paused = governor({ pausedScope: 'global' });
    expect(describeGovernor(paused)).toBe('Governor: held — trading is paused; the plan waits for a resume and asks again');
    expect(governorResult(paused)).toBe('HELD');
    expect(describeGovernor(governor({ market: null }))).toBe('Governor: denied unknown_symbol — the exchange lists no market BTCUSDT');
    expect(governorResult(governor({ market: null }))).toBe('DENIED');
    expect(governorResult(governor())).toBe('GRANTED');
    const unknown = decidePositionPermit({ plan, sequence: 1, exchangeAmount: null, ledgerAmount: '0', tolerance: '0.001', now, ttlSeconds: 15 });
    expect(describePositionCheck(unknown)).toBe('P3.3: denied unknown_symbol — the exchange lists no market BTCUSDT, so there is no position to compare');
  });
});

describe('position-state permit (P3.3)', () => {
  const check = (exchangeAmount: string, ledgerAmount: string, tolerance = '0.001') =>
    decidePositionPermit({ plan, sequence: 1, exchangeAmount, ledgerAmount, tolerance, now, ttlSeconds: 15 });

  it('denies the seed mismatch with the seed context', () => {
    const p = check('0.062', '0.002');
    expect(p).toMatchObject({ allow: false, reason: 'reconcile_required_qty_mismatch', permit_key: 'quantum:permit:p33:f1a8d7f48713d5cf' });
    expect(p.context).toEqual({ exchange_amt: '0.062', ledger_amt: '0.002', diff: '0.06', tolerance: '0.001' });
  });

  it('allows a difference equal to the tolerance, exactly (no float drift)', () => {
    expect(check('0.062', '0.061')).toMatchObject({ allow: true, reason: null });
    expect(check('0.3', '0.2', '0.1').allow).toBe(true); // 0.3 - 0.2 is 0.09999999999999998 in floats
    expect(check('0.062', '0.0609').allow).toBe(false);
  });
});

describe('position-state permit (P3.3) with orders in flight', () => {
  const check = (exchangeAmount: string, ledgerAmount: string, inFlight: InFlightAmount[], tolerance = '0.001') =>
    decidePositionPermit({ plan, sequence: 1, exchangeAmount, ledgerAmount, inFlight, tolerance, now, ttlSeconds: 15 });
  const sell = (unbookedQty: string): InFlightAmount => ({ side: 'SELL', unbookedQty });
  const buy = (unbookedQty: string): InFlightAmount => ({ side: 'BUY', unbookedQty });

  it('allows an exchange that already shows an unbooked SELL (filled, not yet booked)', () => {
    const p = check('0.75', '1', [sell('0.25')]);
    expect(p).toMatchObject({ allow: true, reason: null });
    expect(p.context).toEqual({ exchange_amt: '0.75', ledger_amt: '1', diff: '0.25', tolerance: '0.001', in_flight: '-0.25', in_flight_orders: 1 });
    expect(describePositionCheck(p)).toContain('in flight -0.25 (1 order(s) sent, not yet booked)');
  });

  it('denies the same mismatch with nothing in flight, and keeps the seed context', () => {
    const p = check('0.75', '1', []);
    expect(p).toMatchObject({ allow: false, reason: 'reconcile_required_qty_mismatch' });
    expect(p.context).toEqual({ exchange_amt: '0.75', ledger_amt: '1', diff: '0.25', tolerance: '0.001' });
  });

  it('allows an exchange that does not show the in-flight order yet (sent, not executed)', () => {
    expect(check('1', '1', [sell('0.25')])).toMatchObject({ allow: true, context: { in_flight: '-0.25', diff: '0' } });
  });

  it('denies an exchange beyond what is in flight, and shows the in-flight amount', () => {
    const p = check('0.5', '1', [sell('0.25')]);
    expect(p).toMatchObject({ allow: false, reason: 'reconcile_required_qty_mismatch' });
    expect(p.context).toEqual({ exchange_amt: '0.5', ledger_amt: '1', diff: '0.5', tolerance: '0.001', in_flight: '-0.25', in_flight_orders: 1 });
    expect(describePositionCheck(p)).toMatch(/^P3\.3: denied reconcile_required_qty_mismatch — .*in flight -0\.25/);
    // The wrong direction is no excuse either: an unbooked SELL never explains a higher exchange amount.
    expect(check('1.25', '1', [sell('0.25')]).allow).toBe(false);
  });

  it('widens by the tolerance at both ends and lets each order have executed or not (exact decimals)', () => {
    expect(check('0.749', '1', [sell('0.25')]).allow).toBe(true);
    expect(check('0.7489', '1', [sell('0.25')]).allow).toBe(false);
    expect(check('1.001', '1', [sell('0.25')]).allow).toBe(true);
    expect(check('1.0011', '1', [sell('0.25')]).allow).toBe(false);
    // A SELL 0.25 and a BUY 0.1 in flight: anywhere in [0.75, 1.1].
    const mixed = [sell('0.25'), buy('0.1')];
    for (const x of ['0.75', '0.85', '1', '1.1']) expect(check(x, '1', mixed).allow).toBe(true);
    expect(check('0.7', '1', mixed).allow).toBe(false);
    expect(check('1.2', '1', mixed).allow).toBe(false);
    expect(check('0.85', '1', mixed).context).toMatchObject({ in_flight: '-0.15', in_flight_orders: 2 });
  });
});
