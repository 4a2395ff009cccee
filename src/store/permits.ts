import { z } from 'zod';
import { queryOne, type Db, type Queryable } from './db.js';
import type { ConsumeResult, PermitRecord } from './types.js';
import { isoTimestamp, nonNegativeDecimal, parseInput, symbol, text } from './validation.js';
import { normalizeNullableDecimal, toIso, toNullableIso } from './values.js';
import { governorPermitKey, positionPermitKey } from '../domain/plan-ids.js';

/** Seed key formats: the governor's and the position check's (P3.3) permit for a plan. */
export function permitKeyFor(layer: 'governor' | 'p33', planId: string): string {
  return layer === 'governor' ? governorPermitKey(planId) : positionPermitKey(planId);
}

const permitSchema = z
  .object({
    permitId: text,
    permitKey: text,
    layer: z.enum(['governor', 'p33']),
    planId: text,
    symbol,
    granted: z.boolean(),
    reason: text.nullable(),
    context: z.record(z.string(), z.unknown()),
    computedQty: nonNegativeDecimal.nullable(),
    computedNotional: nonNegativeDecimal.nullable(),
    createdAt: isoTimestamp,
    expiresAt: isoTimestamp,
    ttlSeconds: z.number().int('must be a whole number of seconds').positive('must be positive'),
    consumedAt: isoTimestamp.nullable().optional().transform((v) => v ?? null),
  })
  .superRefine((p, ctx) => {
    const expectedKey = permitKeyFor(p.layer, p.planId);
    if (p.permitKey !== expectedKey) {
      ctx.addIssue({ code: 'custom', path: ['permitKey'], message: `must be ${expectedKey} for a ${p.layer} permit` });
    }
    if (Date.parse(p.expiresAt) <= Date.parse(p.createdAt)) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after createdAt' });
    }
    if (p.consumedAt !== null && !p.granted) {
      ctx.addIssue({ code: 'custom', path: ['consumedAt'], message: 'a denied permit cannot be consumed' });
    }
  });

/**
 * Idempotent on permitId: a repeated call (a retried or re-run activity) records nothing new and gets the
 * permit as first recorded, so every run of the step goes on with the same decision and expiry.
 */
export async function recordPermit(db: Db, input: PermitRecord): Promise<PermitRecord> {
  const p = parseInput('recordPermit', permitSchema, input);
  const inserted = await db.query<PermitRow>(
    `INSERT INTO permits (permit_id, permit_key, layer, plan_id, symbol, granted, reason, context, computed_qty,
                          computed_notional, created_at, expires_at, ttl_seconds, consumed_at, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9::numeric, $10::numeric, $11::timestamptz, $12::timestamptz,
             $13, $14::timestamptz, date_trunc('milliseconds', clock_timestamp()))
     ON CONFLICT (permit_id) DO NOTHING
     RETURNING ${PERMIT_COLUMNS}`,
    [
      p.permitId, p.permitKey, p.layer, p.planId, p.symbol, p.granted, p.reason, JSON.stringify(p.context),
      p.computedQty, p.computedNotional, p.createdAt, p.expiresAt, p.ttlSeconds, p.consumedAt,
    ],
  );
  const row = inserted[0] ?? (await queryOne<PermitRow>(db, `SELECT ${PERMIT_COLUMNS} FROM permits WHERE permit_id = $1`, [p.permitId]));
  if (!row) throw new Error(`permit ${p.permitId} was neither recorded nor found`);
  return toPermit(row);
}

const HELD = (states: string) => `EXISTS (SELECT 1 FROM trading_state t WHERE t.state IN (${states}) AND t.scope IN ('global', permits.symbol, 'plan:' || permits.plan_id))`;
/** Trading paused or halted globally, for the permit's symbol or for its plan. */
const PAUSED = HELD(`'paused', 'halted'`);
const HALTED = HELD(`'halted'`);

