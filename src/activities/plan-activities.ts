// All I/O of the permit chain: exchange reads and orders through the venue adapter, permits,
// fills and ledger adjustments through the store. Decisions themselves live in src/domain.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { dec, decimalNumber, decimalText } from '../domain/decimal.js';
import { FailureTypes } from '../domain/failures.js';
import { decidePositionPermit, decideGovernorPermit, toleranceFor, type GovernorPermit, type InFlightAmount, type PositionPermit } from '../domain/permits.js';
import type { MarketRules, OrderReport, Venue } from '../exchange/venue.js';
import { VenueError } from '../exchange/venue.js';
import type { InFlightOrder, PermitRecord, Store } from '../store/index.js';
import * as drift from './drift.js';
import * as ledgerSync from './ledger.js';
import * as orders from './orders.js';
import * as turns from './turns.js';
import type { ChainSettings } from '../domain/chain-policy.js';
import { planIdOfLegacyClientOrderId } from '../domain/plan-ids.js';
import type { PermitMirror } from '../store/permit-mirror.js';
import type {
  BookFillRequest,
  BookedFill,
  PermitRequest,
  PlaceOrderRequest,
  PlacedOrder,
  PlanActivities,
  WorkflowRuns,
} from './types.js';

export interface ActivityDeps {
  venue: Venue;
  store: Store;
  settings: ChainSettings;
  mirror?: PermitMirror;
  /** Temporal's view of workflow runs: a symbol's turn held by a run that closed without releasing it is freed. */
  workflowRuns?: WorkflowRuns;
  now?: () => number;
}

