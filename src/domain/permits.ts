import { dec, decimalNumber, decimalText, floorToStep } from './decimal.js';
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
  | 'trading_paused'
  | 'no_position'
  | 'qty_below_min'
  | 'max_notional_exceeded'
  | 'unknown_symbol'
  | 'plan_too_old'
  | 'plan_from_future'
  | 'duplicate_plan';
export const P33_MISMATCH = 'reconcile_required_qty_mismatch';

/** The governor's permit (seed P3.2), as stored, mirrored to Redis and shown by `status`. */
export interface GovernorPermit {
  permit_id: string;
  permit_key: string;
  granted: boolean;
  reason: GovernorDenial | null;
  symbol: string;
  decision: string;
  side: 'BUY' | 'SELL' | null;
  computed_qty: number;
  computed_notional: number;
  mark_price: number | null;
  created_at: string;
  expires_at: string;
  ttl_seconds: number;
  consumed: boolean;
}

export interface PositionContext {
  exchange_amt: number;
  ledger_amt: number;
  diff: number;
  tolerance: number;
}

/** The position-state permit (seed P3.3). */
export interface PositionPermit {
  permit_id: string;
  permit_key: string;
  allow: boolean;
  reason: typeof P33_MISMATCH | 'unknown_symbol' | null;
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
  market: MarketLimits | null;
  pausedScope: string | null;
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
  if (input.pausedScope !== null) return 'trading_paused';
  if (dec(input.positionAmount).isZero()) return 'no_position';
  if (dec(qty).lt(input.market.minQty)) return 'qty_below_min';
  if (input.maxOrderNotional !== null && dec(notional).gt(input.maxOrderNotional)) return 'max_notional_exceeded';
  return null;
}

/** Governor (P3.2): how much the plan may close, at what notional, for how long. */
export function decideGovernorPermit(input: GovernorInput): GovernorPermit {
  const qty = input.market ? closeQuantity(input.positionAmount, input.plan.action, input.market.stepSize) : '0';
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
    computed_qty: reason === null ? decimalNumber(qty) : 0,
    computed_notional: reason === null ? decimalNumber(notional) : 0,
    mark_price: decimalNumber(input.markPrice),
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
  tolerance: string;
  now: number;
  ttlSeconds: number;
}

/** Position-state check (P3.3): the exchange and our ledger must agree within the tolerance. */
export function decidePositionPermit(input: PositionCheckInput): PositionPermit {
  const exchangeAmount = input.exchangeAmount ?? '0';
  const diff = dec(exchangeAmount).minus(input.ledgerAmount).abs();
  const allow = input.exchangeAmount !== null && diff.lte(input.tolerance);
  const key = positionPermitKey(input.plan.plan_id);
  return {
    permit_id: `${key}#${input.sequence}`,
    permit_key: key,
    allow,
    reason: allow ? null : input.exchangeAmount === null ? 'unknown_symbol' : P33_MISMATCH,
    symbol: input.plan.symbol,
    context: {
      exchange_amt: decimalNumber(exchangeAmount),
      ledger_amt: decimalNumber(input.ledgerAmount),
      diff: decimalNumber(diff),
      tolerance: decimalNumber(input.tolerance),
    },
    ...permitTimes(input.now, input.ttlSeconds),
    ttl_seconds: input.ttlSeconds,
  };
}

/** Tolerance for a symbol: a per-symbol override, else the default. */
export function toleranceFor(symbol: string, overrides: Record<string, string>, fallback = DEFAULT_TOLERANCE): string {
  return overrides[symbol] ?? fallback;
}
