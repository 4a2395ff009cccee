import type { ClockReading } from './exchange-clock.js';

/**
 * The one exchange interface activities use. Symbols are exchange ids (`BTCUSDT`); quantities and
 * prices are decimal strings. Implementations classify every failure as a VenueError.
 */

import type { VenueName } from '../config/exchange.js';

export type { VenueConfig, VenueName } from '../config/exchange.js';

export interface MarketRules {
  symbol: string; // BTCUSDT
  ccxtSymbol: string; // BTC/USDT:USDT
  baseAsset: string;
  quoteAsset: string;
  stepSize: string;
  minQty: string;
  tickSize: string;
  minNotional: string | null;
}

export interface Position {
  symbol: string;
  /** Signed decimal string: > 0 long, < 0 short, "0" when flat. */
  amount: string;
  markPrice: string;
  /** When the position last changed on the exchange (exchange clock, ms), when the venue reports it (not for a flat position). */
  updatedAt: number | null;
}

export type OrderSide = 'BUY' | 'SELL';

export interface OrderRequest {
  symbol: string;
  side: OrderSide;
  qty: string;
  clientOrderId: string;
  /**
   * The request's signed timestamp (exchange clock, ms) and recvWindow (ms), as recorded before it is
   * sent: the exchange refuses it if it arrives after timestamp + recvWindow.
   */
  timing?: { timestamp: number; recvWindow: number };
}

export interface OrderReport {
  clientOrderId: string;
  exchangeOrderId: string;
  symbol: string;
  side: OrderSide;
  qty: string;
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';
  filledQty: string;
  avgPrice: string;
  updatedAt: number;
  /** True when the exchange already had an order with this client id and this is that order. */
  duplicate?: boolean;
}

/**
 * - retryable: nothing happened at the exchange (on an order: definitively not executed);
 * - rejected: the exchange refused; retrying the same request gives the same answer;
 * - ambiguous: an order call may or may not have reached the book; look it up by client id first.
 */
export type VenueErrorKind = 'retryable' | 'rejected' | 'ambiguous';

export interface VenueErrorDetails {
  kind: VenueErrorKind;
  /** The ccxt error class name (e.g. InsufficientFunds), or the local check that failed. */
  errorClass: string;
  exchangeCode: number | null;
  exchangeReason: string;
}

export class VenueError extends Error {
  override readonly name = 'VenueError';
  readonly kind: VenueErrorKind;
  readonly errorClass: string;
  readonly exchangeCode: number | null;
  readonly exchangeReason: string;

  constructor(details: VenueErrorDetails) {
    const code = details.exchangeCode === null ? '' : ` ${details.exchangeCode}`;
    super(`${details.kind} venue error ${details.errorClass}${code}: ${details.exchangeReason}`);
    this.kind = details.kind;
    this.errorClass = details.errorClass;
    this.exchangeCode = details.exchangeCode;
    this.exchangeReason = details.exchangeReason;
  }
}

export interface Venue {
  readonly name: VenueName;
  /** HTTP timeout of one exchange request (ms). */
  readonly requestTimeoutMs: number;
  /** The exchange clock as this worker estimates it; measured again when stale. Signed calls use it. */
  clock(opts?: { fresh?: boolean }): Promise<ClockReading>;
  markets(): Promise<MarketRules[]>;
  market(symbol: string): Promise<MarketRules>;
  position(symbol: string): Promise<Position>;
  /** Every non-flat position of every market, in one read (the drift sweep). A failed read throws: never an empty list. */
  positions(): Promise<Position[]>;
  placeReduceOnlyMarketOrder(req: OrderRequest): Promise<OrderReport>;
  findOrder(symbol: string, clientOrderId: string): Promise<OrderReport | null>;
  close(): Promise<void>;
}
