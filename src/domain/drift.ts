// The drift sweep's decisions, pure: which symbols to compare, whether a symbol was quiet while its
// exchange position was read, and whether exchange and ledger disagree (docs/concurrency.md).
import { dec, decimalText } from './decimal.js';

/** The operator name the sweep acts under: a symbol pause it sets is lifted by the next reconcile of the symbol. */
export const DRIFT_SWEEP_OPERATOR = 'drift-sweep';

/** What the sweep does about a drift besides recording it (DRIFT_ACTION). */
export const DRIFT_ACTION_SETTINGS = ['record', 'pause'] as const;
export type DriftActionSetting = (typeof DRIFT_ACTION_SETTINGS)[number];

export interface DriftVerdict {
  diff: string;
  drifted: boolean;
}

/** Exchange and ledger disagree by more than the tolerance (the position check's rule with nothing in flight). */
export function compareDrift(exchangeAmt: string, ledgerAmt: string, tolerance: string): DriftVerdict {
  const diff = dec(exchangeAmt).minus(ledgerAmt).abs();
  return { diff: decimalText(diff), drifted: diff.gt(tolerance) };
}

/** Symbols with a non-zero position on either side, in order. */
export function sweepCandidates(ledger: ReadonlyArray<{ symbol: string; position: string }>, exchange: ReadonlyArray<{ symbol: string; amount: string }>): string[] {
  const nonZero = [...ledger.filter((l) => !dec(l.position).isZero()).map((l) => l.symbol), ...exchange.filter((e) => !dec(e.amount).isZero()).map((e) => e.symbol)];
  return [...new Set(nonZero)].sort();
}

/** A symbol's ledger side as seen before or after the exchange read. */
export interface LedgerSide {
  version: number;
  /** Client order ids of the symbol's orders in flight. */
  inFlight: readonly string[];
}

/**
 * Why a symbol cannot be compared this time, or null when it was quiet: nothing in flight before or after
 * the exchange read and nothing booked in between. Any fill the read saw then had its order begun, and so
 * in flight or booked, before the second look.
 */
export function whyBusy(before: LedgerSide, after: LedgerSide): string | null {
  const inFlight = [...new Set([...before.inFlight, ...after.inFlight])];
  if (inFlight.length > 0) return `order${inFlight.length > 1 ? 's' : ''} in flight: ${inFlight.slice(0, 3).join(', ')}${inFlight.length > 3 ? ', …' : ''}`;
  if (before.version !== after.version) return 'the ledger changed while the exchange was read';
  return null;
}
