// What one order step of a plan came to, and the pace at which a plan follows an order until it is final.
import type { PlacedOrder } from '../activities/contract.js';

export type OrderAttempt =
  /** On the exchange: sent by this step or found by a look-up. */
  | { kind: 'placed'; order: PlacedOrder }
  /** The exchange refused it for good. */
  | { kind: 'rejected'; reason: string }
  /** The permits ran out first, or every attempt is known not to have executed. */
  | { kind: 'expired' }
  /** Trading was paused as the order was about to leave: nothing was sent. */
  | { kind: 'paused' }
  /** Trading was halted as the order was about to leave: nothing was sent, the plan is denied. */
  | { kind: 'halted' };

/** domain/order-protocol's FINAL_ORDER_STATUSES: the bundle takes only a few import-free modules from domain (test/workflows/bundle.test.ts). */
export const FINAL_ORDER_STATUSES = ['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'];

/** First pause between look-ups of an order that is not final; it doubles up to MAX_ORDER_FOLLOW_UP_MS. */
export const ORDER_FOLLOW_UP_MS = 1_000;
export const MAX_ORDER_FOLLOW_UP_MS = 60_000;
