// The order protocol's arithmetic, pure: when an attempt's request can no longer be accepted, how long a
// request may stay valid at the exchange, and which combinations of timing settings are unsafe.
// docs/order-protocol.md states the protocol and the argument for it.

/** Binance USDⓈ-M caps recvWindow at 60 s. */
export const MAX_RECV_WINDOW_MS = 60_000;
/** Binance refuses a timestamp more than 1 s ahead of its own clock. */
export const EXCHANGE_MAX_AHEAD_MS = 1_000;

/** The settings the protocol's safety rests on; checked together at start (orderTimingProblem). */
export interface OrderTimingSettings {
  /** Permit life (s): the order must be accepted before the earliest permit expires. */
  ttlSeconds: number;
  /** One order attempt's deadline (ms), enforced by Temporal (start-to-close). */
  orderAttemptTimeoutMs: number;
  /** The HTTP timeout of one exchange request (ms). */
  exchangeTimeoutMs: number;
  /** Largest error allowed in the worker's estimate of the exchange clock (ms). */
  clockSkewBoundMs: number;
  /**
   * How long after a request's window the exchange may still execute an order whose status it called
   * unknown (503, -1007), or still hide a placed order from queries (ms).
   */
  settleBoundMs: number;
  /** Below this much permit life left, no order is attempted (ms). */
  minOrderWindowMs: number;
}

/** One line naming the settings when a combination is unsafe; null when the combination is sound. */
export function orderTimingProblem(s: OrderTimingSettings): string | null {
  const ttlMs = s.ttlSeconds * 1000;
  const checks: Array<[boolean, string]> = [
    [s.exchangeTimeoutMs >= s.orderAttemptTimeoutMs, `EXCHANGE_TIMEOUT_MS (${s.exchangeTimeoutMs}) must be below ORDER_ATTEMPT_TIMEOUT_MS (${s.orderAttemptTimeoutMs}): an unanswered request must end inside its attempt`],
    [ttlMs > MAX_RECV_WINDOW_MS, `PERMIT_TTL_SECONDS (${s.ttlSeconds}) must be at most ${MAX_RECV_WINDOW_MS / 1000}: the exchange's recvWindow cannot cover a longer permit`],
    [s.clockSkewBoundMs > EXCHANGE_MAX_AHEAD_MS, `EXCHANGE_CLOCK_SKEW_BOUND_MS (${s.clockSkewBoundMs}) must be at most ${EXCHANGE_MAX_AHEAD_MS}: Binance refuses timestamps more than ${EXCHANGE_MAX_AHEAD_MS} ms ahead`],
    [s.minOrderWindowMs + s.clockSkewBoundMs >= ttlMs, `MIN_ORDER_WINDOW_MS (${s.minOrderWindowMs}) + EXCHANGE_CLOCK_SKEW_BOUND_MS (${s.clockSkewBoundMs}) must be below PERMIT_TTL_SECONDS (${s.ttlSeconds} s): no order could ever be sent`],
    [s.settleBoundMs < 0 || !Number.isFinite(s.settleBoundMs), `ORDER_SETTLE_BOUND_MS (${s.settleBoundMs}) must be a finite number of ms, 0 or more`],
  ];
  const failed = checks.filter(([bad]) => bad).map(([, why]) => why);
  return failed.length === 0 ? null : `unsafe order timing settings: ${failed.join('; ')}`;
}

export interface RecvWindowInput {
  /** Worker clock now (ms). */
  nowMs: number;
  /** Earliest permit expiry, worker clock (ms). */
  permitDeadlineMs: number;
  /** When this activity attempt times out, worker clock (ms). */
  attemptEndsMs: number;
  exchangeTimeoutMs: number;
  /** Error of the current exchange-clock estimate as measured (ms). */
  clockUncertaintyMs: number;
  /** The largest error the protocol allows the estimate (EXCHANGE_CLOCK_SKEW_BOUND_MS). */
  clockSkewBoundMs: number;
}

/**
 * The request's recvWindow. Safety (invariant 2): it ends before the earliest permit expiry less the skew
 * bound, so however the exchange clock moved within the bound since it was measured, the exchange refuses
 * the request after the permits expired. Shorter settles: it also ends before this attempt times out and
 * before the HTTP request gives up (less the measured error), so a request we stopped waiting for is
 * soon refused however late it arrives.
 */
export function recvWindowFor(i: RecvWindowInput): number {
  const untilPermits = i.permitDeadlineMs - Math.max(i.clockSkewBoundMs, i.clockUncertaintyMs);
  const untilGivenUp = Math.min(i.attemptEndsMs, i.nowMs + i.exchangeTimeoutMs) - i.clockUncertaintyMs;
  return Math.min(MAX_RECV_WINDOW_MS, Math.floor(Math.min(untilPermits, untilGivenUp) - i.nowMs));
}

export interface AttemptWindow {
  /** The request's timestamp, exchange clock (ms). */
  exchangeTimestamp: number;
  recvWindowMs: number;
}

/**
 * Exchange time after which an attempt's request can no longer be accepted nor executed, nor hidden from a
 * lookup: its window, plus the clock-skew bound, plus the settle bound. A lookup after it that finds
 * nothing settles the attempt as not executed.
 */
export function attemptSettlesAt(a: AttemptWindow, s: Pick<OrderTimingSettings, 'clockSkewBoundMs' | 'settleBoundMs'>): number {
  return a.exchangeTimestamp + a.recvWindowMs + s.clockSkewBoundMs + s.settleBoundMs;
}

/** Order statuses after which an order executes nothing more: its executed quantity is what it executed in the end. */
export const FINAL_ORDER_STATUSES: readonly string[] = ['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'];
