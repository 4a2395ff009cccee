// One-line descriptions of permit decisions, shared by the workflow (history summaries, events) and the CLI.
import type { GovernorPermit, PositionPermit } from './permits.js';

function clock(iso: string): string {
  return iso.slice(11, 23);
}

export function describeGovernor(p: GovernorPermit): string {
  if (!p.granted) return `Governor: denied — ${p.reason}`;
  return `Governor: granted ${p.side} ${p.computed_qty} ${p.symbol}, notional ${p.computed_notional}, expires ${clock(p.expires_at)}`;
}

export function describePositionCheck(p: PositionPermit): string {
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
