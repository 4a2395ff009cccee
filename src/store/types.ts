import type { AnsweredDenial } from '../domain/chain.js';
export type Side = 'BUY' | 'SELL';
/** running (ACTIVE), paused (plans hold before their order), halted (plans are denied before their order). */
export type TradingMode = 'running' | 'paused' | 'halted';
export type PermitLayer = 'governor' | 'p33';
export type ConsumeResult = 'consumed' | 'already_consumed' | 'expired' | 'not_granted' | 'not_found' | 'trading_paused' | 'trading_halted' | 'revoked';

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
  /**
   * The order has reached a final status (FILLED, CANCELED, EXPIRED, REJECTED): `qty` is what it executed in
   * the end, recorded on its order attempt, so that its unbooked remainder is no longer counted as in flight.
   * With `final`, `qty` may be 0 (an order that ended with nothing executed) or what is already booked.
   */
  final?: { status: string } | null;
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

/**
 * A ledger sync to the exchange (a reconcile), fenced against bookings: refused when anything was booked for
 * the symbol since the caller's snapshot (`basedOnVersion`), or when an order of the symbol is in flight, so
 * that a fill is never counted both in the target and as a booked delta.
 */
export interface LedgerSyncInput extends AdjustmentInput {
  /** The position's version (LedgerSnapshot.version) the caller read before it read the exchange. */
  basedOnVersion: number;
  /** Exchange time (estimate) at which the position read was sent. */
  exchangeReadAt: string;
  /** The position's last update time on the exchange, when the venue reports it. */
  exchangeUpdatedAt: string | null;
}

export type LedgerSyncOutcome =
  | {
      ok: true;
      adjustment: AdjustmentResult;
      /** The symbol's pause set by the drift sweep, lifted by this sync (null: there was none). */
      resumed: TradingStateChange | null;
      /** Open drift findings of the symbol this sync resolved. */
      resolvedFindings: number;
    }
  /** Something was booked (or adjusted) since the snapshot: read the exchange again. */
  | { ok: false; reason: 'ledger_changed'; version: number }
  /** An order of the symbol may still change the exchange position, or is not fully booked yet. */
  | { ok: false; reason: 'order_in_flight'; orders: InFlightOrder[] };

/** What the ledger says of a symbol, and what is in flight: read before the exchange by a sync or a sweep. */
export interface LedgerSnapshot {
  venue: string;
  symbol: string;
  position: string;
  /** Bumped by every journal row of the position (fill or adjustment). */
  version: number;
  inFlight: InFlightOrder[];
}

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
  /** For a ledger sync: when it read the exchange (exchange clock), the position's update time there, and the version it was based on. */
  exchangeReadAt: string | null;
  exchangeUpdatedAt: string | null;
  basedOnVersion: number | null;
  at: string;
}

/** One row of a symbol's ledger journal: a booked fill or an adjustment (a reconcile), and what it did to the position. */
export interface JournalEntry {
  kind: 'fill' | 'adjustment';
  /** When it was booked. */
  at: string;
  venue: string;
  symbol: string;
  before: string;
  after: string;
  delta: string;
  planId: string | null;
  /** The operator (adjustments) or `plan <id>` (fills, booked by the plan's workflow). */
  who: string;
  why: string;
  fill?: { fillId: string; clientOrderId: string; exchangeOrderId: string; side: Side; qty: string; cumQty: string; price: string; filledAt: string };
  adjustment?: { adjustmentId: string; command: string | null; answers: AnsweredDenial | null; exchangeReadAt: string | null; exchangeUpdatedAt: string | null };
}

/** Everything the store holds of one plan (`permitctl audit`). */
export interface PlanRecord {
  planId: string;
  /** The workflow run that owns the plan id (null: no run asked for a permit). */
  claim: PlanClaim | null;
  /** Every permit decision, in order, with its inputs (context), expiry, consumption and revocation. */
  permits: PermitRecord[];
  attempts: OrderAttempt[];
  fills: Fill[];
  /** Reconciles the plan made (each records the denial it answered). */
  adjustments: Adjustment[];
  /** Pauses and resumes of the plan itself (scope plan:<id>), with who and why. */
  tradingChanges: TradingStateChange[];
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
  /** The plan gave up on the round this permit belongs to: no order may be sent with it any more. */
  revokedAt?: string | null;
}

export interface TradingState {
  global: TradingMode;
  symbols: Record<string, TradingMode>;
  /** Plans paused (or resumed) one by one, by plan id. */
  plans: Record<string, TradingMode>;
}

export interface TradingScopeState {
  scope: string;
  state: TradingMode;
  who: string | null;
  why: string | null;
  since: string;
}

export interface PauseStatus {
  /** Trading is not running for the plan: paused or halted. */
  paused: boolean;
  /** It is halted (reported before any pause): the plan is to be denied, not held. */
  halted: boolean;
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
  /** An unfenced adjustment to an absolute target (set-up, tests, migrations of data); reconciles use syncLedger. */
  adjustLedger(a: AdjustmentInput): Promise<AdjustmentResult>;
  /** The position, its version and every order of the symbol in flight (any plan). */
  ledgerSnapshot(venue: string, symbol: string): Promise<LedgerSnapshot>;
  /** Every position of the venue with its version (symbols never booked are absent). */
  ledgerSnapshots(venue: string): Promise<Array<Omit<LedgerSnapshot, 'inFlight'>>>;
  /** A reconcile's write: see LedgerSyncInput. Also resolves the symbol's open drift finding and lifts a drift pause. */
  syncLedger(s: LedgerSyncInput): Promise<LedgerSyncOutcome>;
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
  /** inFlightOrders of every symbol. */
  allInFlightOrders(venue: string): Promise<InFlightOrder[]>;

