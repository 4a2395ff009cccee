// Order activities: the order protocol's I/O (docs/order-protocol.md). An attempt is recorded before its
// request leaves; nothing is sent for a plan while an earlier attempt may still execute or be found.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { decimalText } from '../domain/decimal.js';
import { FailureTypes } from '../domain/failures.js';
import { EXCHANGE_MAX_AHEAD_MS, attemptSettlesAt, recvWindowFor } from '../domain/order-protocol.js';
import type { ClockReading } from '../exchange/exchange-clock.js';
import { VenueError, type OrderReport, type Venue } from '../exchange/venue.js';
import type { OrderAttempt, Store } from '../store/index.js';
import type { PermitMirror } from '../store/permit-mirror.js';
import { planIdOfLegacyClientOrderId } from '../domain/plan-ids.js';
import type { BookFillRequest, BookedFill, LookupOrderRequest, PlaceOrderRequest, PlacedOrder, SettleResult } from './contract.js';
import { exchangeRead } from './venue-reads.js';
import type { Plan } from '../domain/plan.js';

export interface OrderSettings {
  /** Ledger key of the venue: fills are booked under it. */
  venueName: string;
  clockSkewBoundMs: number;
  settleBoundMs: number;
}

export interface OrderDeps {
  venue: Venue;
  store: Store;
  settings: OrderSettings;
  mirror?: PermitMirror | undefined;
  now: () => number;
}

/** Binance -1021: "Timestamp for this request is outside of the recvWindow". */
const STALE_TIMESTAMP = -1021;
/** Clock measurements tried before an order gives up on an estimate too loose to trust. */
const CLOCK_TRIES = 3;

export function placedOrder(report: OrderReport, foundByLookup: boolean, at: number): PlacedOrder {
  return {
    client_order_id: report.clientOrderId,
    exchange_order_id: report.exchangeOrderId,
    side: report.side,
    qty: decimalText(report.qty),
    status: report.status,
    filled_qty: decimalText(report.filledQty),
    avg_price: decimalText(report.avgPrice),
    found_by_lookup: foundByLookup,
    acknowledged_at: new Date(at).toISOString(),
  };
}

/**
 * Settles the plan's attempts whose fate is open, oldest first. A lookup that finds the order settles it
 * as placed at once; one that finds nothing settles it only after the attempt's settle time (exchange
 * clock), before which the request could still be accepted, executed late, or hidden from queries.
 */
export async function settleOrderAttempts(deps: OrderDeps, plan: Pick<Plan, 'plan_id'>, revokePermitIds: string[] = []): Promise<SettleResult> {
  // Fence first: a sender of these permits still on its way (a stalled worker whose clock lags) can no
  // longer begin an attempt; one that began already is among the attempts read below.
  await deps.store.revokePermits(plan.plan_id, revokePermitIds, new Date(deps.now()));
  const attempts = await deps.store.orderAttempts(plan.plan_id);
  for (const attempt of attempts.filter((a) => a.outcome === 'pending' || a.outcome === 'placed')) {
    const settled = await settleOne(deps, attempt);
    if (settled !== null) return settled;
  }
  return { kind: 'settled', attempts: attempts.length };
}

/**
 * The lookup of a plan started before the order-attempt protocol (its workflow knows one id, `pc-<plan_id>`,
 * and looks it up after an unclear step): its attempts made by this code are settled first, so such a plan
 * never reads "not on the exchange" while one of them may still execute. Unsettled → retried by Temporal.
 */
export async function lookupForLegacyPlan(deps: OrderDeps, symbol: string, planId: string, legacyClientOrderId: string): Promise<PlacedOrder | null> {
  const settled = await settleOrderAttempts(deps, { plan_id: planId });
  if (settled.kind === 'found') return settled.order;
  if (settled.kind !== 'settled') throw ApplicationFailure.retryable(unsettled(settled).message, FailureTypes.orderUnsettled);
  const report = await deps.venue.findOrder(symbol, legacyClientOrderId).catch((err: unknown) => {
    throw orderFailure(err);
  });
  return report ? placedOrder(report, true, deps.now()) : null;
}

