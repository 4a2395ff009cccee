// The permit log's rows and the permits the chain works with: one mapping each way. The chain holds amounts
// as decimal text; a row's context is JSON in the seed's form (numbers), read back as decimal text.
import { decimalNumber, decimalText } from '../domain/decimal.js';
import type { GovernorPermit, PositionContext, PositionPermit } from '../domain/permits.js';
import type { PermitRecord } from './types.js';

export function governorRecord(p: GovernorPermit, planId: string, positionAmount: string): PermitRecord {
  return {
    permitId: p.permit_id,
    permitKey: p.permit_key,
    layer: 'governor',
    planId,
    symbol: p.symbol,
    granted: p.granted,
    reason: p.reason,
    context: { exchange_amt: decimalNumber(positionAmount), mark_price: p.mark_price === null ? null : decimalNumber(p.mark_price), side: p.side, decision: p.decision },
    computedQty: decimalText(p.computed_qty),
    computedNotional: decimalText(p.computed_notional),
    createdAt: p.created_at,
    expiresAt: p.expires_at,
    ttlSeconds: p.ttl_seconds,
  };
}

export function positionRecord(p: PositionPermit, planId: string): PermitRecord {
  return {
    permitId: p.permit_id,
    permitKey: p.permit_key,
    layer: 'p33',
    planId,
    symbol: p.symbol,
    granted: p.allow,
    reason: p.reason,
    context: contextAsJson(p.context),
    computedQty: null,
    computedNotional: null,
    createdAt: p.created_at,
    expiresAt: p.expires_at,
    ttlSeconds: p.ttl_seconds,
  };
}

// A permit step can run more than once for the same permit id: a retry, or a local activity run again
// because its workflow task never completed (worker crash, eviction). The permit log keeps the first
// decision, and the consume checks that one, so every run answers with it: the order's deadline and
// recvWindow then come from the expiry the store enforces, never from a later re-computation.

export function governorAsRecorded(computed: GovernorPermit, stored: PermitRecord): GovernorPermit {
  if (stored.createdAt === computed.created_at) return computed;
  const ctx = stored.context as { mark_price?: number | null; side?: GovernorPermit['side']; decision?: string };
  return {
    ...computed,
    granted: stored.granted,
    reason: stored.reason as GovernorPermit['reason'],
    side: ctx.side ?? computed.side,
    decision: ctx.decision ?? computed.decision,
    mark_price: ctx.mark_price === undefined || ctx.mark_price === null ? computed.mark_price : decimalText(ctx.mark_price),
    computed_qty: stored.computedQty === null ? '0' : decimalText(stored.computedQty),
    computed_notional: stored.computedNotional === null ? '0' : decimalText(stored.computedNotional),
    created_at: stored.createdAt,
    expires_at: stored.expiresAt,
    ttl_seconds: stored.ttlSeconds,
    consumed: stored.consumedAt !== null,
  };
}

export function positionAsRecorded(computed: PositionPermit, stored: PermitRecord): PositionPermit {
  if (stored.createdAt === computed.created_at) return computed;
  return {
    ...computed,
    allow: stored.granted,
    reason: stored.reason as PositionPermit['reason'],
    context: contextOfJson(stored.context),
    created_at: stored.createdAt,
    expires_at: stored.expiresAt,
    ttl_seconds: stored.ttlSeconds,
  };
}

const CONTEXT_AMOUNTS = ['exchange_amt', 'ledger_amt', 'diff', 'tolerance', 'in_flight'] as const;

/** The position check's context as the seed writes it: amounts as JSON numbers. */
export function contextAsJson(context: PositionContext): Record<string, unknown> {
  const json: Record<string, unknown> = { ...context };
  for (const key of CONTEXT_AMOUNTS) if (context[key] !== undefined) json[key] = decimalNumber(context[key]);
  return json;
}

function contextOfJson(json: Record<string, unknown>): PositionContext {
  const context = { ...json } as Record<string, unknown>;
  for (const key of CONTEXT_AMOUNTS) if (context[key] !== undefined) context[key] = decimalText(String(context[key]));
  return context as unknown as PositionContext;
}
