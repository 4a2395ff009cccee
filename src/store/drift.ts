// Drift findings and sweeps (docs/concurrency.md): kept for ever, one open finding per symbol.
import { z } from 'zod';
import { queryExactlyOne, queryOne, type Db, type Queryable } from './db.js';
import type { DriftFinding, DriftInput, DriftSweepRecord } from './types.js';
import { decimalString, isoTimestamp, nonNegativeDecimal, parseInput, symbol, text, venue } from './validation.js';
import { normalizeDecimal, toIso, toNullableIso } from './values.js';

const NOW_MS = `date_trunc('milliseconds', clock_timestamp())`;

const driftSchema = z.object({
  venue,
  symbol,
  exchangeAmt: decimalString,
  ledgerAmt: decimalString,
  diff: nonNegativeDecimal,
  tolerance: nonNegativeDecimal,
  exchangeReadAt: isoTimestamp,
  exchangeUpdatedAt: isoTimestamp.nullable(),
  ledgerVersion: z.number().int().nonnegative(),
  sweepId: text,
  action: z.enum(['recorded', 'paused']),
});

async function lockSymbolFindings(tx: Queryable, venueId: string, sym: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['permit-chain:drift', `${venueId} ${sym}`]);
}

/** See Store.recordDrift. */
export async function recordDrift(db: Db, input: DriftInput): Promise<{ finding: DriftFinding; isNew: boolean }> {
  const d = parseInput('recordDrift', driftSchema, input);
  return db.transaction(async (tx) => {
    await lockSymbolFindings(tx, d.venue, d.symbol);
    const open = await openFinding(tx, d.venue, d.symbol);
    if (open && open.exchangeAmt === normalizeDecimal(d.exchangeAmt) && open.ledgerAmt === normalizeDecimal(d.ledgerAmt)) {
      const row = await queryExactlyOne<FindingRow>(
        tx,
        `UPDATE drift_findings SET last_seen_at = ${NOW_MS}, seen_count = seen_count + 1,
                action = CASE WHEN $2 = 'paused' THEN 'paused' ELSE action END
         WHERE finding_id = $1 RETURNING ${FINDING_COLUMNS}`,
        [open.findingId, d.action],
      );
      return { finding: toFinding(row), isNew: false };
    }
    if (open) await resolveIn(tx, d.venue, d.symbol, `superseded: the sweep ${d.sweepId} saw exchange ${d.exchangeAmt} vs ledger ${d.ledgerAmt}`);
    const row = await queryExactlyOne<FindingRow>(
      tx,
      `INSERT INTO drift_findings (venue, symbol, exchange_amt, ledger_amt, diff, tolerance, exchange_read_at, exchange_updated_at,
                                   ledger_version, sweep_id, action, detected_at, last_seen_at)
       VALUES ($1, $2, $3::numeric, $4::numeric, $5::numeric, $6::numeric, $7::timestamptz, $8::timestamptz, $9, $10, $11, ${NOW_MS}, ${NOW_MS})
       RETURNING ${FINDING_COLUMNS}`,
      [d.venue, d.symbol, d.exchangeAmt, d.ledgerAmt, d.diff, d.tolerance, d.exchangeReadAt, d.exchangeUpdatedAt, d.ledgerVersion, d.sweepId, d.action],
    );
    return { finding: toFinding(row), isNew: true };
  });
}

/** See Store.resolveDrift. */
export async function resolveDrift(db: Db, venueId: string, sym: string, resolution: string): Promise<number> {
  parseInput('resolveDrift', z.object({ venue, symbol, resolution: text }), { venue: venueId, symbol: sym, resolution });
  return db.transaction(async (tx) => {
    await lockSymbolFindings(tx, venueId, sym);
    return resolveIn(tx, venueId, sym, resolution);
  });
}

/** Resolves the symbol's open finding inside the caller's transaction; the number resolved (0 or 1). */
export async function resolveIn(tx: Queryable, venueId: string, sym: string, resolution: string): Promise<number> {
  const rows = await tx.query(
    `UPDATE drift_findings SET resolved_at = ${NOW_MS}, resolution = $3 WHERE venue = $1 AND symbol = $2 AND resolved_at IS NULL RETURNING finding_id`,
    [venueId, sym, resolution.slice(0, 1000)],
  );
  return rows.length;
}

/** Resolves the symbol's open finding when a ledger sync answers it (the sync holds the position lock). */
export async function resolveBySync(tx: Queryable, venueId: string, sym: string, resolution: string): Promise<number> {
  await lockSymbolFindings(tx, venueId, sym);
  return resolveIn(tx, venueId, sym, resolution);
}

const listSchema = z.object({
  venue: venue.optional(),
  symbol: symbol.optional(),
  openOnly: z.boolean().optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});

