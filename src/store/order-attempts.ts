import { z } from 'zod';
import { MAX_ORDER_ATTEMPTS, clientOrderIdForAttempt, clientOrderIdForPlan } from '../domain/plan-ids.js';
import { queryOne, type Db, type Queryable } from './db.js';
import { consumePermit, revokePermitsIn, whyNotUsable } from './permits.js';
import type { BeginAttemptResult, InFlightOrder, LegacyAttemptInput, OrderAttempt, OrderAttemptInput, OrderAttemptOutcome } from './types.js';
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

/** A refusal found inside the transaction: thrown to roll back whatever it consumed, returned to the caller. */
class BeginRefused extends Error {
  constructor(readonly result: Exclude<BeginAttemptResult, { ok: true }>) {
    super(`order attempt refused: ${result.reason}`);
  }
}

/** Serialises everything that begins, settles or fences a plan's attempts (released at commit). */
async function lockPlanAttempts(tx: Queryable, plan: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['permit-chain:order-attempts', plan]);
}

/** See Store.beginOrderAttempt. */
export async function beginOrderAttempt(db: Db, input: OrderAttemptInput): Promise<BeginAttemptResult> {
  const a = parseInput('beginOrderAttempt', attemptSchema, input);
  try {
    return await db.transaction((tx) => beginIn(tx, a));
  } catch (err) {
    if (err instanceof BeginRefused) return err.result;
    throw err;
  }
}

