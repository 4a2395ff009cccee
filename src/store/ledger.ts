import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { queryExactlyOne, queryOne, type Db, type Queryable } from './db.js';
import type { Adjustment, AdjustmentInput, AnsweredDenial, AdjustmentResult, Fill, FillInput, LedgerPosition } from './types.js';
import { dec } from '../domain/decimal.js';
import { decimalString, isoTimestamp, nonNegativeDecimal, optionalText, parseInput, recordedDecimal, symbol, text, venue, venueSymbol } from './validation.js';
import { normalizeDecimal, toIso, toNullableIso } from './values.js';

/*
 * The position of a (venue, symbol) is the sum of its journal: fills (BUY +qty, SELL -qty; an order's
 * fills are the increments of its cumulative executed quantity, one row per increment booked) and
 * adjustments (delta). ledger_positions holds that sum, updated in the same transaction as the
 * journal row; every writer first locks the position row, so concurrent writers serialize.
 */

const NOW_MS = `date_trunc('milliseconds', clock_timestamp())`;

const fillSchema = z.object({
  venue,
  symbol,
  planId: text,
  clientOrderId: text,
  exchangeOrderId: text,
  side: z.enum(['BUY', 'SELL']),
  qty: nonNegativeDecimal,
  price: nonNegativeDecimal,
  filledAt: isoTimestamp,
  final: z.object({ status: text }).nullable().optional().transform((v) => v ?? null),
}).superRefine((f, ctx) => {
  // Only a final report may carry nothing executed (an order that ended with no fill); a fill has a price.
  if (f.final === null && !dec(f.qty).gt(0)) ctx.addIssue({ code: 'custom', path: ['qty'], message: 'must be greater than 0' });
  if (dec(f.qty).gt(0) && !dec(f.price).gt(0)) ctx.addIssue({ code: 'custom', path: ['price'], message: 'must be greater than 0' });
});

const adjustmentSchema = z.object({
  venue,
  symbol,
  target: decimalString,
  who: text,
  why: text,
  planId: optionalText,
  command: optionalText,
  idempotencyKey: optionalText,
  answers: z
    .object({ permit_id: text, exchange_amt: recordedDecimal, ledger_amt: recordedDecimal, diff: recordedDecimal, tolerance: recordedDecimal })
    .nullable()
    .optional()
    .transform((v) => v ?? null),
});

export async function ledgerPosition(db: Db, venueId: string, sym: string): Promise<string> {
  parseInput('ledgerPosition', venueSymbol, { venue: venueId, symbol: sym });
  const row = await queryOne<{ position: string }>(
    db,
    'SELECT position::text AS position FROM ledger_positions WHERE venue = $1 AND symbol = $2',
    [venueId, sym],
  );
  return normalizeDecimal(row?.position ?? '0');
}

export async function ledgerPositions(db: Db): Promise<LedgerPosition[]> {
  const rows = await db.query<{ venue: string; symbol: string; position: string; updated_at: Date }>(
    'SELECT venue, symbol, position::text AS position, updated_at FROM ledger_positions ORDER BY venue, symbol',
  );
  return rows.map((r) => ({ venue: r.venue, symbol: r.symbol, position: normalizeDecimal(r.position), updatedAt: toIso(r.updated_at) }));
}

/**
 * Books what an exchange order executed beyond what is already booked for it: `qty` is the order's
 * cumulative executed quantity, the fill recorded is the increment (at the order's average price as given).
 * Under the position's lock, so concurrent or repeated bookings of one order book each increment once; a
 * cumulative quantity at or below what is booked books nothing. A final report also records, in the same
 * transaction, what the order executed in the end on its order attempt (it is no longer in flight).
 */
