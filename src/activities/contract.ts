import type { DecimalText } from '../domain/decimal-order.js';
import type { GovernorPermit, PositionPermit } from '../domain/permits.js';
import type { Plan } from '../domain/plan.js';
import type { AnsweredDenial, OrderSummary } from '../domain/chain.js';
import type { JournalEntry, PlanRecord, TradingMode, TradingScopeState } from '../store/types.js';

export type { JournalEntry, PlanRecord, TradingMode, TradingScopeState } from '../store/types.js';

export interface LookupOrderRequest {
  symbol: string;
  clientOrderId: string;
}

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
  qty: DecimalText;
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
  /**
   * The order is final (FILLED, CANCELED, EXPIRED, REJECTED): what it executed is recorded on its attempt, so
   * it no longer counts as in flight. Sent once, with the last booking (or alone when nothing new filled).
   */
  final?: boolean;
}

export interface BookedFill {
  booked: boolean;
  ledger_amt: DecimalText;
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
  before: DecimalText;
  after: DecimalText;
  delta: DecimalText;
  exchange_amt: DecimalText;
  /** When the exchange position was read (exchange clock estimate) and when it last changed there (null: not reported). */
  exchange_read_at: string;
  exchange_updated_at: string | null;
  at: string;
  replayed: boolean;
  /** The drift sweep's pause of the symbol was lifted by this sync. */
  resumed: boolean;
  /** Open drift findings of the symbol this sync resolved. */
  resolved_findings: number;
}

/** A plan asks for its symbol's turn; `checkHolder`: also ask Temporal whether the holder's run is still open. */
export interface TurnRequestInput {
  plan: Plan;
  checkHolder: boolean;
}

export interface TurnHolderInfo {
  plan_id: string;
  workflow_id: string;
  run_id: string;
  /** When it got the turn (store clock), null if it has not started on it yet. */
  since: string | null;
}

/** `seq`: the plan's row in its symbol's queue (absent in histories recorded before it was returned). */
export type TurnState =
  | { granted: true; since: string; released_stale: string[]; seq?: number }
  /** `ahead` plans (the holder included) come before this one. */
  | { granted: false; holder: TurnHolderInfo; ahead: number; released_stale: string[]; seq?: number };

export interface TurnReleaseInput {
  plan: Plan;
  reason: string;
  /** The queue row the plan's last takeTurn answered with: released by it, so a late retry cannot release a newer one. */
  seq?: number;
}

export interface TurnReleaseResult {
  released: boolean;
  /** The symbol's new holder, to be told by signal (null: nobody waits). */
  next: { plan_id: string; workflow_id: string; run_id: string } | null;
}

export interface DriftSweepRequest {
  /** Recorded with each finding and the sweep's summary (the sweep workflow's id). */
  sweepId: string;
}

export interface DriftSweepResult {
  sweep_id: string;
  /** Symbols compared (non-zero on either side, nothing in flight). */
  checked: number;
  drifted: Array<{ symbol: string; exchange_amt: string; ledger_amt: string; diff: string; tolerance: string; finding_id: string; new: boolean; paused: boolean }>;
  busy: Array<{ symbol: string; why: string }>;
  unreadable: Array<{ symbol: string; error: string }>;
  /** The sweep could not read the exchange at all: nothing was compared (never taken as flat). */
  error: string | null;
  /** Open findings resolved because exchange and ledger agree again. */
  agreeing_again: string[];
  /**
   * Orders still counted in flight whose plan has closed (terminated, or ended before the order was final):
   * looked up on the exchange and, once final, booked as final by the sweep; otherwise why not.
   */
  orphans?: Array<{ symbol: string; plan_id: string; client_order_id: string; settled: boolean; status: string | null; executed: string | null; why: string | null }>;
}

export interface DriftReportRequest {
  symbol?: string;
  /** Only findings not resolved yet. */
  openOnly?: boolean;
  limit?: number;
}