async function settleOne(deps: OrderDeps, attempt: OrderAttempt): Promise<SettleResult | null> {
  // Exchange time as the lookup leaves (its lower bound): an answer "not there" speaks for that moment,
  // however long it takes to come back.
  let askedAt: number;
  try {
    const clock = await deps.venue.clock();
    askedAt = deps.now() + clock.offsetMs - clock.uncertaintyMs;
  } catch (err) {
    return { kind: 'lookup_failed', clientOrderId: attempt.clientOrderId, error: `exchange clock: ${errorText(err)}` };
  }
  let report: OrderReport | null;
  try {
    report = await deps.venue.findOrder(attempt.symbol, attempt.clientOrderId);
  } catch (err) {
    return { kind: 'lookup_failed', clientOrderId: attempt.clientOrderId, error: errorText(err) };
  }
  if (report !== null) {
    if (attempt.outcome === 'pending') await deps.store.settleOrderAttempt(attempt.planId, attempt.attemptNo, 'placed', report.exchangeOrderId, 'found by lookup');
    return { kind: 'found', order: placedOrder(report, true, deps.now()) };
  }
  if (attempt.outcome === 'placed') {
    return { kind: 'lookup_failed', clientOrderId: attempt.clientOrderId, error: `order ${attempt.exchangeOrderId} was placed but a lookup does not find it` };
  }
  if (askedAt < attempt.settlesAt) return { kind: 'wait', clientOrderId: attempt.clientOrderId, waitMs: attempt.settlesAt - askedAt };
  await deps.store.settleOrderAttempt(attempt.planId, attempt.attemptNo, 'not_found', null, 'not found by a lookup sent after its settle time');
  return null;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Places the plan's order, at most once: settles earlier attempts first, records this attempt (its own
 * client order id, exchange timestamp and recvWindow) and consumes the permits in one transaction, checks
 * once more that this attempt may still send, then sends. Does not rest on Temporal's attempt count.
 */
export async function placeOrder(deps: OrderDeps, req: PlaceOrderRequest): Promise<PlacedOrder> {
  const earlier = await settleOrderAttempts(deps, req.plan);
  if (earlier.kind === 'found') return earlier.order;
  if (earlier.kind !== 'settled') throw unsettled(earlier);
  const paused = await deps.store.isTradingPaused(req.plan.symbol, req.plan.plan_id);
  if (paused.paused) {
    const [state, type] = paused.halted ? ['halted', FailureTypes.tradingHalted] : ['paused', FailureTypes.tradingPaused];
    throw ApplicationFailure.nonRetryable(`trading is ${state} (${paused.scope}): ${paused.reason ?? 'no reason given'}; nothing sent`, type);
  }
  const clock = await trustedClock(deps);
  const attemptEndsMs = attemptDeadline();
  const nowMs = deps.now();
  const recvWindowMs = recvWindowFor({
    nowMs,
    permitDeadlineMs: req.deadline,
    attemptEndsMs,
    exchangeTimeoutMs: deps.venue.requestTimeoutMs,
    clockUncertaintyMs: clock.uncertaintyMs,
    clockSkewBoundMs: deps.settings.clockSkewBoundMs,
  });
  if (recvWindowMs < 1) {
    throw ApplicationFailure.nonRetryable(`no time left to send the order (permits end in ${req.deadline - nowMs} ms, this attempt in ${attemptEndsMs - nowMs} ms); nothing sent`, FailureTypes.permitExpired);
  }
  const exchangeTimestamp = nowMs + clock.offsetMs;
  const window = { exchangeTimestamp, recvWindowMs };
  const begun = await deps.store.beginOrderAttempt({
    planId: req.plan.plan_id,
    symbol: req.plan.symbol,
    side: req.side,
    qty: decimalText(String(req.qty)),
    governorPermitId: req.governorPermitId,
    positionPermitId: req.positionPermitId,
    ...window,
    settlesAt: attemptSettlesAt(window, deps.settings),
    at: new Date(nowMs),
  });
  if (!begun.ok && begun.reason === 'consumed_without_attempt') throw await legacyAttemptOpen(deps, req, clock);
  if (!begun.ok) throw refusedToBegin(begun);
  return send(deps, req, begun.attempt, attemptEndsMs);
}

