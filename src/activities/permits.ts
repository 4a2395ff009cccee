// The two permit activities: the governor (P3.2) and the position check (P3.3). Each reads the exchange
// and the store, lets src/domain decide, and records the decision in the permit log (and its mirror).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChainSettings } from '../domain/chain-policy.js';
import { dec, decimalText } from '../domain/decimal.js';
import { decideGovernorPermit, decidePositionPermit, toleranceFor, type GovernorPermit, type InFlightAmount, type PositionPermit } from '../domain/permits.js';
import type { Plan } from '../domain/plan.js';
import type { Venue } from '../exchange/venue.js';
import type { InFlightOrder, Store } from '../store/index.js';
import type { PermitMirror } from '../store/permit-mirror.js';
import { governorAsRecorded, governorRecord, positionAsRecorded, positionRecord } from '../store/permit-rows.js';
import type { PermitRequest } from './contract.js';
import { marketOrNull, readPosition } from './venue-reads.js';

export interface PermitDeps {
  venue: Venue;
  store: Store;
  settings: ChainSettings;
  mirror?: PermitMirror | undefined;
  now: () => number;
}

export function toleranceOf(settings: ChainSettings, symbol: string): string {
  return toleranceFor(symbol, settings.tolerances, settings.defaultTolerance);
}

/** The first workflow run to ask for a permit owns the plan id for ever (Temporal's retention forgets it). */
function claimPlan(deps: PermitDeps, plan: Plan) {
  const run = Context.current().info.workflowExecution;
  if (run === undefined) throw ApplicationFailure.nonRetryable('issueGovernorPermit runs for a plan workflow only (no workflow execution in its context)');
  const { workflowId, runId } = run;
  return deps.store.claimPlan({ planId: plan.plan_id, symbol: plan.symbol, workflowId, runId, at: new Date(deps.now()) });
}

/** An in-flight order's remainder that may still execute: of its quantity, or of what it executed once final. */
function unbookedOf(o: InFlightOrder): InFlightAmount {
  return { side: o.side, unbookedQty: decimalText(dec(o.finalQty ?? o.qty).minus(o.booked)) };
}

export async function issueGovernorPermit(deps: PermitDeps, { plan, sequence }: PermitRequest): Promise<GovernorPermit> {
  const { venue, store, settings } = deps;
  const market = await marketOrNull(venue, plan.symbol);
  // Read before the position, as in the position check: an order booked in between is not missed.
  const inFlight = await store.inFlightOrders(settings.venueName, plan.symbol, plan.plan_id);
  const pos = market ? await readPosition(venue, plan.symbol) : { amount: '0', markPrice: '0' };
  const [paused, claim] = await Promise.all([store.isTradingPaused(plan.symbol, plan.plan_id), claimPlan(deps, plan)]);
  const permit = decideGovernorPermit({
    plan,
    sequence,
    claimedByOtherRun: claim.claimed ? null : `${claim.claim.workflowId}/${claim.claim.runId}`,
    positionAmount: pos.amount,
    markPrice: pos.markPrice,
    inFlight: inFlight.map(unbookedOf),
    market,
    pausedScope: paused.paused ? paused.scope ?? 'global' : null,
    haltedScope: paused.halted ? paused.scope ?? 'global' : null,
    maxOrderNotional: settings.maxOrderNotional,
    maxPlanAgeSeconds: settings.maxPlanAgeSeconds,
    now: deps.now(),
    ttlSeconds: settings.ttlSeconds,
  });
  // The permit log's entry under this permit id belongs to the run that owns the plan: a duplicate run's
  // denial is answered, not recorded over it.
  if (permit.reason === 'duplicate_plan') return permit;
  const recorded = governorAsRecorded(permit, await store.recordPermit(governorRecord(permit, plan.plan_id, pos.amount)));
  await deps.mirror?.governor(plan.plan_id, recorded);
  return recorded;
}

export async function checkPositionState(deps: PermitDeps, { plan, sequence }: PermitRequest): Promise<PositionPermit> {
  const { venue, store, settings } = deps;
  const market = await marketOrNull(venue, plan.symbol);
  // Orders of other plans of the symbol that are sent but not yet booked: the exchange may already show
  // them while the ledger does not (read before the position, so an order booked in between is not missed).
  const inFlight = await store.inFlightOrders(settings.venueName, plan.symbol, plan.plan_id);
  const [pos, ledger] = await Promise.all([market ? readPosition(venue, plan.symbol) : null, store.ledgerPosition(settings.venueName, plan.symbol)]);
  const permit = decidePositionPermit({
    plan,
    sequence,
    exchangeAmount: pos?.amount ?? null,
    ledgerAmount: ledger,
    inFlight: inFlight.map(unbookedOf),
    tolerance: toleranceOf(settings, plan.symbol),
    now: deps.now(),
    ttlSeconds: settings.ttlSeconds,
  });
  const recorded = positionAsRecorded(permit, await store.recordPermit(positionRecord(permit, plan.plan_id)));
  await deps.mirror?.position(plan.plan_id, recorded);
  return recorded;
}