export function createPlanActivities(deps: ActivityDeps): PlanActivities {
  const now = deps.now ?? Date.now;
  const { venue, store, settings } = deps;
  const orderDeps: orders.OrderDeps = { venue, store, settings, mirror: deps.mirror, now };
  const turnDeps: turns.TurnDeps = { store, venueName: settings.venueName, workflowRuns: deps.workflowRuns };
  const toleranceOf = (symbol: string) => toleranceFor(symbol, settings.tolerances, settings.defaultTolerance);

  const marketOrNull = async (symbol: string): Promise<MarketRules | null> => {
    try {
      return await venue.market(symbol);
    } catch (err) {
      if (err instanceof VenueError && err.kind === 'rejected') return null;
      throw toFailure(err, 'read');
    }
  };

  const position = async (symbol: string) => {
    try {
      return await venue.position(symbol);
    } catch (err) {
      throw toFailure(err, 'read');
    }
  };

  /** The first workflow run to ask for a permit owns the plan id for ever (Temporal's retention forgets it). */
  const claimPlan = (plan: PermitRequest['plan']) => {
    const run = Context.current().info.workflowExecution;
    if (run === undefined) throw ApplicationFailure.nonRetryable('issueGovernorPermit runs for a plan workflow only (no workflow execution in its context)');
    const { workflowId, runId } = run;
    return store.claimPlan({ planId: plan.plan_id, symbol: plan.symbol, workflowId, runId, at: new Date(now()) });
  };

  const issueGovernorPermit = async ({ plan, sequence }: PermitRequest): Promise<GovernorPermit> => {
    const market = await marketOrNull(plan.symbol);
    // Read before the position, as in the position check: an order booked in between is not missed.
    const inFlight = await store.inFlightOrders(settings.venueName, plan.symbol, plan.plan_id);
    const pos = market ? await position(plan.symbol) : { amount: '0', markPrice: '0' };
    const [paused, claim] = await Promise.all([store.isTradingPaused(plan.symbol, plan.plan_id), claimPlan(plan)]);
    const permit = decideGovernorPermit({
      plan,
      sequence,
      claimedByOtherRun: claim.claimed ? null : `${claim.claim.workflowId}/${claim.claim.runId}`,
      positionAmount: pos.amount,
      markPrice: pos.markPrice,
      inFlight: inFlight.map(unbookedOf),
      market,
      pausedScope: paused.paused ? paused.scope ?? 'global' : null,
      maxOrderNotional: settings.maxOrderNotional,
      maxPlanAgeSeconds: settings.maxPlanAgeSeconds,
      now: now(),
      ttlSeconds: settings.ttlSeconds,
    });
    // The permit log's entry under this permit id belongs to the run that owns the plan: a duplicate run's
    // denial is answered, not recorded over it.
    if (permit.reason === 'duplicate_plan') return permit;
    const recorded = governorAsRecorded(permit, await store.recordPermit(governorRecord(permit, plan.plan_id, pos.amount)));
    await deps.mirror?.governor(plan.plan_id, recorded);
    return recorded;
  };

  const checkPositionState = async ({ plan, sequence }: PermitRequest): Promise<PositionPermit> => {
    const market = await marketOrNull(plan.symbol);
    // Orders of other plans of the symbol that are sent but not yet booked: the exchange may already show
    // them while the ledger does not (read before the position, so an order booked in between is not missed).
    const inFlight = await store.inFlightOrders(settings.venueName, plan.symbol, plan.plan_id);
    const [pos, ledger] = await Promise.all([market ? position(plan.symbol) : null, store.ledgerPosition(settings.venueName, plan.symbol)]);
    const permit = decidePositionPermit({
      plan,
      sequence,
      exchangeAmount: pos?.amount ?? null,
      ledgerAmount: ledger,
      inFlight: inFlight.map(unbookedOf),
      tolerance: toleranceOf(plan.symbol),
      now: now(),
      ttlSeconds: settings.ttlSeconds,
    });
    const recorded = positionAsRecorded(permit, await store.recordPermit(positionRecord(permit, plan.plan_id)));
    await deps.mirror?.position(plan.plan_id, recorded);
    return recorded;
  };

  const lookup = async (symbol: string, clientOrderId: string): Promise<PlacedOrder | null> => {
    try {
      const report = await venue.findOrder(symbol, clientOrderId);
      return report ? orders.placedOrder(report, true, now()) : null;
    } catch (err) {
      throw toFailure(err, 'read');
    }
  };

  const bookFill = async ({ plan, order, final }: BookFillRequest): Promise<BookedFill> => {
    const result = await store.bookFill({
      venue: settings.venueName,
      symbol: plan.symbol,
      planId: plan.plan_id,
      clientOrderId: order.client_order_id,
      exchangeOrderId: order.exchange_order_id ?? order.client_order_id,
      side: order.side,
      qty: decimalText(String(order.filled_qty)),
      price: decimalText(String(order.avg_price)),
      filledAt: order.acknowledged_at,
      final: final ? { status: order.status } : null,
    });
    return { booked: result.booked, ledger_amt: decimalNumber(result.position) };
  };

  const ledgerDeps: ledgerSync.LedgerDeps = {
    store,
    venueName: settings.venueName,
    now,
    position,
    clockOffset: async () => {
      try {
        return (await venue.clock()).offsetMs;
      } catch (err) {
        throw toFailure(err, 'read');
      }
    },
  };
  const driftDeps: drift.DriftDeps = { venue, store, venueName: settings.venueName, now, toleranceFor: toleranceOf, action: settings.driftAction, workflowRuns: deps.workflowRuns };

  return {
    issueGovernorPermit,
    checkPositionState,
    placeOrder: (req) => orders.placeOrder(orderDeps, req),
    settleOrderAttempts: ({ plan, revokePermitIds }) => orders.settleOrderAttempts(orderDeps, plan, revokePermitIds),
    lookupOrder: ({ symbol, clientOrderId }) => {
      const legacyPlanId = planIdOfLegacyClientOrderId(clientOrderId);
      return legacyPlanId === null ? lookup(symbol, clientOrderId) : orders.lookupForLegacyPlan(orderDeps, symbol, legacyPlanId, clientOrderId);
    },
    bookFill,
    syncLedger: (req) => ledgerSync.syncLedger(ledgerDeps, req),
    takeTurn: (req) => turns.takeTurn(turnDeps, req),
    releaseTurn: (req) => turns.releaseTurn(turnDeps, req),
    sweepDrift: (req) => drift.sweepDrift(driftDeps, req),
    driftReport: (req) => drift.driftReport(driftDeps, req),
    isTradingPaused: ({ symbol, planId }) => store.isTradingPaused(symbol, planId),
    setTradingState: async (req) => {
      const change = await store.setTradingState(req);
      return { scope: change.scope, state: change.state, at: change.at };
    },
  };
}

