// One-line descriptions of permit decisions, shared by the workflow (history summaries, events) and the CLI.
// Each is true for its reason: a pause holds a plan (it is not a denial), an unknown symbol has no amounts.
import type { GovernorDenial, GovernorPermit, PositionPermit } from './permits.js';

function clock(iso: string): string {
  return iso.slice(11, 23);
}

/** What each governor refusal means, in the operator's words. */
const GOVERNOR_DENIALS: Record<GovernorDenial, string> = {
  trading_halted: 'trading is halted; no new order goes out until a resume',
  trading_paused: 'trading is paused; the plan waits for a resume and asks again',
  no_position: 'there is no open position to close',
  qty_below_min: "the quantity to close is below the market's minimum",
  max_notional_exceeded: "the order's notional is above MAX_ORDER_NOTIONAL",
  unknown_symbol: 'the exchange lists no such market',
  plan_too_old: 'the plan is older than MAX_PLAN_AGE_SECONDS',
  plan_from_future: "the plan's timestamp is ahead of this worker's clock by more than the allowed skew",
  duplicate_plan: 'this plan id has run before (a plan runs once, ever)',
};

/** GRANTED, HELD (trading paused: the plan waits) or DENIED: the result column of a governor decision. */
export function governorResult(p: Pick<GovernorPermit, 'granted' | 'reason'>): 'GRANTED' | 'HELD' | 'DENIED' {
  if (p.granted) return 'GRANTED';
  return p.reason === 'trading_paused' ? 'HELD' : 'DENIED';
}

export function describeGovernor(p: GovernorPermit): string {
  if (p.granted) return `Governor: granted ${p.side} ${p.computed_qty} ${p.symbol}, notional ${p.computed_notional}, expires ${clock(p.expires_at)}`;
  const why = p.reason === null ? 'no reason recorded' : GOVERNOR_DENIALS[p.reason] ?? p.reason;
  if (p.reason === 'trading_paused') return `Governor: held — ${why}`;
  return `Governor: denied ${p.reason} — ${p.reason === 'unknown_symbol' ? `the exchange lists no market ${p.symbol}` : why}`;
}

export function describePositionCheck(p: PositionPermit): string {
  if (p.reason === 'unknown_symbol') return `P3.3: denied unknown_symbol — the exchange lists no market ${p.symbol}, so there is no position to compare`;
  const c = p.context;
  // in_flight is present only when other plans' orders of the symbol are sent but not yet booked.
  if (c.in_flight_orders) {
    const flight = `in flight ${c.in_flight ?? 0} (${c.in_flight_orders} order(s) sent, not yet booked)`;
    if (p.allow) return `P3.3: allowed — exchange ${c.exchange_amt} vs ledger ${c.ledger_amt} with ${flight}, diff ${c.diff}, tolerance ${c.tolerance}, expires ${clock(p.expires_at)}`;
    return `P3.3: denied ${p.reason} — exchange ${c.exchange_amt} vs ledger ${c.ledger_amt} with ${flight}, diff ${c.diff}, tolerance ${c.tolerance}`;
  }
  if (p.allow) return `P3.3: allowed — exchange ${c.exchange_amt} vs ledger ${c.ledger_amt}, diff ${c.diff} ≤ tolerance ${c.tolerance}, expires ${clock(p.expires_at)}`;
  return `P3.3: denied ${p.reason} — exchange ${c.exchange_amt} vs ledger ${c.ledger_amt}, diff ${c.diff} > tolerance ${c.tolerance}`;
}
