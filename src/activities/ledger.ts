// Ledger activities: a reconcile's sync to the exchange, fenced against bookings (docs/concurrency.md).
import { ApplicationFailure } from '@temporalio/activity';
import { decimalText } from '../domain/decimal.js';
import { FailureTypes } from '../domain/failures.js';
import type { Position } from '../exchange/venue.js';
import type { InFlightOrder, Store } from '../store/index.js';
import type { LedgerSyncRequest, LedgerSyncResult } from './contract.js';

export interface LedgerDeps {
  store: Store;
  venueName: string;
  now: () => number;
  /** Reads the exchange position, failures mapped for the workflow (plan-activities' toFailure). */
  position: (symbol: string) => Promise<Position>;
  /** The exchange clock's offset from this worker's (ms), failures mapped likewise. */
  clockOffset: () => Promise<number>;
}

/** Reads in a row that found something booked during the exchange read, before the sync waits for a retry. */
const SYNC_READS = 3;

function inFlightText(orders: InFlightOrder[]): string {
  const first = orders.slice(0, 3).map((o) => `${o.clientOrderId} of plan ${o.planId} (${o.outcome}, ${o.booked} of ${o.finalQty ?? o.qty} booked)`);
  return `${first.join(', ')}${orders.length > 3 ? ` and ${orders.length - 3} more` : ''}`;
}

function fenced(message: string, details: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.retryable(`reconcile_fenced: ${message}; the ledger is unchanged, retrying`, FailureTypes.reconcileFenced, details);
}

/**
 * The ledger becomes the exchange position, read after a snapshot of the ledger and written only if nothing
 * was booked since and no order of the symbol is in flight. The adjustment records when the exchange was
 * read, the position's update time there and the ledger version it was based on.
 */
export async function syncLedger(deps: LedgerDeps, req: LedgerSyncRequest): Promise<LedgerSyncResult> {
  for (let read = 1; ; read++) {
    const snapshot = await deps.store.ledgerSnapshot(deps.venueName, req.symbol);
    if (snapshot.inFlight.length > 0) {
      throw fenced(`order(s) of ${req.symbol} in flight: ${inFlightText(snapshot.inFlight)}`, { inFlight: snapshot.inFlight.map((o) => o.clientOrderId) });
    }
    const exchangeReadAt = new Date(deps.now() + (await deps.clockOffset())).toISOString();
    const pos = await deps.position(req.symbol);
    const exchangeUpdatedAt = pos.updatedAt === null ? null : new Date(pos.updatedAt).toISOString();
    const outcome = await deps.store.syncLedger({
      venue: deps.venueName,
      symbol: req.symbol,
      target: pos.amount,
      who: req.who,
      why: req.why,
      planId: req.planId,
      command: req.command,
      // The target is part of the key: a retry that reads a different exchange amount records a new
      // adjustment (the ledger follows the exchange) instead of clashing with the first one.
      idempotencyKey: `${req.idempotencyKey}:${pos.amount}`,
      answers: req.answers ?? null,
      basedOnVersion: snapshot.version,
      exchangeReadAt,
      exchangeUpdatedAt,
    });
    if (outcome.ok) {
      const a = outcome.adjustment;
      return {
        before: decimalText(a.before),
        after: decimalText(a.after),
        delta: decimalText(a.delta),
        exchange_amt: decimalText(pos.amount),
        exchange_read_at: exchangeReadAt,
        exchange_updated_at: exchangeUpdatedAt,
        at: a.at,
        replayed: a.replayed,
        resumed: outcome.resumed !== null,
        resolved_findings: outcome.resolvedFindings,
      };
    }
    if (outcome.reason === 'order_in_flight') {
      throw fenced(`an order of ${req.symbol} began while the exchange was read: ${inFlightText(outcome.orders)}`, { inFlight: outcome.orders.map((o) => o.clientOrderId) });
    }
    if (read >= SYNC_READS) throw fenced(`the ledger of ${req.symbol} changed during each of ${SYNC_READS} exchange reads`, { version: outcome.version });
  }
}
