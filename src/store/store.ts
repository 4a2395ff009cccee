import type { Db } from './db.js';
import { openEmbeddedDb } from './db-embedded.js';
import { openPostgresDb } from './db-postgres.js';
import { defaultDataDir } from '../config/store.js';
import { embeddedLedgerDir, validSchemaName, type StoreConfig } from './config.js';
import * as drift from './drift.js';
import * as ledger from './ledger.js';
import * as sync from './ledger-sync.js';
import { migrate } from './migrate.js';
import * as attempts from './order-attempts.js';
import * as permits from './permits.js';
import * as claims from './plan-claims.js';
import * as records from './records.js';
import * as trading from './trading-state.js';
import * as turns from './symbol-turns.js';
import type { Store } from './types.js';

/** Opens PostgreSQL when databaseUrl is set, else the embedded ledger in dataDir; applies migrations. */
export async function openStore(cfg: StoreConfig): Promise<Store> {
  const db = openDb(cfg);
  try {
    await migrate(db, validSchemaName(cfg));
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return storeOn(db);
}

export function openDb(cfg: StoreConfig): Db {
  const schema = validSchemaName(cfg);
  if (cfg.databaseUrl !== undefined) return openPostgresDb(cfg.databaseUrl, schema);
  return openEmbeddedDb(embeddedLedgerDir(cfg.dataDir ?? defaultDataDir()), schema);
}

function storeOn(db: Db): Store {
  return {
    kind: db.kind,
    close: () => db.close(),
    ledgerPosition: (venue, symbol) => ledger.ledgerPosition(db, venue, symbol),
    ledgerPositions: () => ledger.ledgerPositions(db),
    bookFill: (f) => ledger.bookFill(db, f),
    adjustLedger: (a) => ledger.adjustLedger(db, a),
    ledgerSnapshot: (venue, symbol) => sync.ledgerSnapshot(db, venue, symbol),
    ledgerSnapshots: (venue) => sync.ledgerSnapshots(db, venue),
    syncLedger: (s) => sync.syncLedger(db, s),
    adjustmentHistory: (venue, symbol) => ledger.adjustmentHistory(db, venue, symbol),
    fillsForPlan: (planId) => ledger.fillsForPlan(db, planId),
    recordPermit: (p) => permits.recordPermit(db, p),
    consumePermit: (permitId, now) => permits.consumePermit(db, permitId, now),
    permitsForPlan: (planId) => permits.permitsForPlan(db, planId),
    claimPlan: (c) => claims.claimPlan(db, c),
    beginOrderAttempt: (a) => attempts.beginOrderAttempt(db, a),
    recordLegacyAttempt: (a) => attempts.recordLegacyAttempt(db, a),
    revokePermits: (planId, permitIds, at) => attempts.revokePermits(db, planId, permitIds, at),
    settleOrderAttempt: (planId, attemptNo, outcome, exchangeOrderId, detail) => attempts.settleOrderAttempt(db, planId, attemptNo, outcome, exchangeOrderId, detail),
    orderAttempts: (planId) => attempts.orderAttempts(db, planId),
    inFlightOrders: (venue, symbol, excludePlanId) => attempts.inFlightOrders(db, venue, symbol, excludePlanId ?? null),
    allInFlightOrders: (venue) => attempts.inFlightOrders(db, venue, null, null),
    takeTurn: (t) => turns.takeTurn(db, t),
    releaseTurn: (q, reason) => turns.releaseTurn(db, q, reason),
    releaseTurnOf: (seq, reason, ofPlan) => turns.releaseTurnOf(db, seq, reason, ofPlan),
    openTurns: (venue, symbol) => turns.openTurns(db, venue, symbol),
    turnsOfPlan: (planId) => turns.turnsOfPlan(db, planId),
    recordDrift: (d) => drift.recordDrift(db, d),
    resolveDrift: (venue, symbol, resolution) => drift.resolveDrift(db, venue, symbol, resolution),
    driftFindings: (q) => drift.driftFindings(db, q),
    recordDriftSweep: (s) => drift.recordDriftSweep(db, s),
    driftSweeps: (limit) => drift.driftSweeps(db, limit),
    tradingState: () => trading.tradingState(db),
    tradingStates: () => trading.tradingStates(db),
    isTradingPaused: (symbol, planId) => trading.isTradingPaused(db, symbol, planId),
    setTradingState: (c) => trading.setTradingState(db, c),
    pauseIfRunning: (c) => trading.pauseIfRunning(db, c),
    tradingStateHistory: (limit) => trading.tradingStateHistory(db, limit),
    ledgerJournal: (venue, symbol, limit) => records.ledgerJournal(db, venue, symbol, limit),
    planRecord: (planId) => records.planRecord(db, planId),
  };
}
