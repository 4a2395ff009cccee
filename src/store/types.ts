import type { AnsweredDenial } from '../domain/chain.js';
export type Side = 'BUY' | 'SELL';
export type TradingMode = 'running' | 'paused';
export type PermitLayer = 'governor' | 'p33';
export type ConsumeResult = 'consumed' | 'already_consumed' | 'expired' | 'not_granted' | 'not_found' | 'trading_paused' | 'revoked';

/**
 * What an exchange order has executed so far, to be booked. Decimals are strings, normalized ("0.016",
 * "0", "-0.5"); times are UTC ISO strings with ms.
 */
export interface FillInput {
  venue: string;
  symbol: string;
  planId: string;
  clientOrderId: string;
  exchangeOrderId: string;
  side: Side;
  /**
   * The order's cumulative executed quantity (the exchange's executedQty): bookFill books the increment
   * over what is already booked for (venue, exchangeOrderId), once. For an order filled in one go this is
   * its quantity.
   */
  qty: string;
  /**
   * The order's average price at this cumulative quantity; the increment is booked at it (exact prices per
   * increment would need the order's trade list, which the ledger does not use: it books quantities).
   */
  price: string;
  filledAt: string;
}

/** One booked increment of an order's fills. */
export interface Fill extends FillInput {
  /** The increment this row booked (its cumulative quantity minus the one booked before it). */
  qty: string;
  /** The order's cumulative executed quantity after this row. */
  cumQty: string;
  fillId: string;
  bookedAt: string;
  positionBefore: string;
  positionAfter: string;
}

export interface AdjustmentInput {
  venue: string;
  symbol: string;
  target: string;
  who: string;
  why: string;
  planId?: string | null;
  command?: string | null;
  /** A repeat with the same key returns the first result (Temporal activities retry). */
  idempotencyKey?: string | null;
  /** The P3.3 denial this adjustment answers (a plan's reconcile); null for a direct one. */
  answers?: AnsweredDenial | null;
}

export type { AnsweredDenial } from '../domain/chain.js';

export interface AdjustmentResult {
  adjustmentId: string;
  before: string;
  after: string;
  delta: string;
  at: string;
  replayed: boolean;
}

export interface Adjustment {
  adjustmentId: string;
  venue: string;
  symbol: string;
  before: string;
  after: string;
  delta: string;
  who: string;
  why: string;
  planId: string | null;
  command: string | null;
  idempotencyKey: string | null;
  /** The P3.3 denial it answered, when a plan's reconcile made it (null: a direct sync or set-up). */
  answers: AnsweredDenial | null;
  at: string;
}

export interface LedgerPosition {
  venue: string;
  symbol: string;
  position: string;
  updatedAt: string;
}

export interface PermitRecord {
  /** Unique per decision, e.g. "quantum:permit:<plan_id>#1" (a plan can re-acquire permits). */
  permitId: string;
  /** Seed key: quantum:permit:<plan_id> (governor) or quantum:permit:p33:<plan_id> (position check). */
  permitKey: string;
  layer: PermitLayer;
  planId: string;
  symbol: string;
  /** Governor's `granted`, P3.3's `allow`. */
  granted: boolean;
  reason: string | null;
  /** exchange_amt, ledger_amt, diff, tolerance, ... */
  context: Record<string, unknown>;
  computedQty: string | null;
  computedNotional: string | null;
  createdAt: string;
  expiresAt: string;
  ttlSeconds: number;
  consumedAt?: string | null;
}

export interface TradingState {
  global: TradingMode;
  symbols: Record<string, TradingMode>;
  /** Plans paused (or resumed) one by one, by plan id. */
  plans: Record<string, TradingMode>;
}

export interface PauseStatus {
  paused: boolean;
  /** 'global', the symbol, `plan:<plan_id>`, or null when running. */
  scope: 'global' | string | null;
  reason: string | null;
}

export interface TradingStateChangeInput {
  scope: 'global' | string;
  state: TradingMode;
  who: string;
  why: string;
}

export interface TradingStateChange {
  changeId: string;
  scope: 'global' | string;
  previousState: TradingMode;
  state: TradingMode;
  who: string;
  why: string;
  at: string;
}

export interface Store {
  readonly kind: 'postgres' | 'embedded';
  close(): Promise<void>;

  ledgerPosition(venue: string, symbol: string): Promise<string>;
  ledgerPositions(): Promise<LedgerPosition[]>;
  /** Books the increment of f.qty (cumulative) over what is booked for the order; booked: false when there is none. */
  bookFill(f: FillInput): Promise<{ booked: boolean; position: string }>;
  adjustLedger(a: AdjustmentInput): Promise<AdjustmentResult>;
  adjustmentHistory(venue: string, symbol: string): Promise<Adjustment[]>;
  fillsForPlan(planId: string): Promise<Fill[]>;

  /** Idempotent on permitId: returns the permit as first recorded (a repeated call records nothing new). */
  recordPermit(p: PermitRecord): Promise<PermitRecord>;
  consumePermit(permitId: string, now: Date): Promise<ConsumeResult>;
  permitsForPlan(planId: string): Promise<PermitRecord[]>;