export async function bookFill(db: Db, input: FillInput): Promise<{ booked: boolean; position: string }> {
  const f = parseInput('bookFill', fillSchema, input);
  return db.transaction(async (tx) => {
    const before = await lockPosition(tx, f.venue, f.symbol);
    if (f.final !== null) await markOrderFinal(tx, f.clientOrderId, f.qty, f.final.status);
    if (!dec(f.qty).gt(0)) return { booked: false, position: normalizeDecimal(before) };
    const inserted = await tx.query<{ position_after: string }>(
      `INSERT INTO ledger_fills (venue, symbol, plan_id, client_order_id, exchange_order_id, side, qty, cum_qty, price,
                                 filled_at, booked_at, position_before, position_after)
       SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::numeric - b.booked, $7::numeric, $8::numeric,
              $9::timestamptz, ${NOW_MS}, $10::numeric,
              $10::numeric + CASE $6::text WHEN 'BUY' THEN $7::numeric - b.booked ELSE b.booked - $7::numeric END
       FROM (SELECT coalesce(max(cum_qty), 0) AS booked FROM ledger_fills WHERE venue = $1::text AND exchange_order_id = $5::text) b
       WHERE $7::numeric > b.booked
       ON CONFLICT (venue, exchange_order_id, cum_qty) DO NOTHING
       RETURNING position_after::text AS position_after`,
      [f.venue, f.symbol, f.planId, f.clientOrderId, f.exchangeOrderId, f.side, f.qty, f.price, f.filledAt, before],
    );
    const booked = inserted[0];
    if (booked === undefined) return { booked: false, position: normalizeDecimal(before) };
    await setPosition(tx, f.venue, f.symbol, booked.position_after);
    return { booked: true, position: normalizeDecimal(booked.position_after) };
  });
}

export type ParsedAdjustment = z.output<typeof adjustmentSchema>;

export function parseAdjustment(operation: string, input: AdjustmentInput): ParsedAdjustment {
  return parseInput(operation, adjustmentSchema, input);
}

export async function adjustLedger(db: Db, input: AdjustmentInput): Promise<AdjustmentResult> {
  const a = parseAdjustment('adjustLedger', input);
  return db.transaction(async (tx) => {
    const before = await lockPosition(tx, a.venue, a.symbol);
    // Checked after the lock: a concurrent retry with the same key has committed by now.
    const previous = await replayedAdjustment(tx, a);
    return previous ?? insertAdjustment(tx, a, before, null);
  });
}

/** The first result of an adjustment with this idempotency key, if one was made (the caller holds the position lock). */
export async function replayedAdjustment(tx: Queryable, a: ParsedAdjustment): Promise<AdjustmentResult | null> {
  if (a.idempotencyKey === null) return null;
  const previous = await adjustmentByKey(tx, a.idempotencyKey);
  return previous ? replayOf(previous, a) : null;
}

export interface ExchangeReading {
  exchangeReadAt: string;
  exchangeUpdatedAt: string | null;
  basedOnVersion: number;
}

/** Writes the adjustment row and moves the position to its target (the caller holds the position lock). */
export async function insertAdjustment(tx: Queryable, a: ParsedAdjustment, before: string, reading: ExchangeReading | null): Promise<AdjustmentResult> {
  const row = await queryExactlyOne<AdjustmentRow>(
    tx,
    `INSERT INTO ledger_adjustments (adjustment_id, venue, symbol, before, after, delta, who, why, plan_id, command,
                                     idempotency_key, answers, exchange_read_at, exchange_updated_at, based_on_version, at)
     VALUES ($1, $2, $3, $4::numeric, $5::numeric, $5::numeric - $4::numeric, $6, $7, $8, $9, $10, $11::text::jsonb,
             $12::timestamptz, $13::timestamptz, $14::bigint, ${NOW_MS})
     RETURNING ${ADJUSTMENT_COLUMNS}`,
    [`adj_${randomUUID()}`, a.venue, a.symbol, before, a.target, a.who, a.why, a.planId, a.command, a.idempotencyKey, a.answers === null ? null : answersAsJson(a.answers),
      reading?.exchangeReadAt ?? null, reading?.exchangeUpdatedAt ?? null, reading?.basedOnVersion ?? null],
  );
  await setPosition(tx, a.venue, a.symbol, a.target);
  const adjustment = toAdjustment(row);
  return { adjustmentId: adjustment.adjustmentId, before: adjustment.before, after: adjustment.after, delta: adjustment.delta, at: adjustment.at, replayed: false };
}

export async function adjustmentHistory(db: Db, venueId: string, sym: string): Promise<Adjustment[]> {
  parseInput('adjustmentHistory', venueSymbol, { venue: venueId, symbol: sym });
  const rows = await db.query<AdjustmentRow>(
    `SELECT ${ADJUSTMENT_COLUMNS} FROM ledger_adjustments WHERE venue = $1 AND symbol = $2 ORDER BY seq`,
    [venueId, sym],
  );
  return rows.map(toAdjustment);
}

