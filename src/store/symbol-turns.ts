// Plans of one symbol take turns (docs/concurrency.md). Each workflow run queues once for its symbol; the
// head of the queue, the open row with the lowest seq, holds the turn until it releases it. Every change to
// a symbol's queue runs under one advisory lock per (venue, symbol), so two workers never both see
// themselves at the head.
import { z } from 'zod';
import { queryOne, type Db, type Queryable } from './db.js';
import type { SymbolTurn, TurnAnswer, TurnRelease, TurnRequest } from './types.js';
import { parseInput, planId, symbol, text, venue } from './validation.js';
import { toIso, toNullableIso } from './values.js';

const NOW_MS = `date_trunc('milliseconds', clock_timestamp())`;

const requestSchema = z.object({ venue, symbol, planId, workflowId: text, runId: text });
const releaseSchema = z.object({ runId: text, venue, symbol, reason: text });

async function lockSymbolQueue(tx: Queryable, venueId: string, sym: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['permit-chain:symbol-turns', `${venueId} ${sym}`]);
}

/** See Store.takeTurn. */
export async function takeTurn(db: Db, input: TurnRequest): Promise<TurnAnswer> {
  const r = parseInput('takeTurn', requestSchema, input);
  return db.transaction(async (tx) => {
    await lockSymbolQueue(tx, r.venue, r.symbol);
    let mine = await openTurnOfRun(tx, r.runId);
    if (mine !== undefined && (mine.venue !== r.venue || mine.symbol !== r.symbol)) {
      throw new Error(`workflow run ${r.runId} already queues for ${mine.venue}/${mine.symbol}, not ${r.venue}/${r.symbol}`);
    }
    mine ??= (await adoptEarlierRun(tx, r)) ?? (await insertTurn(tx, r));
    const head = (await headOf(tx, r.venue, r.symbol))!;
    if (head.seq === mine.seq) {
      const granted = mine.grantedAt === null ? await markGranted(tx, mine.seq) : mine;
      return { granted: true, turn: granted };
    }
    const ahead = await queryOne<{ n: string }>(
      tx,
      'SELECT count(*)::text AS n FROM symbol_turns WHERE venue = $1 AND symbol = $2 AND released_at IS NULL AND seq < $3',
      [r.venue, r.symbol, mine.seq],
    );
    return { granted: false, turn: mine, holder: head, ahead: Number(ahead?.n ?? 0) };
  });
}

/**
 * See Store.releaseTurn. Nothing of the run open (a release run again after a crash): the symbol's head is
 * answered all the same, so that a wake-up lost with the first run is sent again.
 */
export async function releaseTurn(db: Db, q: { runId: string; venue: string; symbol: string }, reason: string): Promise<TurnRelease> {
  const r = parseInput('releaseTurn', releaseSchema, { ...q, reason });
  const open = await openTurnOfRun(db, r.runId);
  if (open === undefined) return { released: null, next: await headOf(db, r.venue, r.symbol) };
  return releaseIn(db, open, r.reason);
}

/**
 * See Store.releaseTurnOf: releases the turn row `seq` if it is still open (a holder whose run has closed
 * without releasing it), and answers the new head.
 */
export async function releaseTurnOf(db: Db, seq: number, reason: string, ofPlan?: string): Promise<TurnRelease> {
  parseInput('releaseTurnOf', z.object({ seq: z.number().int().positive(), reason: text, ofPlan: planId.optional() }), { seq, reason, ofPlan });
  const row = await queryOne<TurnRow>(db, `SELECT ${TURN_COLUMNS} FROM symbol_turns WHERE seq = $1`, [seq]);
  if (row === undefined) throw new Error(`symbol turn ${seq} does not exist`);
  const turn = toTurn(row);
  if (ofPlan !== undefined && turn.planId !== ofPlan) throw new Error(`symbol turn ${seq} is plan ${turn.planId}'s, not plan ${ofPlan}'s`);
  if (turn.releasedAt !== null) return { released: null, next: await headOf(db, turn.venue, turn.symbol) };
  return releaseIn(db, turn, reason);
}

async function releaseIn(db: Db, turn: SymbolTurn, reason: string): Promise<TurnRelease> {
  return db.transaction(async (tx) => {
    await lockSymbolQueue(tx, turn.venue, turn.symbol);
    const rows = await tx.query<TurnRow>(
      `UPDATE symbol_turns SET released_at = ${NOW_MS}, release_reason = $2 WHERE seq = $1 AND released_at IS NULL RETURNING ${TURN_COLUMNS}`,
      [turn.seq, reason.slice(0, 1000)],
    );
    const next = await headOf(tx, turn.venue, turn.symbol);
    return { released: rows[0] ? toTurn(rows[0]) : null, next };
  });
}

