// All I/O of the permit chain, bound to one worker's venue, store and settings: the activities themselves
// are top-level functions of permits.ts, orders.ts, ledger.ts, turns.ts and drift.ts; decisions live in src/domain.
import type { ChainSettings } from '../domain/chain-policy.js';
import type { Venue } from '../exchange/venue.js';
import type { Store } from '../store/index.js';
import type { PermitMirror } from '../store/permit-mirror.js';
import * as drift from './drift.js';
import * as ledgerSync from './ledger.js';
import * as orders from './orders.js';
import * as permits from './permits.js';
import * as trading from './trading.js';
import * as turns from './turns.js';
import type { PlanActivities, WorkflowRuns } from './contract.js';
import { exchangeClockOffset, readPosition } from './venue-reads.js';

export interface ActivityDeps {
  venue: Venue;
  store: Store;
  settings: ChainSettings;
  mirror?: PermitMirror;
  /** Temporal's view of workflow runs: a symbol's turn held by a run that closed without releasing it is freed. */
  workflowRuns?: WorkflowRuns;
  now?: () => number;
}

/** The activities a plan worker registers, each a top-level function of its domain bound to the worker's deps. */
export function createPlanActivities(deps: ActivityDeps): PlanActivities {
  const now = deps.now ?? Date.now;
  const { venue, store, settings, workflowRuns } = deps;
  const permitDeps: permits.PermitDeps = { venue, store, settings, mirror: deps.mirror, now };
  const orderDeps: orders.OrderDeps = permitDeps;
  const turnDeps: turns.TurnDeps = { store, venueName: settings.venueName, workflowRuns };
  const ledgerDeps: ledgerSync.LedgerDeps = {
    store,
    venueName: settings.venueName,
    now,
    position: (symbol) => readPosition(venue, symbol),
    clockOffset: () => exchangeClockOffset(venue),
  };
  const driftDeps: drift.DriftDeps = {
    venue,
    store,
    venueName: settings.venueName,
    now,
    toleranceFor: (symbol) => permits.toleranceOf(settings, symbol),
    action: settings.driftAction,
    workflowRuns,
  };
  return {
    issueGovernorPermit: (req) => permits.issueGovernorPermit(permitDeps, req),
    checkPositionState: (req) => permits.checkPositionState(permitDeps, req),
    placeOrder: (req) => orders.placeOrder(orderDeps, req),
    settleOrderAttempts: ({ plan, revokePermitIds }) => orders.settleOrderAttempts(orderDeps, plan, revokePermitIds),
    lookupOrder: (req) => orders.lookupOrder(orderDeps, req),
    bookFill: (req) => orders.bookFill(orderDeps, req),
    syncLedger: (req) => ledgerSync.syncLedger(ledgerDeps, req),
    takeTurn: (req) => turns.takeTurn(turnDeps, req),
    releaseTurn: (req) => turns.releaseTurn(turnDeps, req),
    sweepDrift: (req) => drift.sweepDrift(driftDeps, req),
    driftReport: (req) => drift.driftReport(driftDeps, req),
    isTradingPaused: ({ symbol, planId }) => store.isTradingPaused(symbol, planId),
    ledgerJournal: async ({ symbol, limit }) => {
      const [position, entries] = await Promise.all([store.ledgerPosition(settings.venueName, symbol), store.ledgerJournal(settings.venueName, symbol, limit)]);
      return { venue: settings.venueName, symbol, position, entries };
    },
    planRecord: ({ planId }) => store.planRecord(planId),
    tradingStates: () => store.tradingStates(),
    setTradingState: (req) => trading.setTradingState(store, req),
  };
}
