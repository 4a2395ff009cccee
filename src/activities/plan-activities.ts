// All I/O of the permit chain: exchange reads and orders through the venue adapter, permits,
// fills and ledger adjustments through the store. Decisions themselves live in src/domain.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { decimalNumber, decimalText } from '../domain/decimal.js';
import { FailureTypes } from '../domain/failures.js';
import { decidePositionPermit, decideGovernorPermit, toleranceFor, type GovernorPermit, type PositionPermit } from '../domain/permits.js';
import type { MarketRules, OrderReport, Venue } from '../exchange/venue.js';
import { VenueError } from '../exchange/venue.js';
import type { PermitRecord, Store } from '../store/index.js';
import type { PermitMirror } from './permit-mirror.js';
import type {
  BookFillRequest,
  BookedFill,
  LedgerSyncRequest,
  LedgerSyncResult,
  PermitRequest,
  PlaceOrderRequest,
  PlacedOrder,
  PlanActivities,
} from './types.js';

export interface ChainSettings {
  /** Ledger key of the venue ('paper', 'binance-demo', …): one ledger per venue and symbol. */
  venueName: string;
  ttlSeconds: number;
  maxOrderNotional: string | null;
  /** Plans produced longer ago than this are refused (null: no limit). */
  maxPlanAgeSeconds: number | null;
  defaultTolerance: string;
  tolerances: Record<string, string>;
}

export interface ActivityDeps {
  venue: Venue;
  store: Store;
  settings: ChainSettings;
  mirror?: PermitMirror;
  now?: () => number;
}

export function createPlanActivities(deps: ActivityDeps): PlanActivities {
  const now = deps.now ?? Date.now;
  const { venue, store, settings } = deps;

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

  const issueGovernorPermit = async ({ plan, sequence }: PermitRequest): Promise<GovernorPermit> => {
    const market = await marketOrNull(plan.symbol);
    const pos = market ? await position(plan.symbol) : { amount: '0', markPrice: '0' };
    const paused = await store.isTradingPaused(plan.symbol, plan.plan_id);
    const permit = decideGovernorPermit({
      plan,
      sequence,
      positionAmount: pos.amount,
      markPrice: pos.markPrice,
      market,
      pausedScope: paused.paused ? paused.scope ?? 'global' : null,
      maxOrderNotional: settings.maxOrderNotional,
      maxPlanAgeSeconds: settings.maxPlanAgeSeconds,
      now: now(),
      ttlSeconds: settings.ttlSeconds,
    });
    const recorded = governorAsRecorded(permit, await store.recordPermit(governorRecord(permit, plan.plan_id, pos.amount)));
    await deps.mirror?.governor(plan.plan_id, recorded);
    return recorded;
  };

  const checkPositionState = async ({ plan, sequence }: PermitRequest): Promise<PositionPermit> => {
    const market = await marketOrNull(plan.symbol);
    const [pos, ledger] = await Promise.all([market ? position(plan.symbol) : null, store.ledgerPosition(settings.venueName, plan.symbol)]);
    const permit = decidePositionPermit({
      plan,
      sequence,
      exchangeAmount: pos?.amount ?? null,
      ledgerAmount: ledger,
      tolerance: toleranceFor(plan.symbol, settings.tolerances, settings.defaultTolerance),
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
      return report ? placedOrder(report, true, now()) : null;
    } catch (err) {
      throw toFailure(err, 'read');
    }
  };

  const consumePermits = async (req: PlaceOrderRequest, attempt: number): Promise<void> => {
    const at = new Date(now());
    for (const permitId of [req.governorPermitId, req.positionPermitId]) {
      const result = await store.consumePermit(permitId, at);
      // A retry of this very activity finds the permit it consumed itself on an earlier attempt.
      if (result === 'consumed' || (result === 'already_consumed' && attempt > 1)) continue;
      if (result === 'trading_paused') {
        throw ApplicationFailure.nonRetryable(`trading was paused before permit ${permitId} could be used; nothing sent`, FailureTypes.tradingPaused);
      }
      throw ApplicationFailure.nonRetryable(`permit ${permitId} cannot be used: ${result}`, FailureTypes.permitExpired);
    }
  };

  const ensureBeforeDeadline = (deadline: number): void => {
    const left = deadline - now();
    if (left <= 0) {
      throw ApplicationFailure.nonRetryable(`permits expired ${-left} ms ago; nothing sent`, FailureTypes.permitExpired);
    }
  };

  const placeOrder = async (req: PlaceOrderRequest): Promise<PlacedOrder> => {
    const attempt = Context.current().info.attempt;
    if (attempt > 1) {
      // An earlier attempt may have reached the exchange: its fate is settled before anything is re-sent.
      const found = await lookup(req.plan.symbol, req.clientOrderId);
      if (found) return found;
    }
    const paused = await store.isTradingPaused(req.plan.symbol, req.plan.plan_id);
    if (paused.paused) {
      throw ApplicationFailure.nonRetryable(`trading is paused (${paused.scope}): ${paused.reason ?? 'no reason given'}`, FailureTypes.tradingPaused);
    }
    ensureBeforeDeadline(req.deadline);
    await consumePermits(req, attempt);
    ensureBeforeDeadline(req.deadline);
    try {
      const report = await venue.placeReduceOnlyMarketOrder({
        symbol: req.plan.symbol,
        side: req.side,
        qty: decimalText(String(req.qty)),
        clientOrderId: req.clientOrderId,
        validUntil: req.deadline,
      });
      await deps.mirror?.governorConsumed(req.plan.plan_id);
      return placedOrder(report, report.duplicate === true, now());
    } catch (err) {
      throw toFailure(err, 'order');
    }
  };

  const bookFill = async ({ plan, order }: BookFillRequest): Promise<BookedFill> => {
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
    });
    return { booked: result.booked, ledger_amt: decimalNumber(result.position) };
  };

  const syncLedger = async (req: LedgerSyncRequest): Promise<LedgerSyncResult> => {
    const pos = await position(req.symbol);
    const adjustment = await store.adjustLedger({
      venue: settings.venueName,
      symbol: req.symbol,
      target: pos.amount,
      who: req.who,
      why: req.why,
      planId: req.planId,
      command: req.command,
      // The target is part of the key: a retry that reads a different exchange amount records a new
      // adjustment (the ledger follows the exchange) instead of clashing with the first one.
      idempotencyKey: `${req.idempotencyKey}:${pos.amount}`,
    });
    return {
      before: decimalNumber(adjustment.before),
      after: decimalNumber(adjustment.after),
      delta: decimalNumber(adjustment.delta),
      exchange_amt: decimalNumber(pos.amount),
      at: adjustment.at,
      replayed: adjustment.replayed,
    };
  };

  return {
    issueGovernorPermit,
    checkPositionState,
    placeOrder,
    lookupOrder: ({ symbol, clientOrderId }) => lookup(symbol, clientOrderId),
    bookFill,
    syncLedger,
    isTradingPaused: ({ symbol, planId }) => store.isTradingPaused(symbol, planId),
    setTradingState: async (req) => {
      const change = await store.setTradingState(req);
      return { scope: change.scope, state: change.state, at: change.at };
    },
  };
}