  /** Records that this workflow run owns the plan id, or answers with the run that already does. */
  claimPlan(c: Omit<PlanClaim, 'claimedAt'> & { at: Date }): Promise<PlanClaimResult>;
  /**
   * Atomically: refuses while an earlier attempt of the plan is pending or placed, consumes the permits
   * (or accepts them as consumed by an earlier attempt of this plan that settled as not executed), and
   * records the next attempt with its own client order id. Only then may its request leave.
   */
  beginOrderAttempt(a: OrderAttemptInput): Promise<BeginAttemptResult>;
  /** Records attempt 0 (pc-<plan_id>, pending) once; answers the row. */
  recordLegacyAttempt(a: LegacyAttemptInput): Promise<OrderAttempt>;
  /**
   * Under the plan's attempt lock: these permits can no longer begin an attempt. A sender still on its way
   * finds them revoked; one that began before is an attempt the caller then sees.
   */
  revokePermits(planId: string, permitIds: string[], at: Date): Promise<void>;
  /** pending → placed | refused | not_found, once; a second settle of an attempt is refused. */
  settleOrderAttempt(planId: string, attemptNo: number, outcome: Exclude<OrderAttemptOutcome, 'pending'>, exchangeOrderId: string | null, detail: string | null): Promise<OrderAttempt>;
  orderAttempts(planId: string): Promise<OrderAttempt[]>;
  /**
   * Orders of the symbol that are sent (or may have been) but not fully booked: every attempt, of any plan
   * but excludePlanId, that is pending or placed and whose booked cumulative fill on the venue is below its
   * quantity. Its unbooked remainder (qty − booked) may or may not have executed on the exchange yet.
   * Limit: a placed order that ended CANCELED/EXPIRED with less than its quantity executed stays listed
   * with its never-to-execute remainder (nothing marks it final).
   */
  inFlightOrders(venue: string, symbol: string, excludePlanId?: string | null): Promise<InFlightOrder[]>;

  tradingState(): Promise<TradingState>;
  /** Paused globally, for the symbol, or for the plan when `planId` is given. */
  isTradingPaused(symbol: string, planId?: string): Promise<PauseStatus>;
  setTradingState(c: TradingStateChangeInput): Promise<TradingStateChange>;
  tradingStateHistory(limit?: number): Promise<TradingStateChange[]>;
}

/** Who owns a plan id: the first workflow run that asked for a permit for it. */
export interface PlanClaim {
  planId: string;
  symbol: string;
  workflowId: string;
  runId: string;
  claimedAt: string;
}

export type PlanClaimResult = { claimed: true; claim: PlanClaim } | { claimed: false; claim: PlanClaim };

/**
 * - pending: the request may have reached the exchange; nothing is known yet;
 * - placed: the exchange has the order (answered, or found by a lookup);
 * - refused: a definitive answer that nothing was executed (or the request never left);
 * - not_found: a lookup after the attempt's settle time found no order.
 */
export type OrderAttemptOutcome = 'pending' | 'placed' | 'refused' | 'not_found';

export interface OrderAttemptInput {
  planId: string;
  symbol: string;
  side: Side;
  qty: string;
  governorPermitId: string;
  positionPermitId: string;
  /** Exchange clock (ms). */
  exchangeTimestamp: number;
  recvWindowMs: number;
  /** Exchange clock (ms): after it, a lookup that finds nothing settles the attempt. */
  settlesAt: number;
  /** Worker clock, used for the permit consume. */
  at: Date;
}

export interface OrderAttempt extends Omit<OrderAttemptInput, 'at'> {
  attemptNo: number;
  clientOrderId: string;
  createdAt: string;
  outcome: OrderAttemptOutcome;
  exchangeOrderId: string | null;
  detail: string | null;
  settledAt: string | null;
}

/** An order attempt not fully booked yet (Store.inFlightOrders). */
export interface InFlightOrder {
  planId: string;
  clientOrderId: string;
  side: 'BUY' | 'SELL';
  /** Ordered quantity. */
  qty: string;
  /** Cumulative quantity booked for it so far. */
  booked: string;
  outcome: 'pending' | 'placed';
}

export type BeginAttemptResult =
  | { ok: true; attempt: OrderAttempt }
  /** An earlier attempt is pending or placed: nothing may be sent until it is settled. */
  | { ok: false; reason: 'unsettled_attempt' | 'order_placed'; attempt: OrderAttempt }
  | { ok: false; reason: 'too_many_attempts' }
  /** Consumed, but by no recorded attempt: a plan started before the order-attempt protocol may have sent pc-<plan_id>. */
  | { ok: false; reason: 'consumed_without_attempt'; permitId: string }
  | { ok: false; reason: Exclude<ConsumeResult, 'consumed' | 'already_consumed'>; permitId: string };

/** Attempt 0: the request a pre-protocol run of the plan may have sent under these permits. */
export type LegacyAttemptInput = Pick<OrderAttemptInput, 'planId' | 'symbol' | 'side' | 'qty' | 'governorPermitId' | 'positionPermitId' | 'settlesAt' | 'at'>;