/** A plan's reconciles: the adjustments its workflow made (each with the denial it answered). */
export async function adjustmentsForPlan(db: Db, planId: string): Promise<Adjustment[]> {
  parseInput('adjustmentsForPlan', text, planId);
  const rows = await db.query<AdjustmentRow>(`SELECT ${ADJUSTMENT_COLUMNS} FROM ledger_adjustments WHERE plan_id = $1 ORDER BY seq`, [planId]);
  return rows.map(toAdjustment);
}

/** Every booking of the symbol, oldest first. */
export async function fillsForSymbol(db: Db, venueId: string, sym: string): Promise<Fill[]> {
  parseInput('fillsForSymbol', venueSymbol, { venue: venueId, symbol: sym });
  const rows = await db.query<FillRow>(`SELECT ${FILL_COLUMNS} FROM ledger_fills WHERE venue = $1 AND symbol = $2 ORDER BY ledger_fills.fill_id`, [venueId, sym]);
  return rows.map(toFill);
}

export async function fillsForPlan(db: Db, planId: string): Promise<Fill[]> {
  parseInput('fillsForPlan', text, planId);
  const rows = await db.query<FillRow>(`SELECT ${FILL_COLUMNS} FROM ledger_fills WHERE plan_id = $1 ORDER BY ledger_fills.fill_id`, [planId]);
  return rows.map(toFill);
}

/** Creates the position row at 0 if needed, locks it, returns its current value (NUMERIC text). */
async function lockPosition(tx: Queryable, venueId: string, sym: string): Promise<string> {
  await tx.query(
    `INSERT INTO ledger_positions (venue, symbol, position, updated_at) VALUES ($1, $2, 0, ${NOW_MS})
     ON CONFLICT (venue, symbol) DO NOTHING`,
    [venueId, sym],
  );
  const row = await queryExactlyOne<{ position: string }>(
    tx,
    'SELECT position::text AS position FROM ledger_positions WHERE venue = $1 AND symbol = $2 FOR UPDATE',
    [venueId, sym],
  );
  return row.position;
}

/** Every journal row moves the position's version on: a sync compares it with the one it read before. */
export async function setPosition(tx: Queryable, venueId: string, sym: string, position: string): Promise<void> {
  await tx.query(
    `UPDATE ledger_positions SET position = $3::numeric, version = version + 1, updated_at = ${NOW_MS} WHERE venue = $1 AND symbol = $2`,
    [venueId, sym, position],
  );
}

/** The order attempt carrying this client order id reached a final status having executed `executedQty`. */
async function markOrderFinal(tx: Queryable, clientOrderId: string, executedQty: string, status: string): Promise<void> {
  await tx.query(
    `UPDATE order_attempts SET final_qty = $2::numeric, final_status = $3 WHERE client_order_id = $1 AND final_qty IS NULL`,
    [clientOrderId, executedQty, status],
  );
}

/** The position row (created at 0 if needed) locked for this transaction, with its version. */
export async function lockPositionVersion(tx: Queryable, venueId: string, sym: string): Promise<{ position: string; version: number }> {
  const position = await lockPosition(tx, venueId, sym);
  const row = await queryExactlyOne<{ version: string }>(tx, 'SELECT version::text AS version FROM ledger_positions WHERE venue = $1 AND symbol = $2', [venueId, sym]);
  return { position, version: Number(row.version) };
}

export async function positionVersions(db: Queryable, venueId: string, sym?: string): Promise<Array<{ symbol: string; position: string; version: number }>> {
  const rows = await db.query<{ symbol: string; position: string; version: string }>(
    `SELECT symbol, position::text AS position, version::text AS version FROM ledger_positions
     WHERE venue = $1 AND ($2::text IS NULL OR symbol = $2::text) ORDER BY symbol`,
    [venueId, sym ?? null],
  );
  return rows.map((r) => ({ symbol: r.symbol, position: normalizeDecimal(r.position), version: Number(r.version) }));
}

async function adjustmentByKey(tx: Queryable, key: string): Promise<Adjustment | undefined> {
  const row = await queryOne<AdjustmentRow>(tx, `SELECT ${ADJUSTMENT_COLUMNS} FROM ledger_adjustments WHERE idempotency_key = $1`, [key]);
  return row && toAdjustment(row);
}