/** What `permitctl drift` shows: the findings the store kept (newest first) and the latest sweeps. */
export interface DriftReport {
  findings: Array<{
    finding_id: string;
    symbol: string;
    exchange_amt: string;
    ledger_amt: string;
    diff: string;
    tolerance: string;
    action: 'recorded' | 'paused';
    detected_at: string;
    last_seen_at: string;
    seen_count: number;
    exchange_read_at: string;
    exchange_updated_at: string | null;
    resolved_at: string | null;
    resolution: string | null;
  }>;
  sweeps: Array<{ sweep_id: string; started_at: string; checked: number; drifted: number; busy: number; unreadable: Array<{ symbol: string; error: string }>; error: string | null }>;
}

/** Asks Temporal about a workflow run (the turn of a plan whose run closed without releasing it). */
export interface WorkflowRuns {
  /** closed: the run is no longer running (or Temporal no longer knows it). Throws when Temporal cannot answer. */
  /** Without runId: the workflow id's latest run. */
  status(workflowId: string, runId?: string): Promise<{ closed: boolean; status: string }>;
}

export interface TradingStateRequest {
  /** 'global', a symbol such as BTCUSDT, or plan:<plan_id> (domain/trading-scope.ts). */
  scope: string;
  state: TradingMode;
  who: string;
  why: string;
}

export interface TradingStateResult {
  scope: string;
  state: TradingMode;
  at: string;
}

/** `permitctl ledger SYMBOL`: the venue's journal of the symbol, newest first. */
export interface LedgerJournalRequest {
  symbol: string;
  limit?: number;
}

export interface LedgerJournal {
  venue: string;
  symbol: string;
  /** The ledger's position now. */
  position: string;
  entries: JournalEntry[];
}

/** Whether trading holds the plan (paused or halted), by which scope and why. */
export interface TradingHold {
  /** Not running: paused or halted. */
  paused: boolean;
  /** Halted: the plan is denied, not held (absent in histories recorded before halts existed). */
  halted?: boolean;
  scope: string | null;
  reason: string | null;
}

/** Everything a plan workflow may ask of the outside world. Implemented in ./plan-activities.ts. */
export interface PlanActivities {
  issueGovernorPermit(req: PermitRequest): Promise<GovernorPermit>;
  checkPositionState(req: PermitRequest): Promise<PositionPermit>;
  placeOrder(req: PlaceOrderRequest): Promise<PlacedOrder>;
  lookupOrder(req: LookupOrderRequest): Promise<PlacedOrder | null>;
  /** Settles the plan's order attempts whose fate is unknown (lookup after their window), oldest first. */
  settleOrderAttempts(req: { plan: Plan; revokePermitIds?: string[] }): Promise<SettleResult>;
  bookFill(req: BookFillRequest): Promise<BookedFill>;
  syncLedger(req: LedgerSyncRequest): Promise<LedgerSyncResult>;
  /** Queues the plan for its symbol's turn; answers whether it holds it, or who does. */
  takeTurn(req: TurnRequestInput): Promise<TurnState>;
  /** Gives the turn (or the plan's place in the queue) up; answers the next holder. */
  releaseTurn(req: TurnReleaseInput): Promise<TurnReleaseResult>;
  /** Compares exchange and ledger for every symbol with nothing in flight; records and acts on drift. */
  sweepDrift(req: DriftSweepRequest): Promise<DriftSweepResult>;
  /** The drift findings and sweeps the store kept. */
  driftReport(req: DriftReportRequest): Promise<DriftReport>;
  /** Paused globally, for the symbol, or for the plan (when planId is given). */
  isTradingPaused(req: { symbol: string; planId?: string }): Promise<TradingHold>;
  setTradingState(req: TradingStateRequest): Promise<TradingStateResult>;
  /** The ledger journal of a symbol (fills and adjustments with before/after, who, why, plan). */
  ledgerJournal(req: LedgerJournalRequest): Promise<LedgerJournal>;
  /** Every scope's trading state with who set it, why and since when. */
  tradingStates(): Promise<TradingScopeState[]>;
  /** Everything the store holds of one plan (permits with their inputs and expiry, attempts, fills, operator acts). */
  planRecord(req: { planId: string }): Promise<PlanRecord>;
}
