// A reconcile's write, fenced against bookings (docs/concurrency.md): the ledger becomes the exchange
// position the caller read, only if nothing was booked for the symbol since the caller's snapshot (read
// before the exchange) and no order of the symbol is in flight. Then every fill is counted once: either it
// executed before the read and is in the target (its booking came before the snapshot), or it is booked
// after the write as a delta (its order began after the read).
import { z } from 'zod';
import { DRIFT_SWEEP_OPERATOR } from '../domain/drift.js';
import type { Db } from './db.js';
import { resolveBySync } from './drift.js';
import { insertAdjustment, lockPositionVersion, parseAdjustment, positionVersions, replayedAdjustment } from './ledger.js';
import { inFlightOrders } from './order-attempts.js';
import { currentStateOf, setTradingStateIn } from './trading-state.js';
import type { LedgerSnapshot, LedgerSyncInput, LedgerSyncOutcome, TradingStateChange } from './types.js';
import { isoTimestamp, parseInput, symbol, venue } from './validation.js';

const readingSchema = z.object({
  basedOnVersion: z.number().int().nonnegative(),
  exchangeReadAt: isoTimestamp,
  exchangeUpdatedAt: isoTimestamp.nullable(),
});

/** See Store.syncLedger. */
export async function syncLedger(db: Db, input: LedgerSyncInput): Promise<LedgerSyncOutcome> {
  const a = parseAdjustment('syncLedger', input);
  const reading = parseInput('syncLedger', readingSchema, input);
  return db.transaction(async (tx) => {
    const { position: before, version } = await lockPositionVersion(tx, a.venue, a.symbol);
    // A retry of a sync that committed answers with it, whatever was booked since.
    const replayed = await replayedAdjustment(tx, a);
    if (replayed) return { ok: true, adjustment: replayed, resumed: null, resolvedFindings: 0 };
    if (version !== reading.basedOnVersion) return { ok: false, reason: 'ledger_changed', version };
    const orders = await inFlightOrders(tx, a.venue, a.symbol, null);
    if (orders.length > 0) return { ok: false, reason: 'order_in_flight', orders };
    const adjustment = await insertAdjustment(tx, a, before, reading);
    const resolvedFindings = await resolveBySync(tx, a.venue, a.symbol, `reconciled by ${a.who} (${adjustment.adjustmentId}): ledger ${adjustment.before} → ${adjustment.after}`);
    let resumed: TradingStateChange | null = null;
    const paused = await currentStateOf(tx, a.symbol);
    // A pause the drift sweep set lasts until an operator reconciles the symbol: this sync is that reconcile.
    if (paused?.state === 'paused' && paused.changedBy === DRIFT_SWEEP_OPERATOR) {
      resumed = await setTradingStateIn(tx, { scope: a.symbol, state: 'running', who: a.who, why: `ledger reconciled (${adjustment.adjustmentId}) after a drift pause: ${a.why}` });
    }
    return { ok: true, adjustment, resumed, resolvedFindings };
  });
}

/** See Store.ledgerSnapshot. */
export async function ledgerSnapshot(db: Db, venueId: string, sym: string): Promise<LedgerSnapshot> {
  parseInput('ledgerSnapshot', z.object({ venue, symbol }), { venue: venueId, symbol: sym });
  const [versions, inFlight] = await Promise.all([positionVersions(db, venueId, sym), inFlightOrders(db, venueId, sym, null)]);
  const row = versions[0];
  return { venue: venueId, symbol: sym, position: row?.position ?? '0', version: row?.version ?? 0, inFlight };
}

/** See Store.ledgerSnapshots. */
export async function ledgerSnapshots(db: Db, venueId: string): Promise<Array<Omit<LedgerSnapshot, 'inFlight'>>> {
  parseInput('ledgerSnapshots', venue, venueId);
  return (await positionVersions(db, venueId)).map((r) => ({ venue: venueId, ...r }));
}