async function send(deps: OrderDeps, req: PlaceOrderRequest, attempt: OrderAttempt, attemptEndsMs: number): Promise<PlacedOrder> {
  const lateBy = deps.now() - Math.min(attemptEndsMs, req.deadline);
  if (Context.current().cancellationSignal.aborted || lateBy >= 0) {
    await deps.store.settleOrderAttempt(attempt.planId, attempt.attemptNo, 'refused', null, 'not sent: the attempt ran out of time before its request left');
    throw ApplicationFailure.nonRetryable(`order attempt ${attempt.clientOrderId} ran out of time before its request left; nothing sent`, FailureTypes.permitExpired);
  }
  let report: OrderReport;
  try {
    report = await deps.venue.placeReduceOnlyMarketOrder({
      symbol: attempt.symbol,
      side: attempt.side,
      qty: attempt.qty,
      clientOrderId: attempt.clientOrderId,
      timing: { timestamp: attempt.exchangeTimestamp, recvWindow: attempt.recvWindowMs },
    });
  } catch (err) {
    if (err instanceof VenueError && err.kind !== 'ambiguous') {
      await deps.store.settleOrderAttempt(attempt.planId, attempt.attemptNo, 'refused', null, err.message);
    }
    throw orderFailure(err);
  }
  await deps.store.settleOrderAttempt(attempt.planId, attempt.attemptNo, 'placed', report.exchangeOrderId, null);
  await deps.mirror?.governorConsumed(req.plan.plan_id);
  return placedOrder(report, report.duplicate === true, deps.now());
}

/**
 * The permits were consumed by no recorded attempt: a run of this plan started before the order-attempt
 * protocol consumed them and may have sent `pc-<plan_id>`, signed with its own clock and a window that
 * ended by the permit deadline. It is recorded as attempt 0 and settled like any other before anything
 * is sent; its settle time allows for that worker's clock being up to 1 s ahead (Binance's limit).
 */
async function legacyAttemptOpen(deps: OrderDeps, req: PlaceOrderRequest, clock: ClockReading): Promise<ApplicationFailure> {
  const settlesAt = req.deadline + clock.offsetMs + EXCHANGE_MAX_AHEAD_MS + deps.settings.clockSkewBoundMs + deps.settings.settleBoundMs;
  const attempt = await deps.store.recordLegacyAttempt({
    planId: req.plan.plan_id, symbol: req.plan.symbol, side: req.side, qty: decimalText(String(req.qty)),
    governorPermitId: req.governorPermitId, positionPermitId: req.positionPermitId, settlesAt, at: new Date(deps.now()),
  });
  return ApplicationFailure.nonRetryable(`permits consumed by an earlier request ${attempt.clientOrderId} of this plan; no new request until it is settled`, FailureTypes.orderUnsettled);
}

/** When this activity attempt times out (worker clock), from the server's schedule and start-to-close timeout. */
function attemptDeadline(): number {
  const info = Context.current().info;
  return info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs;
}

async function trustedClock(deps: OrderDeps): Promise<ClockReading> {
  let reading: ClockReading | null = null;
  for (let i = 0; i < CLOCK_TRIES; i++) {
    try {
      reading = await deps.venue.clock({ fresh: i > 0 });
    } catch (err) {
      throw orderFailure(err);
    }
    if (reading.uncertaintyMs <= deps.settings.clockSkewBoundMs) return reading;
  }
  throw ApplicationFailure.nonRetryable(
    `clock_skew_exceeded: the exchange clock is known to ±${reading?.uncertaintyMs} ms only, above EXCHANGE_CLOCK_SKEW_BOUND_MS (${deps.settings.clockSkewBoundMs}); nothing sent`,
    FailureTypes.clockSkew,
  );
}