/** A key reused for a different request is a caller bug: refuse rather than silently return. */
function replayOf(previous: Adjustment, a: { venue: string; symbol: string; target: string; idempotencyKey: string | null }): AdjustmentResult {
  if (previous.venue !== a.venue || previous.symbol !== a.symbol || previous.after !== normalizeDecimal(a.target)) {
    throw new Error(
      `idempotency key ${a.idempotencyKey} was used for ${previous.venue}/${previous.symbol} → ${previous.after}, ` +
        `not ${a.venue}/${a.symbol} → ${normalizeDecimal(a.target)}`,
    );
  }
  return { adjustmentId: previous.adjustmentId, before: previous.before, after: previous.after, delta: previous.delta, at: previous.at, replayed: true };
}

const ADJUSTMENT_COLUMNS = `adjustment_id, venue, symbol, before::text AS before, after::text AS after, delta::text AS delta,
  who, why, plan_id, command, idempotency_key, answers::text AS answers, exchange_read_at, exchange_updated_at,
  based_on_version::text AS based_on_version, at`;

interface AdjustmentRow {
  adjustment_id: string;
  venue: string;
  symbol: string;
  before: string;
  after: string;
  delta: string;
  who: string;
  why: string;
  plan_id: string | null;
  command: string | null;
  idempotency_key: string | null;
  answers: string | null;
  exchange_read_at: Date | null;
  exchange_updated_at: Date | null;
  based_on_version: string | null;
  at: Date;
}

function toAdjustment(r: AdjustmentRow): Adjustment {
  return {
    adjustmentId: r.adjustment_id,
    venue: r.venue,
    symbol: r.symbol,
    before: normalizeDecimal(r.before),
    after: normalizeDecimal(r.after),
    delta: normalizeDecimal(r.delta),
    who: r.who,
    why: r.why,
    planId: r.plan_id,
    command: r.command,
    idempotencyKey: r.idempotency_key,
    answers: r.answers === null ? null : answeredDenialOf(JSON.parse(r.answers) as Record<keyof AnsweredDenial, string | number>),
    exchangeReadAt: toNullableIso(r.exchange_read_at),
    exchangeUpdatedAt: toNullableIso(r.exchange_updated_at),
    basedOnVersion: r.based_on_version === null ? null : Number(r.based_on_version),
    at: toIso(r.at),
  };
}

const FILL_COLUMNS = `fill_id::text AS fill_id, venue, symbol, plan_id, client_order_id, exchange_order_id, side,
  qty::text AS qty, cum_qty::text AS cum_qty, price::text AS price, filled_at, booked_at,
  position_before::text AS position_before, position_after::text AS position_after`;

interface FillRow {
  fill_id: string;
  venue: string;
  symbol: string;
  plan_id: string;
  client_order_id: string;
  exchange_order_id: string;
  side: 'BUY' | 'SELL';
  qty: string;
  cum_qty: string;
  price: string;
  filled_at: Date;
  booked_at: Date;
  position_before: string;
  position_after: string;
}

function toFill(r: FillRow): Fill {
  return {
    fillId: r.fill_id,
    venue: r.venue,
    symbol: r.symbol,
    planId: r.plan_id,
    clientOrderId: r.client_order_id,
    exchangeOrderId: r.exchange_order_id,
    side: r.side,
    qty: normalizeDecimal(r.qty),
    cumQty: normalizeDecimal(r.cum_qty),
    price: normalizeDecimal(r.price),
    filledAt: toIso(r.filled_at),
    bookedAt: toIso(r.booked_at),
    positionBefore: normalizeDecimal(r.position_before),
    positionAfter: normalizeDecimal(r.position_after),
  };
}

/** A recorded answer: amounts as decimal text (rows written before decimal text hold JSON numbers). */
function answeredDenialOf(raw: Record<keyof AnsweredDenial, string | number>): AnsweredDenial {
  const amount = (v: string | number) => normalizeDecimal(String(v));
  return { permit_id: String(raw.permit_id), exchange_amt: amount(raw.exchange_amt), ledger_amt: amount(raw.ledger_amt), diff: amount(raw.diff), tolerance: amount(raw.tolerance) };
}

/** The answered denial as the column has always held it: amounts as JSON numbers, like the permits' context. */
function answersAsJson(answers: AnsweredDenial): string {
  const amount = (v: string) => Number(normalizeDecimal(v));
  return JSON.stringify({ permit_id: answers.permit_id, exchange_amt: amount(answers.exchange_amt), ledger_amt: amount(answers.ledger_amt), diff: amount(answers.diff), tolerance: amount(answers.tolerance) });
}
