// The campaign's fault mix: what is drawn before each plan (most often nothing), and the moves of the
// exchange clock. Every fault stays within the assumptions the order protocol names (docs/order-protocol.md):
// late executions and hidden orders within ORDER_SETTLE_BOUND_MS, clock moves within
// EXCHANGE_CLOCK_SKEW_BOUND_MS. A campaign that broke them would find violations the protocol never claims
// to prevent.
import type { Fault, FaultInput } from '../src/exchange/paper/index.js';
import { ORDER_PATH } from '../src/exchange/paper/order-log.js';
import type { CampaignTiming } from './options.js';
import { intBetween, weighted, type Random } from './random.js';

export const FAULT_KINDS = [
  'none',
  'deliver_late',
  'unknown_then_execute',
  'lookup_stale',
  'accept_then_timeout',
  'drop',
  'http_503',
  'http_429',
  'error_1007',
  'lookup_503',
  'slow_position_read',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Relative weights per plan: about half the plans meet a fault on their order request (or a lookup). */
export const FAULT_WEIGHTS: Record<FaultKind, number> = {
  none: 50,
  deliver_late: 7,
  unknown_then_execute: 8,
  lookup_stale: 5,
  accept_then_timeout: 7,
  drop: 5,
  http_503: 6,
  http_429: 5,
  error_1007: 4,
  lookup_503: 3,
  slow_position_read: 6,
};

export interface DrawnFault {
  kind: FaultKind;
  /** What to add to the paper exchange's fault queue; null for `none`. */
  input: FaultInput | null;
}

/** The position read of both permit checks (ccxt fetchPositions on binanceusdm). */
export const POSITION_RISK_PATH = '/fapi/v3/positionRisk';

const post = (action: FaultInput['action']): FaultInput => ({ method: 'POST', path: ORDER_PATH, count: 1, action });

/**
 * One draw of the mix. Parameters:
 * - deliver_late: 200 ms … 2 × EXCHANGE_TIMEOUT_MS (some arrive after the client gave up: refused -1021 on arrival);
 * - unknown_then_execute: 0 … settle bound, answered 503 or -1007 (half each);
 * - lookup_stale: 0 … settle bound;
 * - accept_then_timeout: the answer held 100 … 2,500 ms past EXCHANGE_TIMEOUT_MS (the client times out);
 * - drop, http 503, http 429 (-1003, definitive), binance_error -1007 (unknown status, nothing executed);
 * - lookup_503: the next order lookup (GET /fapi/v1/order) answers 503;
 * - slow_position_read: the next 1-4 position reads (GET /fapi/v3/positionRisk, both permit checks read it)
 *   are held 1-6 s (beyond EXCHANGE_TIMEOUT_MS the read times out and is retried): one permit is granted
 *   seconds after the other, so the order leaves late in the earliest permit's life — the edge that
 *   `orders_after_permit_expiry` judges.
 */
export function drawFault(rng: Random, t: CampaignTiming): DrawnFault {
  const kind = weighted(rng, FAULT_KINDS.map((k) => ({ weight: FAULT_WEIGHTS[k], value: k })));
  switch (kind) {
    case 'none':
      return { kind, input: null };
    case 'deliver_late':
      return { kind, input: post({ type: 'deliver_late', ms: intBetween(rng, 200, 2 * t.exchangeTimeoutMs) }) };
    case 'unknown_then_execute':
      return { kind, input: post({ type: 'unknown_then_execute', delayMs: intBetween(rng, 0, t.settleBoundMs), answer: rng() < 0.5 ? '503' : '-1007' }) };
    case 'lookup_stale':
      return { kind, input: post({ type: 'lookup_stale', ms: intBetween(rng, 0, t.settleBoundMs) }) };
    case 'accept_then_timeout':
      return { kind, input: post({ type: 'accept_then_timeout', delayMs: t.exchangeTimeoutMs + intBetween(rng, 100, 2_500) }) };
    case 'drop':
      return { kind, input: post({ type: 'drop' }) };
    case 'http_503':
      return { kind, input: post({ type: 'http', status: 503 }) };
    case 'http_429':
      return { kind, input: post({ type: 'http', status: 429, body: { code: -1003, msg: 'Too many requests.' } }) };
    case 'error_1007':
      return {
        kind,
        input: post({ type: 'binance_error', status: 503, code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' }),
      };
    case 'lookup_503':
      return { kind, input: { method: 'GET', path: ORDER_PATH, count: 1, action: { type: 'http', status: 503 } } };
    case 'slow_position_read':
      return { kind, input: { method: 'GET', path: POSITION_RISK_PATH, count: intBetween(rng, 1, 4), action: { type: 'latency', ms: intBetween(rng, 1_000, 6_000) } } };
  }
}

/**
 * The next exchange clock offset: a step of at most ±limit from the current one, kept within ±limit. With
 * moves further apart than EXCHANGE_CLOCK_MAX_AGE_MS, a worker's reading is at most one move old, so its
 * error stays below the limit (and the limit below the skew bound).
 */
export function nextClockOffset(rng: Random, current: number, limitMs: number): number {
  const step = intBetween(rng, -limitMs, limitMs);
  return Math.max(-limitMs, Math.min(limitMs, current + step));
}

/** Faults added to the paper exchange, by id, and which of them a request took. */
export class FaultBook {
  readonly #kindById = new Map<number, FaultKind>();
  readonly injected: Record<string, number> = {};
  #untaken: Record<string, number> | null = null;

  added(fault: Fault, kind: FaultKind): void {
    this.#kindById.set(fault.id, kind);
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
  }

  /** Faults still queued when injection stopped (then cleared): they were never taken. */
  closeWith(remaining: readonly Fault[]): void {
    const untaken: Record<string, number> = {};
    for (const f of remaining) {
      const kind = this.#kindById.get(f.id);
      if (kind !== undefined) untaken[kind] = (untaken[kind] ?? 0) + 1;
    }
    this.#untaken = untaken;
  }

  taken(): Record<string, number> {
    const untaken = this.#untaken ?? {};
    return Object.fromEntries(Object.entries(this.injected).map(([kind, n]) => [kind, n - (untaken[kind] ?? 0)]));
  }

  injectedCount(): number {
    return this.#kindById.size;
  }
}