/** An in-flight order's remainder that may still execute: of its quantity, or of what it executed once final. */
function unbookedOf(o: InFlightOrder): InFlightAmount {
  return { side: o.side, unbookedQty: decimalText(dec(o.finalQty ?? o.qty).minus(o.booked)) };
}

/** Maps a venue error of an exchange read onto the failure type the workflow decides on. */
function toFailure(err: unknown, _call: 'read'): unknown {
  if (!(err instanceof VenueError)) return err;
  const details = { errorClass: err.errorClass, exchangeCode: err.exchangeCode, exchangeReason: err.exchangeReason };
  if (err.kind === 'rejected') {
    const code = err.exchangeCode === null ? '' : ` (${err.exchangeCode})`;
    return ApplicationFailure.nonRetryable(`${err.exchangeReason}${code}`, FailureTypes.exchangeRejected, details);
  }
  return ApplicationFailure.retryable(`${err.errorClass}: ${err.message}`, FailureTypes.exchangeRetryable, details);
}

function governorRecord(p: GovernorPermit, planId: string, positionAmount: string): PermitRecord {
  return {
    permitId: p.permit_id,
    permitKey: p.permit_key,
    layer: 'governor',
    planId,
    symbol: p.symbol,
    granted: p.granted,
    reason: p.reason,
    context: { exchange_amt: decimalNumber(positionAmount), mark_price: p.mark_price, side: p.side, decision: p.decision },
    computedQty: decimalText(String(p.computed_qty)),
    computedNotional: decimalText(String(p.computed_notional)),
    createdAt: p.created_at,
    expiresAt: p.expires_at,
    ttlSeconds: p.ttl_seconds,
  };
}

function positionRecord(p: PositionPermit, planId: string): PermitRecord {
  return {
    permitId: p.permit_id,
    permitKey: p.permit_key,
    layer: 'p33',
    planId,
    symbol: p.symbol,
    granted: p.allow,
    reason: p.reason,
    context: { ...p.context },
    computedQty: null,
    computedNotional: null,
    createdAt: p.created_at,
    expiresAt: p.expires_at,
    ttlSeconds: p.ttl_seconds,
  };
}

// A permit step can run more than once for the same permit id: a retry, or a local activity run again
// because its workflow task never completed (worker crash, eviction). The permit log keeps the first
// decision, and the consume checks that one, so every run answers with it: the order's deadline and
// recvWindow then come from the expiry the store enforces, never from a later re-computation.

function governorAsRecorded(computed: GovernorPermit, stored: PermitRecord): GovernorPermit {
  if (stored.createdAt === computed.created_at) return computed;
  const ctx = stored.context as { mark_price?: number | null; side?: GovernorPermit['side']; decision?: string };
  return {
    ...computed,
    granted: stored.granted,
    reason: stored.reason as GovernorPermit['reason'],
    side: ctx.side ?? computed.side,
    decision: ctx.decision ?? computed.decision,
    mark_price: ctx.mark_price ?? computed.mark_price,
    computed_qty: stored.computedQty === null ? 0 : decimalNumber(stored.computedQty),
    computed_notional: stored.computedNotional === null ? 0 : decimalNumber(stored.computedNotional),
    created_at: stored.createdAt,
    expires_at: stored.expiresAt,
    ttl_seconds: stored.ttlSeconds,
    consumed: stored.consumedAt !== null,
  };
}

function positionAsRecorded(computed: PositionPermit, stored: PermitRecord): PositionPermit {
  if (stored.createdAt === computed.created_at) return computed;
  return {
    ...computed,
    allow: stored.granted,
    reason: stored.reason as PositionPermit['reason'],
    context: stored.context as unknown as PositionPermit['context'],
    created_at: stored.createdAt,
    expires_at: stored.expiresAt,
    ttl_seconds: stored.ttlSeconds,
  };
}
