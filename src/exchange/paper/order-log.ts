import type { FaultAction } from './faults.js';

export type OrderOutcome =
  | { type: 'pending' }
  | { type: 'accepted'; orderId: number; clientOrderId: string; status: string }
  | { type: 'found'; orderId: number; clientOrderId: string; status: string }
  | { type: 'error'; httpStatus: number; code: number | null; msg: string }
  /** A fault answered (or dropped) the request; the exchange never saw it. */
  | { type: 'fault' };

export interface OrderLogEntry {
  seq: number;
  /** Arrival time on the paper exchange's clock (ms). */
  receivedAt: number;
  method: string;
  path: string;
  /** Request parameters as decoded, without the signature. */
  params: Record<string, string>;
  outcome: OrderOutcome;
  /** The fault this request took, if any (latency and accept_then_timeout still reach the exchange). */
  fault?: { id: number; action: FaultAction };
}

export const ORDER_PATH = '/fapi/v1/order';

/** Every request to the order endpoint, in arrival order, with what became of it. */
export class OrderLog {
  private entries: OrderLogEntry[] = [];
  private nextSeq = 1;

  record(entry: Omit<OrderLogEntry, 'seq' | 'outcome'>): OrderLogEntry {
    const full: OrderLogEntry = { seq: this.nextSeq++, ...entry, outcome: { type: 'pending' } };
    this.entries.push(full);
    return full;
  }

  list(): OrderLogEntry[] {
    return this.entries.map((e) => structuredClone(e));
  }

  clear(): void {
    this.entries = [];
    this.nextSeq = 1;
  }
}
