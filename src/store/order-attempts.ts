import { z } from 'zod';
import { MAX_ORDER_ATTEMPTS, clientOrderIdForAttempt } from '../domain/plan-ids.js';
import { queryOne, type Db, type Queryable } from './db.js';
import { consumePermit } from './permits.js';
import type { BeginAttemptResult, OrderAttempt, OrderAttemptInput, OrderAttemptOutcome } from './types.js';
import { parseInput, planId, positiveDecimal, symbol, text } from './validation.js';
import { normalizeDecimal, toIso, toNullableIso } from './values.js';

const epochMs = z.number().int('must be whole ms').positive('must be positive');

const attemptSchema = z.object({
  planId,
  symbol,
  side: z.enum(['BUY', 'SELL']),
  qty: positiveDecimal,
  governorPermitId: text,
  positionPermitId: text,
  exchangeTimestamp: epochMs,
  recvWindowMs: z.number().int('must be whole ms').positive('must be positive'),
  settlesAt: epochMs,
  at: z.date('must be a valid Date'),
});

const UNIQUE_VIOLATION = '23505';

/** See Store.beginOrderAttempt. A concurrent begin for the same plan loses on the primary key and is told to settle first. */
export async function beginOrderAttempt(db: Db, input: OrderAttemptInput): Promise<BeginAttemptResult> {
  const a = parseInput('beginOrderAttempt', attemptSchema, input);
  try {
    return await db.transaction((tx) => beginIn(tx, a));
  } catch (err) {
    if ((err as { code?: unknown }).code !== UNIQUE_VIOLATION) throw err;
    const latest = (await attemptsOf(db, a.planId)).at(-1);
    if (latest === undefined) throw err;
    return { ok: false, reason: latest.outcome === 'placed' ? 'order_placed' : 'unsettled_attempt', attempt: latest };
  }
}

async function beginIn(tx: Queryable, a: z.output<typeof attemptSchema>): Promise<BeginAttemptResult> {
  const earlier = await attemptsOf(tx, a.planId, 'FOR UPDATE');
  const blocking = earlier.find((e) => e.outcome === 'pending' || e.outcome === 'placed');
  if (blocking) return { ok: false, reason: blocking.outcome === 'placed' ? 'order_placed' : 'unsettled_attempt', attempt: blocking };
  const attemptNo = earlier.length + 1;
  if (attemptNo > MAX_ORDER_ATTEMPTS) return { ok: false, reason: 'too_many_attempts' };
  for (const permitId of [a.governorPermitId, a.positionPermitId]) {
    const result = await consumePermit(tx, permitId, a.at);
    // Consumed by an earlier attempt of this plan that settled as not executed: the permit still stands.
    const usedBefore = result === 'already_consumed' && earlier.some((e) => e.governorPermitId === a.governorPermitId);
    if (result !== 'consumed' && !usedBefore) return { ok: false, reason: result, permitId };
  }
  const rows = await tx.query<AttemptRow>(
    `INSERT INTO order_attempts (plan_id, attempt_no, client_order_id, symbol, side, qty, governor_permit_id, position_permit_id,
                                 exchange_timestamp, recv_window_ms, settles_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, $8, $9, $10, $11, $12::timestamptz)
     RETURNING ${ATTEMPT_COLUMNS}`,
    [a.planId, attemptNo, clientOrderIdForAttempt(a.planId, attemptNo), a.symbol, a.side, a.qty, a.governorPermitId,
      a.positionPermitId, a.exchangeTimestamp, a.recvWindowMs, a.settlesAt, a.at.toISOString()],
  );
  return { ok: true, attempt: toAttempt(rows[0]!) };
}

const settleSchema = z.object({
  planId,
  attemptNo: z.number().int().positive(),
  outcome: z.enum(['placed', 'refused', 'not_found']),
  exchangeOrderId: text.nullable(),
  detail: text.nullable(),
});

/**
 * pending → a final outcome, once. Settling again with the same outcome answers with the row (a retried
 * activity); a different outcome for a settled attempt is an error: the protocol never revises a fate.
 */
export async function settleOrderAttempt(
  db: Db,
  planIdValue: string,
  attemptNo: number,
  outcome: Exclude<OrderAttemptOutcome, 'pending'>,
  exchangeOrderId: string | null,
  detail: string | null,
): Promise<OrderAttempt> {
  const s = parseInput('settleOrderAttempt', settleSchema, { planId: planIdValue, attemptNo, outcome, exchangeOrderId, detail: detail?.slice(0, 1000) ?? null });
  const updated = await db.query<AttemptRow>(
    `UPDATE order_attempts SET outcome = $3, exchange_order_id = $4, detail = $5, settled_at = date_trunc('milliseconds', clock_timestamp())
     WHERE plan_id = $1 AND attempt_no = $2 AND outcome = 'pending' RETURNING ${ATTEMPT_COLUMNS}`,
    [s.planId, s.attemptNo, s.outcome, s.exchangeOrderId, s.detail],
  );
  if (updated[0]) return toAttempt(updated[0]);
  const row = await queryOne<AttemptRow>(db, `SELECT ${ATTEMPT_COLUMNS} FROM order_attempts WHERE plan_id = $1 AND attempt_no = $2`, [s.planId, s.attemptNo]);
  if (!row) throw new Error(`order attempt ${s.attemptNo} of plan ${s.planId} does not exist`);
  const existing = toAttempt(row);
  if (existing.outcome !== s.outcome) {
    throw new Error(`order attempt ${existing.clientOrderId} is already settled as ${existing.outcome}; refusing to record ${s.outcome}`);
  }
  return existing;
}

export async function orderAttempts(db: Db, planIdValue: string): Promise<OrderAttempt[]> {
  return attemptsOf(db, parseInput('orderAttempts', planId, planIdValue));
}

async function attemptsOf(q: Queryable, plan: string, lock = ''): Promise<OrderAttempt[]> {
  const rows = await q.query<AttemptRow>(`SELECT ${ATTEMPT_COLUMNS} FROM order_attempts WHERE plan_id = $1 ORDER BY attempt_no ${lock}`, [plan]);
  return rows.map(toAttempt);
}

const ATTEMPT_COLUMNS = `plan_id, attempt_no, client_order_id, symbol, side, qty::text AS qty, governor_permit_id, position_permit_id,
  exchange_timestamp::text AS exchange_timestamp, recv_window_ms, settles_at::text AS settles_at, created_at, outcome,
  exchange_order_id, detail, settled_at`;

interface AttemptRow {
  plan_id: string;
  attempt_no: number;
  client_order_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: string;
  governor_permit_id: string;
  position_permit_id: string;
  exchange_timestamp: string;
  recv_window_ms: number;
  settles_at: string;
  created_at: Date;
  outcome: OrderAttemptOutcome;
  exchange_order_id: string | null;
  detail: string | null;
  settled_at: Date | null;
}

function toAttempt(r: AttemptRow): OrderAttempt {
  return {
    planId: r.plan_id,
    attemptNo: Number(r.attempt_no),
    clientOrderId: r.client_order_id,
    symbol: r.symbol,
    side: r.side,
    qty: normalizeDecimal(r.qty),
    governorPermitId: r.governor_permit_id,
    positionPermitId: r.position_permit_id,
    exchangeTimestamp: Number(r.exchange_timestamp),
    recvWindowMs: Number(r.recv_window_ms),
    settlesAt: Number(r.settles_at),
    createdAt: toIso(r.created_at),
    outcome: r.outcome,
    exchangeOrderId: r.exchange_order_id,
    detail: r.detail,
    settledAt: toNullableIso(r.settled_at),
  };
}
