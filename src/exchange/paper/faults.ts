import { z } from 'zod';
import { ORDER_PATH } from './order-log.js';

const durationMs = z.number().int().min(0).max(600_000);

const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('http'), status: z.number().int().min(100).max(599), body: z.unknown().optional() }),
  z.strictObject({
    type: z.literal('binance_error'),
    status: z.number().int().min(100).max(599).default(400),
    code: z.number().int(),
    msg: z.string(),
  }),
  z.strictObject({ type: z.literal('latency'), ms: durationMs }),
  z.strictObject({ type: z.literal('drop') }),
  z.strictObject({ type: z.literal('accept_then_timeout'), delayMs: durationMs }),
  z.strictObject({ type: z.literal('deliver_late'), ms: durationMs }),
  z.strictObject({
    type: z.literal('unknown_then_execute'),
    delayMs: durationMs,
    answer: z.enum(['503', '-1007']).default('503'),
  }),
  z.strictObject({ type: z.literal('lookup_stale'), ms: durationMs }),
  z.strictObject({ type: z.literal('partial_fill'), ratio: z.number().gt(0).lt(1), restAfterMs: durationMs }),
]);

/** Faults that act on the order a request places: they make sense on the order endpoint only. */
const ORDER_PLACEMENT_ONLY: ReadonlySet<string> = new Set(['unknown_then_execute', 'lookup_stale', 'partial_fill']);

export const faultInputSchema = z
  .strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
    path: z.string().startsWith('/'),
    count: z.number().int().min(1).default(1),
    action: actionSchema,
  })
  .superRefine((f, ctx) => {
    if (ORDER_PLACEMENT_ONLY.has(f.action.type) && (f.method !== 'POST' || f.path !== ORDER_PATH)) {
      ctx.addIssue({ code: 'custom', path: ['action', 'type'], message: `${f.action.type} applies to POST ${ORDER_PATH} only` });
    }
  });

export type FaultAction = z.output<typeof actionSchema>;
export type FaultInput = z.input<typeof faultInputSchema>;

export interface Fault {
  id: number;
  method: string;
  path: string;
  /** How many more matching requests this fault will still take. */
  remaining: number;
  action: FaultAction;
}

/**
 * Faults in the order they were added. A request takes the first fault matching its method and path;
 * each take uses up one count, and a used-up fault leaves the queue. Nothing here depends on time or
 * chance, so tests that inject faults are deterministic.
 */
export class FaultQueue {
  private faults: Fault[] = [];
  private nextId = 1;

  add(input: z.output<typeof faultInputSchema>): Fault {
    const fault: Fault = {
      id: this.nextId++,
      method: input.method,
      path: input.path,
      remaining: input.count,
      action: input.action,
    };
    this.faults.push(fault);
    return fault;
  }

  take(method: string, path: string): { id: number; action: FaultAction } | null {
    const index = this.faults.findIndex((f) => f.method === method && f.path === path);
    const fault = this.faults[index];
    if (fault === undefined) return null;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(index, 1);
    return { id: fault.id, action: fault.action };
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }
}
