import { dec, decimalText, floorToStep } from './decimal.js';
import type { DecimalText } from './decimal-order.js';
import { governorPermitKey, PLAN_MAX_FUTURE_SKEW_SECONDS, positionPermitKey, secondsInTheFuture, type Plan, type PlanAction } from './plan.js';

/** Share of the open position each action closes. */
export const ACTION_FRACTION: Record<PlanAction, string> = {
  PARTIAL_25: '0.25',
  PARTIAL_50: '0.5',
  PARTIAL_75: '0.75',
  FULL_CLOSE: '1',
};

export const DEFAULT_TTL_SECONDS = 15;
export const DEFAULT_TOLERANCE = '0.001';

export type GovernorDenial =
  | 'trading_halted'
  | 'trading_paused'
  | 'no_position'
  | 'qty_below_min'
  | 'max_notional_exceeded'
  | 'unknown_symbol'
  | 'plan_too_old'
  | 'plan_from_future'
  | 'duplicate_plan';
export const POSITION_MISMATCH = 'reconcile_required_qty_mismatch';

/** The governor's permit (seed P3.2), as stored, mirrored to Redis and shown by `status`. */
export interface GovernorPermit {
  permit_id: string;
  permit_key: string;
  granted: boolean;
  reason: GovernorDenial | null;
  symbol: string;
  decision: string;
  side: 'BUY' | 'SELL' | null;
  computed_qty: DecimalText;
  computed_notional: DecimalText;
  mark_price: DecimalText | null;
  created_at: string;
  expires_at: string;
  ttl_seconds: number;
  consumed: boolean;
}

export interface PositionContext {
  exchange_amt: DecimalText;
  ledger_amt: DecimalText;
  diff: DecimalText;
  tolerance: DecimalText;
  /**
   * Signed sum of the unbooked remainders of other plans' orders of the symbol that are sent but not yet
   * booked (SELL −, BUY +); the exchange may show any part of it. Present only when such orders exist, so a
   * check with nothing in flight keeps the seed's four fields.
   */
  in_flight?: DecimalText;
  /** How many such orders (present with in_flight). */
  in_flight_orders?: number;
}

/** An order of another plan of the symbol that is sent but not fully booked: its unbooked remainder. */
export interface InFlightAmount {
  side: 'BUY' | 'SELL';
  unbookedQty: string;
}

/** The position-state permit (seed P3.3). */
export interface PositionPermit {
  permit_id: string;
  permit_key: string;
  allow: boolean;
  reason: typeof POSITION_MISMATCH | 'unknown_symbol' | null;
  symbol: string;
  context: PositionContext;
  created_at: string;
  expires_at: string;
  ttl_seconds: number;
}

export interface MarketLimits {
  stepSize: string;
  minQty: string;
}

export interface GovernorInput {
  plan: Plan;
  sequence: number;
  positionAmount: string;
  markPrice: string;
  /**
   * Orders of other plans of the symbol sent but not yet booked (default none; plans of a symbol take turns,
   * so only orders of runs that predate the turns, or ones that outlived their settle bound, can be here).
   * Those that reduce the position may still execute: the plan sizes from what is left without them.
   */
  inFlight?: InFlightAmount[];
  market: MarketLimits | null;
  pausedScope: string | null;
  /** Trading halted globally, for the symbol or for the plan (denied before any pause holds it; absent: not halted). */
  haltedScope?: string | null;
  /** The workflow run that already owns this plan id, when it is not this run: the plan ran before. */
  claimedByOtherRun?: string | null;
  maxOrderNotional: string | null;
  /** A plan produced longer ago than this is refused (null: no limit). */
  maxPlanAgeSeconds: number | null;
  /** A plan timestamped further than this ahead of `now` is refused (default PLAN_MAX_FUTURE_SKEW_SECONDS). */
  maxFutureSkewSeconds?: number;
  now: number;
  ttlSeconds: number;
}

function permitTimes(now: number, ttlSeconds: number): { created_at: string; expires_at: string } {
  return { created_at: new Date(now).toISOString(), expires_at: new Date(now + ttlSeconds * 1000).toISOString() };
}

/** Quantity an action closes: the share of |position|, truncated to the market's step. */
export function closeQuantity(positionAmount: string, action: PlanAction, stepSize: string): string {
  return decimalText(floorToStep(dec(positionAmount).abs().mul(ACTION_FRACTION[action]), stepSize));
}

function governorDenial(input: GovernorInput, qty: string, notional: string): GovernorDenial | null {
  if (input.claimedByOtherRun) return 'duplicate_plan';
  if (input.market === null) return 'unknown_symbol';
  // Intake (parsePlan) already refuses such a plan; this is the second line of defence, at decision time.
  if (secondsInTheFuture(input.plan.timestamp, input.now, input.maxFutureSkewSeconds ?? PLAN_MAX_FUTURE_SKEW_SECONDS) !== null) return 'plan_from_future';
  if (input.maxPlanAgeSeconds !== null && input.now - input.plan.timestamp * 1000 > input.maxPlanAgeSeconds * 1000) return 'plan_too_old';
  if ((input.haltedScope ?? null) !== null) return 'trading_halted';
  if (input.pausedScope !== null) return 'trading_paused';
  if (dec(input.positionAmount).isZero()) return 'no_position';
  if (dec(qty).lt(input.market.minQty)) return 'qty_below_min';
  if (input.maxOrderNotional !== null && dec(notional).gt(input.maxOrderNotional)) return 'max_notional_exceeded';
  return null;
}

