// Invariant 2 checked from the outside: every order request that reached the paper exchange arrived,
// and every order the exchange executed was executed, while the plan's latest permits were valid.
import type { OrderLogEntry, PaperOrder } from '../../src/exchange/paper/index.js';
import type { PermitRecord } from '../../src/store/index.js';

export interface PermitWindow {
  /** Both permits exist from here… */
  from: number;
  /** …until the earlier of the two expires. */
  until: number;
}

/** The permit pairs a plan was granted, one per acquisition (sequence #1, #2 …), as time windows. */
export function grantedWindows(permits: PermitRecord[]): PermitWindow[] {
  const bySequence = new Map<string, PermitRecord[]>();
  for (const p of permits) {
    const sequence = p.permitId.split('#').pop()!;
    bySequence.set(sequence, [...(bySequence.get(sequence) ?? []), p]);
  }
  const windows: PermitWindow[] = [];
  for (const pair of bySequence.values()) {
    if (pair.length !== 2 || !pair.every((p) => p.granted)) continue;
    windows.push({
      from: Math.max(...pair.map((p) => Date.parse(p.createdAt))),
      until: Math.min(...pair.map((p) => Date.parse(p.expiresAt))),
    });
  }
  return windows;
}

/** Times at which something happened outside every window in which both permits were valid. */
export function outsideWindows(times: number[], windows: PermitWindow[]): number[] {
  return times.filter((at) => !windows.some((w) => at >= w.from && at < w.until));
}

export function arrivalTimes(posts: OrderLogEntry[]): number[] {
  return posts.map((p) => p.receivedAt);
}

export function executionTimes(orders: PaperOrder[]): number[] {
  return orders.map((o) => o.time);
}