/** One atomic UPDATE decides; the follow-up read only explains a refusal. */
export async function consumePermit(db: Queryable, permitId: string, now: Date): Promise<ConsumeResult> {
  parseInput('consumePermit', z.object({ permitId: text, now: z.date('must be a valid Date') }), { permitId, now });
  const nowIso = now.toISOString();
  // The trading state is read in the same statement: a permit cannot be used while trading is paused
  // globally, for its symbol or for its plan, whatever was true when it was issued.
  const won = await db.query(
    `UPDATE permits SET consumed_at = $2::timestamptz
     WHERE permit_id = $1 AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > $2::timestamptz AND granted AND NOT ${PAUSED}
     RETURNING permit_id`,
    [permitId, nowIso],
  );
  if (won.length === 1) return 'consumed';
  const refusal = await whyNotUsable(db, permitId, now);
  if (refusal === 'not_found' || refusal === 'not_granted') return refusal;
  const consumed = await queryOne<{ consumed: boolean }>(db, 'SELECT consumed_at IS NOT NULL AS consumed FROM permits WHERE permit_id = $1', [permitId]);
  // Unreachable with neither, unless the row changed between the statements; report what we know.
  return consumed?.consumed ? 'already_consumed' : refusal ?? 'already_consumed';
}

/**
 * Why a permit cannot be used for an order at `now` (not granted, revoked, expired, trading paused), or
 * null when it can; consumption is the caller's business (an attempt may re-use its plan's permits).
 */
export async function whyNotUsable(db: Queryable, permitId: string, now: Date): Promise<Exclude<ConsumeResult, 'consumed' | 'already_consumed'> | null> {
  const row = await queryOne<{ granted: boolean; revoked: boolean; expired: boolean; paused: boolean; halted: boolean }>(
    db,
    `SELECT granted, revoked_at IS NOT NULL AS revoked, expires_at <= $2::timestamptz AS expired, ${PAUSED} AS paused, ${HALTED} AS halted
     FROM permits WHERE permit_id = $1`,
    [permitId, now.toISOString()],
  );
  if (!row) return 'not_found';
  if (!row.granted) return 'not_granted';
  if (row.revoked) return 'revoked';
  if (row.expired) return 'expired';
  if (row.halted) return 'trading_halted';
  if (row.paused) return 'trading_paused';
  return null;
}

/** See Store.revokePermits; `tx` holds the plan's attempt lock. */
export async function revokePermitsIn(tx: Queryable, planId: string, permitIds: string[], at: Date): Promise<void> {
  await tx.query(
    `UPDATE permits SET revoked_at = $3::timestamptz WHERE plan_id = $1 AND permit_id = ANY($2::text[]) AND revoked_at IS NULL`,
    [planId, permitIds, at.toISOString()],
  );
}

export async function permitsForPlan(db: Db, planId: string): Promise<PermitRecord[]> {
  parseInput('permitsForPlan', text, planId);
  const rows = await db.query<PermitRow>(`SELECT ${PERMIT_COLUMNS} FROM permits WHERE plan_id = $1 ORDER BY created_at, permit_id`, [planId]);
  return rows.map(toPermit);
}

const PERMIT_COLUMNS = `permit_id, permit_key, layer, plan_id, symbol, granted, reason, context::text AS context,
  computed_qty::text AS computed_qty, computed_notional::text AS computed_notional, created_at, expires_at, ttl_seconds, consumed_at, revoked_at`;

interface PermitRow {
  permit_id: string;
  permit_key: string;
  layer: 'governor' | 'p33';
  plan_id: string;
  symbol: string;
  granted: boolean;
  reason: string | null;
  context: string;
  computed_qty: string | null;
  computed_notional: string | null;
  created_at: Date;
  expires_at: Date;
  ttl_seconds: number;
  consumed_at: Date | null;
  revoked_at: Date | null;
}

function toPermit(r: PermitRow): PermitRecord {
  return {
    permitId: r.permit_id,
    permitKey: r.permit_key,
    layer: r.layer,
    planId: r.plan_id,
    symbol: r.symbol,
    granted: r.granted,
    reason: r.reason,
    context: JSON.parse(r.context) as Record<string, unknown>,
    computedQty: normalizeNullableDecimal(r.computed_qty),
    computedNotional: normalizeNullableDecimal(r.computed_notional),
    createdAt: toIso(r.created_at),
    expiresAt: toIso(r.expires_at),
    ttlSeconds: Number(r.ttl_seconds),
    consumedAt: toNullableIso(r.consumed_at),
    revokedAt: toNullableIso(r.revoked_at),
  };
}