async function beginIn(tx: Queryable, a: z.output<typeof attemptSchema>): Promise<BeginAttemptResult> {
  await lockPlanAttempts(tx, a.planId);
  const earlier = await attemptsOf(tx, a.planId);
  const blocking = earlier.find((e) => e.outcome === 'pending' || e.outcome === 'placed');
  if (blocking) return { ok: false, reason: blocking.outcome === 'placed' ? 'order_placed' : 'unsettled_attempt', attempt: blocking };
  const attemptNo = earlier.filter((e) => e.attemptNo > 0).length + 1;
  if (attemptNo > MAX_ORDER_ATTEMPTS) return { ok: false, reason: 'too_many_attempts' };
  const permits = [
    { permitId: a.governorPermitId, usedBefore: earlier.some((e) => e.governorPermitId === a.governorPermitId) },
    { permitId: a.positionPermitId, usedBefore: earlier.some((e) => e.positionPermitId === a.positionPermitId) },
  ];
  for (const { permitId, usedBefore } of permits) await usePermit(tx, permitId, usedBefore, a.at);
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

/**
 * A permit is consumed by the plan's first attempt under it. A later attempt may use it again only after
 * the earlier ones settled as not executed (checked above), and only while it is still usable (not
 * expired, revoked or paused). Consumed with no attempt recorded: a pre-protocol run may have sent.
 */
async function usePermit(tx: Queryable, permitId: string, usedBefore: boolean, at: Date): Promise<void> {
  if (usedBefore) {
    const refusal = await whyNotUsable(tx, permitId, at);
    if (refusal !== null) throw new BeginRefused({ ok: false, reason: refusal, permitId });
    return;
  }
  const result = await consumePermit(tx, permitId, at);
  if (result === 'consumed') return;
  const reason = result === 'already_consumed' ? 'consumed_without_attempt' : result;
  throw new BeginRefused({ ok: false, reason, permitId });
}

const legacySchema = attemptSchema.pick({ planId: true, symbol: true, side: true, qty: true, governorPermitId: true, positionPermitId: true, settlesAt: true, at: true });

/** See Store.recordLegacyAttempt. */
export async function recordLegacyAttempt(db: Db, input: LegacyAttemptInput): Promise<OrderAttempt> {
  const a = parseInput('recordLegacyAttempt', legacySchema, input);
  return db.transaction(async (tx) => {
    await lockPlanAttempts(tx, a.planId);
    await tx.query(
      `INSERT INTO order_attempts (plan_id, attempt_no, client_order_id, symbol, side, qty, governor_permit_id, position_permit_id,
                                   exchange_timestamp, recv_window_ms, settles_at, created_at, detail)
       VALUES ($1, 0, $2, $3, $4, $5::numeric, $6, $7, $8, 1, $8, $9::timestamptz, 'request of a run started before the order-attempt protocol')
       ON CONFLICT (plan_id, attempt_no) DO NOTHING`,
      [a.planId, clientOrderIdForPlan(a.planId), a.symbol, a.side, a.qty, a.governorPermitId, a.positionPermitId, a.settlesAt, a.at.toISOString()],
    );
    return (await attemptsOf(tx, a.planId)).find((e) => e.attemptNo === 0)!;
  });
}

/** See Store.revokePermits. */
export async function revokePermits(db: Db, plan: string, permitIds: string[], at: Date): Promise<void> {
  parseInput('revokePermits', z.object({ plan: planId, permitIds: z.array(text), at: z.date() }), { plan, permitIds, at });
  if (permitIds.length === 0) return;
  await db.transaction(async (tx) => {
    await lockPlanAttempts(tx, plan);
    await revokePermitsIn(tx, plan, permitIds, at);
  });
}

const settleSchema = z.object({
  planId,
  attemptNo: z.number().int().nonnegative(),
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

async function attemptsOf(q: Queryable, plan: string): Promise<OrderAttempt[]> {
  const rows = await q.query<AttemptRow>(`SELECT ${ATTEMPT_COLUMNS} FROM order_attempts WHERE plan_id = $1 ORDER BY attempt_no`, [plan]);
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

const inFlightSchema = z.object({ venue: text, symbol: symbol.nullable(), excludePlanId: planId.nullable() });

/**
 * See Store.inFlightOrders. order_attempts has no venue column: attempts belong to the worker's venue, so
 * the venue only selects which fills count as booked. booked is the order's highest cumulative quantity
 * booked (ledger_fills.cum_qty), matched by client order id; an attempt is in flight while that is below
 * what it may execute: its ordered quantity, or, once its order is final, what it executed in the end.
 */
export async function inFlightOrders(db: Queryable, venueId: string, sym: string | null, excludePlanId: string | null): Promise<InFlightOrder[]> {
  const q = parseInput('inFlightOrders', inFlightSchema, { venue: venueId, symbol: sym, excludePlanId });
  const rows = await db.query<InFlightRow>(
    `SELECT a.plan_id, a.client_order_id, a.symbol, a.side, a.qty::text AS qty, a.final_qty::text AS final_qty,
            coalesce(b.booked, 0)::text AS booked, a.outcome
     FROM order_attempts a
     LEFT JOIN (SELECT client_order_id, max(cum_qty) AS booked FROM ledger_fills WHERE venue = $1 GROUP BY client_order_id) b
       ON b.client_order_id = a.client_order_id
     WHERE ($2::text IS NULL OR a.symbol = $2::text) AND a.outcome IN ('pending', 'placed') AND ($3::text IS NULL OR a.plan_id <> $3::text)
       AND coalesce(b.booked, 0) < coalesce(a.final_qty, a.qty)
     ORDER BY a.created_at, a.plan_id, a.attempt_no`,
    [q.venue, q.symbol, q.excludePlanId],
  );
  return rows.map((r) => ({
    planId: r.plan_id,
    clientOrderId: r.client_order_id,
    symbol: r.symbol,
    side: r.side,
    qty: normalizeDecimal(r.qty),
    finalQty: r.final_qty === null ? null : normalizeDecimal(r.final_qty),
    booked: normalizeDecimal(r.booked),
    outcome: r.outcome,
  }));
}

interface InFlightRow {
  plan_id: string;
  client_order_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: string;
  final_qty: string | null;
  booked: string;
  outcome: 'pending' | 'placed';
}