/** Newest first. */
export async function driftFindings(db: Db, q: { venue?: string; symbol?: string; openOnly?: boolean; limit?: number } = {}): Promise<DriftFinding[]> {
  const f = parseInput('driftFindings', listSchema, q);
  const rows = await db.query<FindingRow>(
    `SELECT ${FINDING_COLUMNS} FROM drift_findings
     WHERE ($1::text IS NULL OR venue = $1::text) AND ($2::text IS NULL OR symbol = $2::text) AND (NOT $3::boolean OR resolved_at IS NULL)
     ORDER BY drift_findings.finding_id DESC LIMIT $4`,
    [f.venue ?? null, f.symbol ?? null, f.openOnly ?? false, f.limit ?? 100],
  );
  return rows.map(toFinding);
}

async function openFinding(q: Queryable, venueId: string, sym: string): Promise<DriftFinding | undefined> {
  const row = await queryOne<FindingRow>(q, `SELECT ${FINDING_COLUMNS} FROM drift_findings WHERE venue = $1 AND symbol = $2 AND resolved_at IS NULL`, [venueId, sym]);
  return row && toFinding(row);
}

const sweepSchema = z.object({
  sweepId: text,
  venue,
  startedAt: isoTimestamp,
  finishedAt: isoTimestamp,
  checked: z.number().int().nonnegative(),
  drifted: z.number().int().nonnegative(),
  busy: z.array(z.object({ symbol, why: text })),
  unreadable: z.array(z.object({ symbol: z.string(), error: text })),
  error: text.nullable(),
});

/** Once per sweep id: a re-run of the same sweep records nothing new. */
export async function recordDriftSweep(db: Db, input: DriftSweepRecord): Promise<void> {
  const s = parseInput('recordDriftSweep', sweepSchema, input);
  await db.query(
    `INSERT INTO drift_sweeps (sweep_id, venue, started_at, finished_at, checked, drifted, busy, unreadable, error)
     VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, $6, $7::text::jsonb, $8::text::jsonb, $9)
     ON CONFLICT (sweep_id) DO NOTHING`,
    [s.sweepId, s.venue, s.startedAt, s.finishedAt, s.checked, s.drifted, JSON.stringify(s.busy), JSON.stringify(s.unreadable), s.error],
  );
}

/** Newest first. */
export async function driftSweeps(db: Db, limit = 20): Promise<DriftSweepRecord[]> {
  parseInput('driftSweeps', z.number().int().min(1).max(10_000), limit);
  const rows = await db.query<SweepRow>(
    `SELECT sweep_id, venue, started_at, finished_at, checked, drifted, busy::text AS busy, unreadable::text AS unreadable, error
     FROM drift_sweeps ORDER BY started_at DESC, sweep_id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    sweepId: r.sweep_id,
    venue: r.venue,
    startedAt: toIso(r.started_at),
    finishedAt: toIso(r.finished_at),
    checked: Number(r.checked),
    drifted: Number(r.drifted),
    busy: JSON.parse(r.busy) as DriftSweepRecord['busy'],
    unreadable: JSON.parse(r.unreadable) as DriftSweepRecord['unreadable'],
    error: r.error,
  }));
}

interface SweepRow {
  sweep_id: string;
  venue: string;
  started_at: Date;
  finished_at: Date;
  checked: number;
  drifted: number;
  busy: string;
  unreadable: string;
  error: string | null;
}

const FINDING_COLUMNS = `finding_id::text AS finding_id, venue, symbol, exchange_amt::text AS exchange_amt, ledger_amt::text AS ledger_amt,
  diff::text AS diff, tolerance::text AS tolerance, exchange_read_at, exchange_updated_at, ledger_version::text AS ledger_version,
  sweep_id, action, detected_at, last_seen_at, seen_count, resolved_at, resolution`;

interface FindingRow {
  finding_id: string;
  venue: string;
  symbol: string;
  exchange_amt: string;
  ledger_amt: string;
  diff: string;
  tolerance: string;
  exchange_read_at: Date;
  exchange_updated_at: Date | null;
  ledger_version: string;
  sweep_id: string;
  action: 'recorded' | 'paused';
  detected_at: Date;
  last_seen_at: Date;
  seen_count: number;
  resolved_at: Date | null;
  resolution: string | null;
}

function toFinding(r: FindingRow): DriftFinding {
  return {
    findingId: r.finding_id,
    venue: r.venue,
    symbol: r.symbol,
    exchangeAmt: normalizeDecimal(r.exchange_amt),
    ledgerAmt: normalizeDecimal(r.ledger_amt),
    diff: normalizeDecimal(r.diff),
    tolerance: normalizeDecimal(r.tolerance),
    exchangeReadAt: toIso(r.exchange_read_at),
    exchangeUpdatedAt: toNullableIso(r.exchange_updated_at),
    ledgerVersion: Number(r.ledger_version),
    sweepId: r.sweep_id,
    action: r.action,
    detectedAt: toIso(r.detected_at),
    lastSeenAt: toIso(r.last_seen_at),
    seenCount: Number(r.seen_count),
    resolvedAt: toNullableIso(r.resolved_at),
    resolution: r.resolution,
  };
}