/**
 * The position a plan sizes from: the exchange's, less the unbooked remainders of in-flight orders that reduce
 * it (each may still execute), never below zero. Under-closing when such an order had already executed is
 * the safe side: never more than the position.
 */
export function sizingPosition(positionAmount: string, inFlight: InFlightAmount[] = []): string {
  const amount = dec(positionAmount);
  if (amount.isZero()) return decimalText(amount);
  const reducing = amount.gt(0) ? 'SELL' : 'BUY';
  const pending = inFlight.filter((o) => o.side === reducing).reduce((sum, o) => sum.plus(o.unbookedQty), dec(0));
  const left = amount.abs().minus(pending);
  return decimalText(left.lte(0) ? dec(0) : amount.gt(0) ? left : left.neg());
}

/** Governor (P3.2): how much the plan may close, at what notional, for how long. */
export function decideGovernorPermit(input: GovernorInput): GovernorPermit {
  const sizedFrom = sizingPosition(input.positionAmount, input.inFlight);
  const qty = input.market ? closeQuantity(sizedFrom, input.plan.action, input.market.stepSize) : '0';
  const notional = decimalText(dec(qty).mul(input.markPrice));
  const reason = governorDenial(input, qty, notional);
  const key = governorPermitKey(input.plan.plan_id);
  const amount = dec(input.positionAmount);
  return {
    permit_id: `${key}#${input.sequence}`,
    permit_key: key,
    granted: reason === null,
    reason,
    symbol: input.plan.symbol,
    decision: input.plan.decision,
    side: amount.isZero() ? null : amount.gt(0) ? 'SELL' : 'BUY',
    computed_qty: reason === null ? qty : '0',
    computed_notional: reason === null ? notional : '0',
    mark_price: decimalText(input.markPrice),
    ...permitTimes(input.now, input.ttlSeconds),
    ttl_seconds: input.ttlSeconds,
    consumed: false,
  };
}

export interface PositionCheckInput {
  plan: Plan;
  sequence: number;
  /** null: the exchange lists no such market, so there is no position to compare. */
  exchangeAmount: string | null;
  ledgerAmount: string;
  /** Orders of other plans of the symbol sent but not yet booked (default none). */
  inFlight?: InFlightAmount[];
  tolerance: string;
  now: number;
  ttlSeconds: number;
}

/**
 * Position-state check (P3.3): the exchange and our ledger must agree within the tolerance, counting what is
 * in flight. Each in-flight order may or may not have executed yet, so the exchange may lie anywhere in
 * [ledger + Σ min(d, 0), ledger + Σ max(d, 0)] (d = +unbooked for a BUY, −unbooked for a SELL), widened by
 * the tolerance. With nothing in flight this is |exchange − ledger| ≤ tolerance.
 */
export function decidePositionPermit(input: PositionCheckInput): PositionPermit {
  const exchangeAmount = input.exchangeAmount ?? '0';
  const diff = dec(exchangeAmount).minus(input.ledgerAmount).abs();
  const deltas = (input.inFlight ?? []).map((o) => (o.side === 'BUY' ? dec(o.unbookedQty) : dec(o.unbookedQty).neg()));
  const zero = dec(0);
  const inFlight = deltas.reduce((sum, d) => sum.plus(d), zero);
  const low = deltas.reduce((sum, d) => (d.lt(0) ? sum.plus(d) : sum), dec(input.ledgerAmount)).minus(input.tolerance);
  const high = deltas.reduce((sum, d) => (d.gt(0) ? sum.plus(d) : sum), dec(input.ledgerAmount)).plus(input.tolerance);
  const allow = input.exchangeAmount !== null && dec(exchangeAmount).gte(low) && dec(exchangeAmount).lte(high);
  const key = positionPermitKey(input.plan.plan_id);
  return {
    permit_id: `${key}#${input.sequence}`,
    permit_key: key,
    allow,
    reason: allow ? null : input.exchangeAmount === null ? 'unknown_symbol' : POSITION_MISMATCH,
    symbol: input.plan.symbol,
    context: {
      exchange_amt: decimalText(exchangeAmount),
      ledger_amt: decimalText(input.ledgerAmount),
      diff: decimalText(diff),
      tolerance: decimalText(input.tolerance),
      ...(deltas.length > 0 ? { in_flight: decimalText(inFlight), in_flight_orders: deltas.length } : {}),
    },
    ...permitTimes(input.now, input.ttlSeconds),
    ttl_seconds: input.ttlSeconds,
  };
}

/** Tolerance for a symbol: a per-symbol override, else the default. */
export function toleranceFor(symbol: string, overrides: Record<string, string>, fallback = DEFAULT_TOLERANCE): string {
  return overrides[symbol] ?? fallback;
}