  /**
   * Queues this workflow run for the symbol's turn (once; asking again answers the same row) and says whether
   * it holds the turn now, or which plan does and how many are ahead.
   */
  takeTurn(t: TurnRequest): Promise<TurnAnswer>;
  /**
   * Releases the run's turn (or its place in the queue) on the symbol: the answer names the new head, to be
   * woken; when nothing of the run is open any more, the head as it is (a repeated release wakes it again).
   */
  releaseTurn(q: { runId: string; venue: string; symbol: string }, reason: string): Promise<TurnRelease>;
  /** Releases turn row `seq`: for a holder that can no longer do it (its run closed), or by its own plan (`ofPlan`, checked). */
  releaseTurnOf(seq: number, reason: string, ofPlan?: string): Promise<TurnRelease>;
  /** Open turn rows (holders and waiters), of one symbol or all, holder first. */
  openTurns(venue: string, symbol?: string): Promise<SymbolTurn[]>;
  turnsOfPlan(planId: string): Promise<SymbolTurn[]>;

  /** A drift the sweep found: a new finding, or the symbol's open one seen again (same amounts). */
  recordDrift(d: DriftInput): Promise<{ finding: DriftFinding; isNew: boolean }>;
  /** The symbol's open finding is resolved because a sweep found exchange and ledger agreeing again. */
  resolveDrift(venue: string, symbol: string, resolution: string): Promise<number>;
  driftFindings(q?: { venue?: string; symbol?: string; openOnly?: boolean; limit?: number }): Promise<DriftFinding[]>;
  recordDriftSweep(s: DriftSweepRecord): Promise<void>;
  driftSweeps(limit?: number): Promise<DriftSweepRecord[]>;

  tradingState(): Promise<TradingState>;
  /** Every scope's current state, with who set it, why and since when (`permitctl state`). */
  tradingStates(): Promise<TradingScopeState[]>;
  /** Paused globally, for the symbol, or for the plan when `planId` is given. */
  isTradingPaused(symbol: string, planId?: string): Promise<PauseStatus>;
  setTradingState(c: TradingStateChangeInput): Promise<TradingStateChange>;
  /** Pauses the scope unless its own row is paused already (by anyone); null then. One transaction: no pause is overwritten. */
  pauseIfRunning(c: Omit<TradingStateChangeInput, 'state'>): Promise<TradingStateChange | null>;
  tradingStateHistory(limit?: number): Promise<TradingStateChange[]>;

  /** A symbol's ledger journal, newest first (at most `limit` rows). */
  ledgerJournal(venue: string, symbol: string, limit?: number): Promise<JournalEntry[]>;
  /** Everything the store holds of one plan. */
  planRecord(planId: string): Promise<PlanRecord>;
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
  symbol: string;
  side: 'BUY' | 'SELL';
  /** Ordered quantity. */
  qty: string;
  /** What it executed in the end, once its order is final (null while it may still execute). */
  finalQty: string | null;
  /** Cumulative quantity booked for it so far. */
  booked: string;
  outcome: 'pending' | 'placed';
}

export interface TurnRequest {
  venue: string;
  symbol: string;
  planId: string;
  workflowId: string;
  runId: string;
}

/** One workflow run's place in a symbol's queue (store clock times). */
export interface SymbolTurn {
  seq: number;
  venue: string;
  symbol: string;
  planId: string;
  workflowId: string;
  runId: string;
  requestedAt: string;
  /** When it became the head (null while it waits). */
  grantedAt: string | null;
  releasedAt: string | null;
  releaseReason: string | null;
}

export type TurnAnswer =
  | { granted: true; turn: SymbolTurn }
  /** `holder` has the turn; `ahead` plans (holder included) are before this one. */
  | { granted: false; turn: SymbolTurn; holder: SymbolTurn; ahead: number };

export interface TurnRelease {
  /** The row released now (null: nothing of this run was open). */
  released: SymbolTurn | null;
  /** The symbol's new head, which should be told that it holds the turn (null: nobody waits). */
  next: SymbolTurn | null;
}

export type DriftAction = 'recorded' | 'paused';

export interface DriftInput {
  venue: string;
  symbol: string;
  exchangeAmt: string;
  ledgerAmt: string;
  diff: string;
  tolerance: string;
  exchangeReadAt: string;
  exchangeUpdatedAt: string | null;
  ledgerVersion: number;
  sweepId: string;
  action: DriftAction;
}

export interface DriftFinding extends DriftInput {
  findingId: string;
  detectedAt: string;
  lastSeenAt: string;
  seenCount: number;
  resolvedAt: string | null;
  resolution: string | null;
}

export interface DriftSweepRecord {
  sweepId: string;
  venue: string;
  startedAt: string;
  finishedAt: string;
  checked: number;
  drifted: number;
  /** Symbols not compared because an order was in flight or the ledger moved during the read, and why. */
  busy: Array<{ symbol: string; why: string }>;
  /** Symbols whose exchange position could not be read (never taken as flat), and the error. */
  unreadable: Array<{ symbol: string; error: string }>;
  /** The sweep as a whole failed (the exchange could not be read at all). */
  error: string | null;
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
