import type { FaultAction } from './faults.js';

export type OrderOutcome =
  | { type: 'pending' }
  /**
   * The request made an order. `executedAt` (exchange time) is there only when the order executed
   * after the client was answered "status unknown" (the unknown_then_execute fault). Under the
   * partial_fill fault `status` follows the order (PARTIALLY_FILLED, then FILLED or EXPIRED), `partQty`
   * is what executed at once and `restAt` (exchange time) when the rest executed or expired.
   */
  | { type: 'accepted'; orderId: number; clientOrderId: string; status: string; executedAt?: number; partQty?: string; restAt?: number }
  | { type: 'found'; orderId: number; clientOrderId: string; status: string }
  | { type: 'error'; httpStatus: number; code: number | null; msg: string }
  /** A fault answered (or dropped) the request; the exchange never saw it. */
  | { type: 'fault' }
  /** Answered "status unknown" (unknown_then_execute); the order is due to execute at `executeAt` (exchange time). */
  | { type: 'execution_pending'; executeAt: number }
  /** Answered "status unknown", then refused when its execution came (e.g. -2022): no order was made. */
  | { type: 'not_executed'; code: number; msg: string; at: number };

export interface OrderLogEntry {
  seq: number;
  /** Arrival time on the paper exchange's clock (ms); after the hold of a deliver_late fault. */
  receivedAt: number;
  /**
   * The exchange clock's offset from the host clock at arrival (ms): `receivedAt - clockOffsetMs` is the
   * arrival in host time, so an arrival can be compared with host-clock instants (a permit's expiry) exactly,
   * even when the offset changed since.
   */
  clockOffsetMs: number;
  method: string;
  path: string;
  /** Request parameters as decoded, without the signature. */
  params: Record<string, string>;
  outcome: OrderOutcome;
  /** The fault this request took, if any (only http, binance_error and drop keep it from the exchange). */
  fault?: { id: number; action: FaultAction };
}

export const ORDER_PATH = '/fapi/v1/order';

/** Every request to the order endpoint, in arrival order, with what became of it. */
export class OrderLog {
  private entries: OrderLogEntry[] = [];
  private nextSeq = 1;
  private listeners = new Set<(entry: Readonly<OrderLogEntry>) => void>();

  record(entry: Omit<OrderLogEntry, 'seq' | 'outcome'>): OrderLogEntry {
    const full: OrderLogEntry = { seq: this.nextSeq++, ...entry, outcome: { type: 'pending' } };
    this.entries.push(full);
    for (const listener of this.listeners) {
      try {
        listener(full);
      } catch {
        // a watcher's failure is its own: the exchange handles the request regardless
      }
    }
    return full;
  }

  /**
   * Calls `listener` as each request is recorded, synchronously, before the exchange handles it (a harness
   * in the same process acts at the moment a request arrives). Returns the unsubscribe function.
   */
  onRecord(listener: (entry: Readonly<OrderLogEntry>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): OrderLogEntry[] {
    return this.entries.map((e) => structuredClone(e));
  }

  clear(): void {
    this.entries = [];
    this.nextSeq = 1;
  }
}
