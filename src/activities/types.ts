import type { GovernorPermit, PositionPermit } from '../domain/permits.js';
import type { Plan } from '../domain/plan.js';
import type { AnsweredDenial, OrderSummary } from '../domain/chain.js';

export interface PermitRequest {
  plan: Plan;
  /** 1, 2, 3… for each acquisition of this plan's permits: part of the permit id. */
  sequence: number;
}

export interface PlaceOrderRequest {
  plan: Plan;
  governorPermitId: string;
  positionPermitId: string;
  side: 'BUY' | 'SELL';
  qty: number;
  /**
   * Legacy: the one client order id of plans started before the order-attempt protocol. Each attempt now
   * has its own id (clientOrderIdForAttempt), chosen when the attempt is recorded.
   */
  clientOrderId?: string;
  /** Epoch ms (worker clock) of the earliest permit expiry: nothing is sent at or after it. */
  deadline: number;
}

/** What settling a plan's earlier order attempts found. */
export type SettleResult =
  /** An attempt's order is on the exchange. */
  | { kind: 'found'; order: PlacedOrder }
  /** Every attempt is known not to have executed (or there was none): nothing of this plan is on the exchange. */
  | { kind: 'settled'; attempts: number }
  /** An attempt may still execute or still be hidden from lookups: look again after waitMs. */
  | { kind: 'wait'; clientOrderId: string; waitMs: number }
  /** The lookup failed (the exchange did not answer, or refused it): the attempt's fate is still open. */
  | { kind: 'lookup_failed'; clientOrderId: string; error: string };

export interface PlacedOrder extends OrderSummary {
  /** True when the order was found by its client order id instead of being sent by this call. */
  found_by_lookup: boolean;
  acknowledged_at: string;
}

/**
 * Books what the order has executed so far: order.filled_qty is its cumulative executed quantity (the
 * exchange's executedQty), and only the increment over what is already booked for the order is recorded.
 */
export interface BookFillRequest {
  plan: Plan;
  order: PlacedOrder;
}

export interface BookedFill {
  booked: boolean;
  ledger_amt: number;
}

export interface LedgerSyncRequest {
  symbol: string;
  who: string;
  why: string;
  planId: string | null;
  command: string | null;
  idempotencyKey: string;
  /** The P3.3 denial a plan's reconcile answers, recorded with the adjustment (absent: a direct sync). */
  answers?: AnsweredDenial | null;
}

export interface LedgerSyncResult {
  before: number;
  after: number;
  delta: number;
  exchange_amt: number;
  at: string;
  replayed: boolean;
}

export interface TradingStateRequest {
  /** 'global', a symbol such as BTCUSDT, or plan:<plan_id> (see planPauseScope). */
  scope: string;
  state: 'running' | 'paused';
  who: string;
  why: string;
}

export interface TradingStateResult {
  scope: string;
  state: 'running' | 'paused';
  at: string;
}

/** Everything a plan workflow may ask of the outside world. Implemented in ./plan-activities.ts. */
export interface PlanActivities {
  issueGovernorPermit(req: PermitRequest): Promise<GovernorPermit>;
  checkPositionState(req: PermitRequest): Promise<PositionPermit>;
  placeOrder(req: PlaceOrderRequest): Promise<PlacedOrder>;
  lookupOrder(req: { symbol: string; clientOrderId: string }): Promise<PlacedOrder | null>;
  /** Settles the plan's order attempts whose fate is unknown (lookup after their window), oldest first. */
  settleOrderAttempts(req: { plan: Plan; revokePermitIds?: string[] }): Promise<SettleResult>;
  bookFill(req: BookFillRequest): Promise<BookedFill>;
  syncLedger(req: LedgerSyncRequest): Promise<LedgerSyncResult>;
  /** Paused globally, for the symbol, or for the plan (when planId is given). */
  isTradingPaused(req: { symbol: string; planId?: string }): Promise<{ paused: boolean; scope: string | null; reason: string | null }>;
  setTradingState(req: TradingStateRequest): Promise<TradingStateResult>;
}