/** See Store.openTurns: the queues (holder first), of one symbol or of every symbol of the venue. */
export async function openTurns(db: Db, venueId: string, sym?: string): Promise<SymbolTurn[]> {
  parseInput('openTurns', z.object({ venue, symbol: symbol.optional() }), { venue: venueId, symbol: sym });
  const rows = await db.query<TurnRow>(
    `SELECT ${TURN_COLUMNS} FROM symbol_turns WHERE venue = $1 AND ($2::text IS NULL OR symbol = $2::text) AND released_at IS NULL
     ORDER BY symbol_turns.symbol, symbol_turns.seq`,
    [venueId, sym ?? null],
  );
  return rows.map(toTurn);
}

/** See Store.turnsOfPlan: every turn a plan took or waited for, oldest first. */
export async function turnsOfPlan(db: Db, plan: string): Promise<SymbolTurn[]> {
  parseInput('turnsOfPlan', planId, plan);
  const rows = await db.query<TurnRow>(`SELECT ${TURN_COLUMNS} FROM symbol_turns WHERE plan_id = $1 ORDER BY symbol_turns.seq`, [plan]);
  return rows.map(toTurn);
}

/** The open row with the lowest seq: the plan holding the symbol's turn. */
async function headOf(q: Queryable, venueId: string, sym: string): Promise<SymbolTurn | null> {
  const row = await queryOne<TurnRow>(
    q,
    `SELECT ${TURN_COLUMNS} FROM symbol_turns WHERE venue = $1 AND symbol = $2 AND released_at IS NULL ORDER BY symbol_turns.seq LIMIT 1`,
    [venueId, sym],
  );
  return row === undefined ? null : toTurn(row);
}

async function openTurnOfRun(q: Queryable, runId: string): Promise<SymbolTurn | undefined> {
  const row = await queryOne<TurnRow>(q, `SELECT ${TURN_COLUMNS} FROM symbol_turns WHERE run_id = $1 AND released_at IS NULL`, [runId]);
  return row && toTurn(row);
}

/**
 * A newer run of the same workflow (a reset) takes over its earlier run's place in the queue, and the turn if
 * that one held it: one run of a workflow id runs at a time, and the plan is the same.
 */
async function adoptEarlierRun(tx: Queryable, r: z.output<typeof requestSchema>): Promise<SymbolTurn | undefined> {
  const row = await queryOne<TurnRow>(
    tx,
    `UPDATE symbol_turns SET run_id = $4
     WHERE seq = (SELECT seq FROM symbol_turns WHERE venue = $1 AND symbol = $2 AND workflow_id = $3 AND released_at IS NULL ORDER BY seq LIMIT 1)
     RETURNING ${TURN_COLUMNS}`,
    [r.venue, r.symbol, r.workflowId, r.runId],
  );
  return row && toTurn(row);
}

async function insertTurn(tx: Queryable, r: z.output<typeof requestSchema>): Promise<SymbolTurn> {
  const rows = await tx.query<TurnRow>(
    `INSERT INTO symbol_turns (venue, symbol, plan_id, workflow_id, run_id, requested_at) VALUES ($1, $2, $3, $4, $5, ${NOW_MS})
     RETURNING ${TURN_COLUMNS}`,
    [r.venue, r.symbol, r.planId, r.workflowId, r.runId],
  );
  return toTurn(rows[0]!);
}

async function markGranted(tx: Queryable, seq: number): Promise<SymbolTurn> {
  const rows = await tx.query<TurnRow>(`UPDATE symbol_turns SET granted_at = ${NOW_MS} WHERE seq = $1 RETURNING ${TURN_COLUMNS}`, [seq]);
  return toTurn(rows[0]!);
}

const TURN_COLUMNS = 'seq::text AS seq, venue, symbol, plan_id, workflow_id, run_id, requested_at, granted_at, released_at, release_reason';

interface TurnRow {
  seq: string;
  venue: string;
  symbol: string;
  plan_id: string;
  workflow_id: string;
  run_id: string;
  requested_at: Date;
  granted_at: Date | null;
  released_at: Date | null;
  release_reason: string | null;
}

function toTurn(r: TurnRow): SymbolTurn {
  return {
    seq: Number(r.seq),
    venue: r.venue,
    symbol: r.symbol,
    planId: r.plan_id,
    workflowId: r.workflow_id,
    runId: r.run_id,
    requestedAt: toIso(r.requested_at),
    grantedAt: toNullableIso(r.granted_at),
    releasedAt: toNullableIso(r.released_at),
    releaseReason: r.release_reason,
  };
}