function placedOrder(report: OrderReport, foundByLookup: boolean, at: number): PlacedOrder {
  return {
    client_order_id: report.clientOrderId,
    exchange_order_id: report.exchangeOrderId,
    side: report.side,
    qty: decimalNumber(report.qty),
    status: report.status,
    filled_qty: decimalNumber(report.filledQty),
    avg_price: decimalNumber(report.avgPrice),
    found_by_lookup: foundByLookup,
    acknowledged_at: new Date(at).toISOString(),
  };
}

/** Binance -1021: "Timestamp for this request is outside of the recvWindow". */
const STALE_TIMESTAMP = -1021;

/** Maps a venue error onto the failure type the workflow decides on. */
function toFailure(err: unknown, call: 'read' | 'order'): unknown {
  if (!(err instanceof VenueError)) return err;
  const details = { errorClass: err.errorClass, exchangeCode: err.exchangeCode, exchangeReason: err.exchangeReason };
  if (call === 'order' && err.exchangeCode === STALE_TIMESTAMP) {
    // The exchange got to the order after its recvWindow (the permits' deadline): it was not executed.
    return ApplicationFailure.nonRetryable(`exchange refused the order as arriving after the permits expired: ${err.exchangeReason}`, FailureTypes.permitExpired, details);
  }
  if (err.kind === 'rejected') {
    const code = err.exchangeCode === null ? '' : ` (${err.exchangeCode})`;
    return ApplicationFailure.nonRetryable(`${err.exchangeReason}${code}`, FailureTypes.exchangeRejected, details);
  }
  const type = err.kind === 'ambiguous' && call === 'order' ? FailureTypes.orderAmbiguous : FailureTypes.exchangeRetryable;
  return ApplicationFailure.retryable(`${err.errorClass}: ${err.message}`, type, details);
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