function unsettled(earlier: Extract<SettleResult, { kind: 'wait' | 'lookup_failed' }>): ApplicationFailure {
  const why = earlier.kind === 'wait' ? `may still execute for ${Math.ceil(earlier.waitMs)} ms` : `could not be looked up: ${earlier.error}`;
  return ApplicationFailure.nonRetryable(`earlier order attempt ${earlier.clientOrderId} ${why}; no new request until it is settled`, FailureTypes.orderUnsettled);
}

type BeginRefusal = Exclude<Awaited<ReturnType<Store['beginOrderAttempt']>>, { ok: true }>;

function refusedToBegin(r: BeginRefusal): ApplicationFailure {
  switch (r.reason) {
    case 'unsettled_attempt':
    case 'order_placed':
      return ApplicationFailure.nonRetryable(`order attempt ${r.attempt.clientOrderId} is ${r.attempt.outcome}; no new request until it is settled`, FailureTypes.orderUnsettled);
    case 'too_many_attempts':
      return ApplicationFailure.nonRetryable('too_many_order_attempts: the plan used every client order id it has; nothing sent', FailureTypes.exchangeRejected);
    case 'trading_paused':
      return ApplicationFailure.nonRetryable(`trading was paused before permit ${r.permitId} could be used; nothing sent`, FailureTypes.tradingPaused);
    case 'trading_halted':
      return ApplicationFailure.nonRetryable(`trading was halted before permit ${r.permitId} could be used; nothing sent`, FailureTypes.tradingHalted);
    default:
      return ApplicationFailure.nonRetryable(`permit ${r.permitId} cannot be used: ${r.reason}; nothing sent`, FailureTypes.permitExpired);
  }
}

/** Maps an exchange failure of an order request onto the failure type the workflow decides on. */
export function orderFailure(err: unknown): unknown {
  if (!(err instanceof VenueError)) return err;
  const details = { errorClass: err.errorClass, exchangeCode: err.exchangeCode, exchangeReason: err.exchangeReason };
  if (err.exchangeCode === STALE_TIMESTAMP && err.kind !== 'ambiguous') {
    // Refused at arrival: too late for its recvWindow (the permits' deadline) or ahead of the exchange clock.
    return ApplicationFailure.nonRetryable(`exchange refused the order's timestamp, nothing executed: ${err.exchangeReason}`, FailureTypes.permitExpired, details);
  }
  if (err.kind === 'rejected') {
    const code = err.exchangeCode === null ? '' : ` (${err.exchangeCode})`;
    return ApplicationFailure.nonRetryable(`${err.exchangeReason}${code}`, FailureTypes.exchangeRejected, details);
  }
  const type = err.kind === 'ambiguous' ? FailureTypes.orderAmbiguous : FailureTypes.exchangeRetryable;
  return ApplicationFailure.retryable(`${err.errorClass}: ${err.message}`, type, details);
}

/** The order of a client order id, as the exchange knows it now (null: not known to it). */
export async function lookupOrder(deps: OrderDeps, { symbol, clientOrderId }: LookupOrderRequest): Promise<PlacedOrder | null> {
  const legacyPlanId = planIdOfLegacyClientOrderId(clientOrderId);
  if (legacyPlanId !== null) return lookupForLegacyPlan(deps, symbol, legacyPlanId, clientOrderId);
  const report = await exchangeRead(() => deps.venue.findOrder(symbol, clientOrderId));
  return report ? placedOrder(report, true, deps.now()) : null;
}

/** Books what the order has executed so far (its cumulative quantity; each increment once). */
export async function bookFill(deps: OrderDeps, { plan, order, final }: BookFillRequest): Promise<BookedFill> {
  const result = await deps.store.bookFill({
    venue: deps.settings.venueName,
    symbol: plan.symbol,
    planId: plan.plan_id,
    clientOrderId: order.client_order_id,
    exchangeOrderId: order.exchange_order_id ?? order.client_order_id,
    side: order.side,
    qty: decimalText(String(order.filled_qty)),
    price: decimalText(String(order.avg_price)),
    filledAt: order.acknowledged_at,
    final: final ? { status: order.status } : null,
  });
  return { booked: result.booked, ledger_amt: decimalText(result.position) };
}
