// The permit chain of one EXECUTE plan: governor and position-check permits, TTL enforced by the
// workflow, a reduce-only order sent at most once, its fills booked by cumulative executed quantity until it
// is final. Deterministic code only.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
  allHandlersFinished,
  sleep,
} from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/common';
import type { BookedFill, PlanActivities, PlacedOrder } from '../activities/types.js';
import type { AnsweredDenial, ChainState, OperatorAction, PauseScope } from '../domain/chain.js';
import { FailureTypes, NON_RETRYABLE_ORDER_FAILURES } from '../domain/failures.js';
import type { GovernorPermit, PositionPermit } from '../domain/permits.js';
import { clientOrderIdForPlan } from '../domain/plan-ids.js';
import { describeGovernor, describeP33 } from '../domain/describe.js';
import { ChainRecorder } from './chain-recorder.js';
import { SymbolTurnKeeper } from './symbol-turn.js';
import {
  chainStateQuery,
  pauseSignal,
  reconcileSignal,
  resumeSignal,
  type PlanWorkflowInput,
} from './definitions.js';

const exchangeRetry: RetryPolicy = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' };

/** Permit checks read the exchange: retried on network errors, a definitive refusal fails them. */
const permitOptions = {
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '2m',
  retry: { ...exchangeRetry, nonRetryableErrorTypes: [FailureTypes.exchangeRejected] },
} satisfies ActivityOptions & LocalActivityOptions;
/** Booking, lookups and ledger sync must eventually succeed: an order's fate is never left unknown. */
const durableOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
} satisfies ActivityOptions & LocalActivityOptions;
const permitActivities = proxyActivities<PlanActivities>(permitOptions);
const durableActivities = proxyActivities<PlanActivities>(durableOptions);

/**
 * The permit checks and the booking run as local activities: in the worker that runs the workflow task,
 * without a round trip through the server's task queues (one workflow task and two activity dispatches
 * fewer per plan, and one billable action for all of them, docs/benchmarks.md). Safe to repeat: a permit
 * is recorded once per permit id and a re-run answers with the permit as first recorded (its decision and
 * expiry, the ones the consume checks), and a fill is booked once per exchange order id (under the
 * cumulative-fills patch: once per increment of the order's cumulative executed quantity). The order itself
 * stays a regular activity: its attempt count is the server's, which the lookup-before-re-send relies on.
 *
 * Plans whose history predates this patch keep replaying their regular activities.
 */
const LOCAL_STEPS_PATCH = 'local-permits-and-booking';
/**
 * Order attempts recorded in the store, each with its own client order id, and settled before any other
 * outcome is believed (docs/order-protocol.md). Plans whose history predates it keep their single client
 * order id and lookup-on-timeout.
 */
const ORDER_ATTEMPTS_PATCH = 'order-attempts-settled';
/**
 * Fills booked by the order's cumulative executed quantity: what is filled is booked as soon as the order is
 * known, then the order is looked up (backing off) and each new cumulative quantity booked until the order
 * is final, with no limit on look-ups. Plans whose history predates it look an open order up at most
 * MAX_ORDER_FOLLOW_UPS times and book it once.
 */
const CUMULATIVE_FILLS_PATCH = 'cumulative-fills';
/**
 * A reconcile authorises the denial it answers, no more: a reconcile signal is applied only while the plan
 * awaits one after a P3.3 denial, and the ledger adjustment records that denial (permit id and amounts). A
 * signal arriving at any other time is recorded (`reconcile_not_applied`) and dropped, never kept for
 * later. Plans whose history predates it keep every request and spend the first one when denied.
 */
const RECONCILE_ANSWERS_PATCH = 'reconcile-answers-denial';
/**
 * Plans of a symbol take turns (docs/concurrency.md): a plan queues for its symbol's turn before each permit
 * round and keeps it until its order is final and booked or it ends, giving it up while a pause holds it; the
 * booking of a final order also records what the order executed in the end, so that it no longer counts as
 * in flight. Plans whose history predates it run without turns (the position check still counts their
 * orders in flight) and book as before.
 */
const SYMBOL_TURNS_PATCH = 'symbol-turns';
/** A refused look-up of a placed order that is not final keeps the plan following it (it failed the plan before). */
const FOLLOW_UPS_SURVIVE_REFUSALS_PATCH = 'follow-ups-survive-refusals';
const localPermitActivities = proxyLocalActivities<PlanActivities>(permitOptions);
const localDurableActivities = proxyLocalActivities<PlanActivities>(durableOptions);

/** An operator's reconcile, with the P3.3 denial it answers (null for plans predating RECONCILE_ANSWERS_PATCH). */
type ReconcileRequest = OperatorAction & { answers: AnsweredDenial | null };
type PermitPair = { governor: GovernorPermit; p33: PositionPermit };
type OrderAttempt =
  | { kind: 'placed'; order: PlacedOrder }
  | { kind: 'rejected'; reason: string }
  | { kind: 'expired' }
  | { kind: 'paused' };

export async function planWorkflow(input: PlanWorkflowInput): Promise<ChainState> {
  const { plan, policy } = input;
  const chain = new ChainRecorder(plan, input.acceptedAt);
  const pauses = new Map<PauseScope, OperatorAction>();
  const reconcileRequests: ReconcileRequest[] = [];
  let resumeCount = 0;
  const reconcileAnswersDenial = patched(RECONCILE_ANSWERS_PATCH);
  /** The P3.3 denial the plan is waiting on a reconcile for, while it waits (RECONCILE_ANSWERS_PATCH). */
  let awaitingReconcileFor: PositionPermit | null = null;

  const turn = new SymbolTurnKeeper(plan, chain, localDurableActivities, durableOptions, policy.turnCheckSeconds ?? DEFAULT_TURN_CHECK_SECONDS);
  /** Decided once, at the start of the chain (SYMBOL_TURNS_PATCH). */
  let turnsOn = false;

  setHandler(chainStateQuery, () => chain.state);
  setHandler(pauseSignal, ({ scope, who, why }) => {
    pauses.set(scope, { who, why });
    chain.event('signal_pause', `Paused (${scope}) by ${who}: ${why}`, { scope, who, why });
  });
  setHandler(resumeSignal, ({ scope, who, why }) => {
    const resumed = scope === 'global' ? [...pauses.keys()].filter((s) => s !== 'plan') : [scope];
    resumed.forEach((s) => pauses.delete(s));
    resumeCount += 1;
    chain.event('signal_resume', `Resumed (${scope}) by ${who}: ${why}`, { scope, who, why });
  });
  setHandler(reconcileSignal, ({ who, why }) => {
    chain.event('signal_reconcile', `Reconcile requested by ${who}: ${why}`, { who, why });
    if (!reconcileAnswersDenial) {
      reconcileRequests.push({ who, why, answers: null });
      return;
    }
    const denial = awaitingReconcileFor;
    if (denial === null || reconcileRequests.length > 0) {
      // During the answering sync the stage still reads awaiting_reconcile, but the denial is spoken for.
      const answered = denial !== null || chain.state.stage === 'awaiting_reconcile';
      const reason = answered ? 'its denial is already answered by an earlier reconcile' : `the plan is not awaiting a reconcile (stage ${chain.state.stage})`;
      chain.event('reconcile_not_applied', `Reconcile by ${who} not applied: ${reason}; the ledger is unchanged`, { who, why, stage: chain.state.stage, reason });
      return;
    }
    const { exchange_amt, ledger_amt, diff, tolerance } = denial.context;
    reconcileRequests.push({ who, why, answers: { permit_id: denial.permit_id, exchange_amt, ledger_amt, diff, tolerance } });
  });

  /** Polls the durable trading state, backing off so that a long pause keeps the history small. */
  const pollDelays = (): (() => number) => {
    let delay = policy.pausePollSeconds;
    return () => {
      const current = delay;
      delay = Math.min(delay * 2, MAX_PAUSE_POLL_SECONDS);
      return current;
    };
  };

  /**
   * Held by a pause signal. A plan-level pause waits for its resume; a global or symbol pause also
   * re-reads the store now and then, so a resume signal that never arrived cannot hold a plan forever.
   */
  const holdWhilePaused = async (): Promise<void> => {
    const nextDelay = pollDelays();
    while (pauses.size > 0) {
      const [scope, by] = [...pauses.entries()][0]!;
      chain.stage('paused', `Held by ${by.who} (${scope}): ${by.why}`);
      const seen = resumeCount;
      if (pauses.size === 1 && pauses.has('plan')) {
        await condition(() => !pauses.has('plan') || pauses.size > 1);
        continue;
      }
      const delay = nextDelay();
      const resumed = await condition(() => pauses.size === 0 || resumeCount !== seen, `${delay}s`, { summary: `Paused (${scope}): waiting for resume, re-checking in ${delay} s` });
      if (resumed || pauses.size === 0) continue;
      const status = await permitActivities.isTradingPaused({ symbol: plan.symbol, planId: plan.plan_id });
      if (!status.paused) {
        [...pauses.keys()].filter((s) => s !== 'plan').forEach((s) => pauses.delete(s));
        chain.event('pause_lifted', 'Trading is running again in the store: the pause is lifted');
      }
    }
  };

  /** Trading is paused in the store (durable, global or per symbol): wait for a resume, re-checking. */
  const holdWhileTradingPaused = async (resumesSeen: number): Promise<void> => {
    chain.stage('paused', 'Trading is paused; waiting for `permitctl resume`');
    const nextDelay = pollDelays();
    let seen = resumesSeen;
    for (;;) {
      const delay = nextDelay();
      await condition(() => resumeCount !== seen, `${delay}s`, { summary: `Trading paused: waiting for resume, re-checking in ${delay} s` });
      seen = resumeCount;
      const status = await permitActivities.isTradingPaused({ symbol: plan.symbol, planId: plan.plan_id });
      if (!status.paused) return;
    }
  };

  let acquisitions = 0;
  const acquirePermits = async (): Promise<PermitPair> => {
    chain.stage('governor');
    const sequence = ++acquisitions;
    const request = [{ plan, sequence }] as const;
    const governorSummary = `Governor (P3.2): permit for ${plan.action} ${plan.symbol} (#${sequence})`;
    const p33Summary = `Position check (P3.3): exchange vs ledger for ${plan.symbol} (#${sequence})`;
    const steps = patched(LOCAL_STEPS_PATCH) ? localPermitActivities : permitActivities;
    const [governor, p33] = await Promise.all([
      steps.issueGovernorPermit.executeWithOptions({ ...permitOptions, summary: governorSummary }, [...request]),
      steps.checkPositionState.executeWithOptions({ ...permitOptions, summary: p33Summary }, [...request]),
    ]);
    chain.state.permits = { governor, p33 };
    chain.event('governor_permit', describeGovernor(governor), { permit_id: governor.permit_id, granted: governor.granted, reason: governor.reason, ttl_seconds: governor.ttl_seconds, expires_at: governor.expires_at });
    chain.event('p33_permit', describeP33(p33), { permit_id: p33.permit_id, allow: p33.allow, reason: p33.reason, ttl_seconds: p33.ttl_seconds, expires_at: p33.expires_at });
    chain.stage('position_check');
    return { governor, p33 };
  };

  const reconcile = async (request: ReconcileRequest, n: number): Promise<void> => {
    const { answers } = request;
    const answering = answers === null ? '' : ` answering P3.3 permit ${answers.permit_id} (exchange ${answers.exchange_amt} vs ledger ${answers.ledger_amt})`;
    const result = await durableActivities.syncLedger.executeWithOptions(
      { ...durableOptions, summary: `Ledger sync for ${plan.symbol} by ${request.who}${answering}: ${request.why}` },
      [{ symbol: plan.symbol, who: request.who, why: request.why, planId: plan.plan_id, command: 'reconcile-signal', idempotencyKey: `${chain.state.workflow_id}:reconcile:${n}`, ...(answers === null ? {} : { answers }) }],
    );
    chain.event('ledger_sync', `Ledger ${plan.symbol}: ${result.before} → ${result.after} (exchange ${result.exchange_amt}) by ${request.who}${answering}`, { ...result, who: request.who, why: request.why, ...(answers === null ? {} : { answers }) });
  };

  const placeOrder = async ({ governor, p33 }: PermitPair): Promise<OrderAttempt> => {
    const deadline = Math.min(Date.parse(governor.expires_at), Date.parse(p33.expires_at));
    const protocol = patched(ORDER_ATTEMPTS_PATCH);
    // Workflow time is when this task began; the permit steps (local activities) ran after it, so the
    // window counts from the latest moment known to have passed.
    const knownNow = protocol ? Math.max(Date.now(), Date.parse(governor.created_at), Date.parse(p33.created_at)) : Date.now();
    const windowMs = deadline - knownNow;
    if (windowMs < policy.minOrderWindowMs) return { kind: 'expired' };
    chain.stage('placing', `Order window ${windowMs} ms (earliest permit expiry ${governor.expires_at < p33.expires_at ? governor.expires_at : p33.expires_at})`);
    const legacyClientOrderId = protocol ? undefined : clientOrderIdForPlan(plan.plan_id);
    try {
      const order = await proxyActivities<PlanActivities>({
        // The whole step, retries included, ends when the earliest permit expires: enforced by the server.
        scheduleToCloseTimeout: windowMs,
        startToCloseTimeout: Math.min(policy.orderAttemptTimeoutMs, windowMs),
        retry: { ...exchangeRetry, nonRetryableErrorTypes: [...NON_RETRYABLE_ORDER_FAILURES] },
        summary: `Order: reduce-only MARKET ${governor.side} ${governor.computed_qty} ${plan.symbol} · notional ${governor.computed_notional} · permits valid ${windowMs} ms more`,
      }).placeOrder({ plan, governorPermitId: governor.permit_id, positionPermitId: p33.permit_id, side: governor.side!, qty: governor.computed_qty, ...(legacyClientOrderId ? { clientOrderId: legacyClientOrderId } : {}), deadline });
      return { kind: 'placed', order };
    } catch (err) {
      if (legacyClientOrderId !== undefined) return classifyOrderFailure(err, legacyClientOrderId);
      return settleAfterFailure(err, [governor.permit_id, p33.permit_id]);
    }
  };

  /**
   * Whatever ended the order step, no attempt of the plan may still be on its way: the attempts are
   * settled (found, or known not executed) before the step's failure is believed.
   */
  const settleAfterFailure = async (err: unknown, roundPermitIds: string[]): Promise<OrderAttempt> => {
    if (isCancellation(err)) throw err;
    const failure = failureOf(err);
    const found = await settleOrder(roundPermitIds);
    if (found !== null) return { kind: 'placed', order: found };
    if (failure.unclear) chain.event('order_lookup', 'Every order attempt of the plan is settled: none executed', { found: false });
    return failure.attempt;
  };

  const failureOf = (err: unknown): { attempt: OrderAttempt; unclear: boolean } => {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    const typed = cause instanceof ApplicationFailure ? cause.type : null;
    if (typed === FailureTypes.exchangeRejected) return { attempt: { kind: 'rejected', reason: cause!.message }, unclear: false };
    if (typed === FailureTypes.clockSkew) {
      chain.event('clock_skew', cause!.message);
      return { attempt: { kind: 'expired' }, unclear: false };
    }
    if (typed === FailureTypes.tradingPaused) return { attempt: { kind: 'paused' }, unclear: false };
    if (typed === FailureTypes.permitExpired) return { attempt: { kind: 'expired' }, unclear: false };
    const why = cause instanceof TimeoutFailure ? `timeout (${cause.timeoutType})` : cause?.message ?? String(err);
    chain.event('order_unclear', `Order step ended: ${why}; settling the plan's order attempts before anything else`);
    return { attempt: { kind: 'expired' }, unclear: true };
  };

  /** Looks each open attempt up once its window (plus skew and settle bounds) has passed; waits on timers meanwhile. */
  /** Order requests of this plan known not to have executed (refused, or not found after their window). */
  let attemptsSettled = 0;
  /** "nothing sent" only while it is true: once a request left, what is known is that none executed. */
  const nothingExecuted = (): string => (attemptsSettled === 0 ? 'nothing sent' : `${attemptsSettled} order request(s) sent, none executed`);

  const settleOrder = async (revokePermitIds: string[]): Promise<PlacedOrder | null> => {
    let failures = 0;
    for (;;) {
      // The round's permits are revoked first: no sender still on its way can begin an attempt with them.
      const result = await durableActivities.settleOrderAttempts.executeWithOptions(
        { ...durableOptions, summary: `Settle the order attempts of plan ${plan.plan_id}` },
        [{ plan, revokePermitIds }],
      );
      if (result.kind === 'found') {
        chain.event('order_lookup', `Found ${result.order.client_order_id}: ${result.order.status}`, { found: true });
        return result.order;
      }
      if (result.kind === 'settled') {
        attemptsSettled = result.attempts;
        return null;
      }
      if (result.kind === 'wait') {
        chain.stage('settling', `Order attempt ${result.clientOrderId} may still execute: looking it up again in ${Math.ceil(result.waitMs)} ms`);
        await sleep(Math.max(MIN_SETTLE_WAIT_MS, Math.ceil(result.waitMs)), { summary: `Attempt ${result.clientOrderId} may still execute or be hidden: look again after its window` });
        continue;
      }
      failures += 1;
      chain.settleLookupFailed();
      if (failures === 1 || failures % SETTLE_FAILURE_EVENT_EVERY === 0) {
        chain.event('settle_lookup_failed', `Lookup of ${result.clientOrderId} failed (${failures}×): ${result.error}`, { failures });
      }
      const delay = Math.min(MAX_SETTLE_RETRY_MS, 1000 * 2 ** Math.min(failures - 1, 10));
      chain.stage('settling', `Order attempt ${result.clientOrderId} cannot be looked up (${failures}×): ${result.error}. Retrying in ${delay / 1000} s; nothing else happens until it is settled.`);
      await sleep(delay, { summary: `Lookup of ${result.clientOrderId} failed: retry` });
    }
  };

  /** Plans started before ORDER_ATTEMPTS_PATCH: one client order id, looked up once after an unclear step. */
  const classifyOrderFailure = async (err: unknown, clientOrderId: string): Promise<OrderAttempt> => {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === FailureTypes.exchangeRejected) {
      return { kind: 'rejected', reason: cause.message };
    }
    if (cause instanceof ApplicationFailure && cause.type === FailureTypes.tradingPaused) return { kind: 'paused' };
    if (cause instanceof ApplicationFailure && cause.type === FailureTypes.permitExpired) return { kind: 'expired' };
    const why = cause instanceof TimeoutFailure ? `timeout (${cause.timeoutType})` : cause?.message ?? String(err);
    chain.event('order_unclear', `Order step ended without an answer (${why}); looking up ${clientOrderId}`);
    const found = await durableActivities.lookupOrder.executeWithOptions(
      { ...durableOptions, summary: `Lookup order ${clientOrderId} on ${plan.symbol} before any re-send` },
      [{ symbol: plan.symbol, clientOrderId }],
    );
    chain.event('order_lookup', found ? `Found ${clientOrderId}: ${found.status}` : `${clientOrderId} is not on the exchange`, { found: found !== null });
    return found ? { kind: 'placed', order: found } : { kind: 'expired' };
  };

  /** Before CUMULATIVE_FILLS_PATCH: an order still open is looked up at most MAX_ORDER_FOLLOW_UPS times. */
  const untilFinal = async (placed: PlacedOrder): Promise<PlacedOrder> => {
    let order = placed;
    for (let look = 1; !FINAL_ORDER_STATUSES.includes(order.status) && look <= MAX_ORDER_FOLLOW_UPS; look++) {
      await sleep(ORDER_FOLLOW_UP_MS, { summary: `Order ${order.client_order_id} is ${order.status}: looking again` });
      order = (await durableActivities.lookupOrder.executeWithOptions(
        { ...durableOptions, summary: `Lookup order ${order.client_order_id} until it is final (${look})` },
        [{ symbol: plan.symbol, clientOrderId: order.client_order_id }],
      )) ?? order;
    }
    return order;
  };

  const bookFilled = async (order: PlacedOrder, final: boolean): Promise<BookedFill> => {
    chain.stage('booking');
    const bookOptions = { ...durableOptions, summary: `Book fill ${order.side} ${order.filled_qty} ${plan.symbol} (cumulative, order ${order.exchange_order_id}${final ? `, ${order.status}` : ''})` };
    const booking = patched(LOCAL_STEPS_PATCH) ? localDurableActivities : durableActivities;
    const booked = await booking.bookFill.executeWithOptions(bookOptions, [{ plan, order, ...(final ? { final: true } : {}) }]);
    const filled = order.filled_qty < order.qty ? ` (${order.filled_qty} of ${order.qty} filled${final ? `, ${order.status}` : ' so far'})` : '';
    const already = booked.booked ? '' : final ? ' (nothing new to book)' : ' (fill was already booked)';
    chain.event('fill_booked', `Ledger ${plan.symbol} now ${booked.ledger_amt}${filled}${already}`, { ...booked, cum_qty: order.filled_qty });
    return booked;
  };

  /**
   * One look-up of a placed order that is not final. A refusal by the exchange (-1021, -2015, …) does not end
   * the plan: the order may still fill, so the plan keeps its turn and keeps looking (backing off as
   * usual) until the look-up is answered. Before FOLLOW_UPS_SURVIVE_REFUSALS_PATCH the refusal failed the plan.
   */
  const followUpLookup = async (order: PlacedOrder, look: number): Promise<PlacedOrder | null | 'refused'> => {
    try {
      return await durableActivities.lookupOrder.executeWithOptions(
        { ...durableOptions, summary: `Lookup order ${order.client_order_id} until it is final (${look})` },
        [{ symbol: plan.symbol, clientOrderId: order.client_order_id }],
      );
    } catch (err) {
      if (!(err instanceof ActivityFailure) || !patched(FOLLOW_UPS_SURVIVE_REFUSALS_PATCH)) throw err;
      followUpRefusals += 1;
      chain.settleLookupFailed();
      const reason = err.cause?.message ?? err.message;
      if (followUpRefusals === 1 || followUpRefusals % SETTLE_FAILURE_EVENT_EVERY === 0) {
        chain.event('order_lookup_failed', `Lookup of ${order.client_order_id} refused (${followUpRefusals}×): ${reason}; the order may still fill, so the plan keeps following it`, { failures: followUpRefusals });
      }
      lastRefusal = `its look-up is refused (${followUpRefusals}×): ${reason}; the symbol's next plan waits until the order is final`;
      return 'refused';
    }
  };
  let followUpRefusals = 0;
  let lastRefusal: string | null = null;

  /** Books what the order has filled, then follows it until it is final, booking each new cumulative quantity. */
  const bookCumulative = async (placed: PlacedOrder): Promise<ChainState> => {
    let order = placed;
    chain.state.order = order;
    if (chain.state.permits.governor) chain.state.permits.governor.consumed = true;
    chain.event('order_placed', `Order ${order.client_order_id} ${order.side} ${order.filled_qty}/${order.qty} @ ${order.avg_price}: ${order.status}`, { exchange_order_id: order.exchange_order_id, found_by_lookup: order.found_by_lookup });
    let bookedQty = 0;
    let ledger: number | null = null;
    let finalRecorded = false;
    const bookNew = async (): Promise<void> => {
      // Under SYMBOL_TURNS_PATCH a final order is reported once, even with nothing new to book.
      const final = turnsOn && !finalRecorded && FINAL_ORDER_STATUSES.includes(order.status);
      if (order.filled_qty <= bookedQty && !final) return;
      ledger = (await bookFilled(order, final)).ledger_amt;
      bookedQty = Math.max(bookedQty, order.filled_qty);
      finalRecorded ||= final;
    };
    await bookNew();
    let delay = ORDER_FOLLOW_UP_MS;
    for (let look = 1; !FINAL_ORDER_STATUSES.includes(order.status); look++) {
      const refused = lastRefusal === null ? '' : `; ${lastRefusal}`;
      chain.stage('booking', `Order ${order.client_order_id} is ${order.status}: ${order.filled_qty} of ${order.qty} filled and booked${refused}; looking again in ${delay / 1000} s`);
      await sleep(delay, { summary: `Order ${order.client_order_id} is ${order.status} (${order.filled_qty}/${order.qty}): looking again` });
      delay = Math.min(delay * 2, MAX_ORDER_FOLLOW_UP_MS);
      const seen = await followUpLookup(order, look);
      if (seen === 'refused') continue;
      lastRefusal = null;
      if (seen === null) continue; // a lagging read: the order was placed, keep looking
      if (seen.status !== order.status || seen.filled_qty !== order.filled_qty) {
        chain.event('order_update', `Order ${seen.client_order_id} ${seen.side} ${seen.filled_qty}/${seen.qty} @ ${seen.avg_price}: ${seen.status}`, { exchange_order_id: seen.exchange_order_id });
      }
      order = seen;
      chain.state.order = order;
      await bookNew();
    }
    if (order.filled_qty <= 0) return chain.finish('FAILED', `order_not_filled_${order.status.toLowerCase()}`, `Order ${order.client_order_id} ended ${order.status} with nothing filled`);
    return chain.finish('EXECUTED', null, `Executed: ${order.side} ${order.filled_qty} ${plan.symbol} @ ${order.avg_price}; ledger ${ledger}`);
  };

  const book = async (placed: PlacedOrder): Promise<ChainState> => {
    chain.markDecided();
    if (patched(CUMULATIVE_FILLS_PATCH)) return bookCumulative(placed);
    const order = FINAL_ORDER_STATUSES.includes(placed.status) ? placed : await untilFinal(placed);
    chain.state.order = order;
    if (chain.state.permits.governor) chain.state.permits.governor.consumed = true;
    chain.event('order_placed', `Order ${order.client_order_id} ${order.side} ${order.filled_qty}/${order.qty} @ ${order.avg_price}: ${order.status}`, { exchange_order_id: order.exchange_order_id, found_by_lookup: order.found_by_lookup });
    if (order.filled_qty <= 0) return chain.finish('FAILED', `order_not_filled_${order.status.toLowerCase()}`, `Order ${order.client_order_id} ended ${order.status} with nothing filled`);
    chain.stage('booking');
    const bookOptions = { ...durableOptions, summary: `Book fill ${order.side} ${order.filled_qty} ${plan.symbol} (order ${order.exchange_order_id})` };
    const booking = patched(LOCAL_STEPS_PATCH) ? localDurableActivities : durableActivities;
    const booked = await booking.bookFill.executeWithOptions(bookOptions, [{ plan, order }]);
    chain.event('fill_booked', `Ledger ${plan.symbol} now ${booked.ledger_amt}${booked.booked ? '' : ' (fill was already booked)'}`, { ...booked });
    if (!FINAL_ORDER_STATUSES.includes(order.status)) {
      return chain.finish('FAILED', 'order_not_final', `Order ${order.client_order_id} still ${order.status} after ${MAX_ORDER_FOLLOW_UPS} look-ups; ${order.filled_qty} booked so far, reconcile the rest`);
    }
    return chain.finish('EXECUTED', null, `Executed: ${order.side} ${order.filled_qty} ${plan.symbol} @ ${order.avg_price}; ledger ${booked.ledger_amt}`);
  };

  // Fast paths skip awaits that would do nothing: the SDK records a stack trace for every promise a
  // workflow creates (for its stack-trace query), which is a large share of a workflow task's CPU.
  /** A pause holds the plan: its symbol's turn goes to the next plan meanwhile (it queues again after). */
  const releaseTurnForPause = async (): Promise<void> => {
    if (turnsOn) await turn.release('held by a pause');
  };

  const runChain = async (): Promise<ChainState> => {
    turnsOn = patched(SYMBOL_TURNS_PATCH);
    let expiries = 0;
    let reconciles = 0;
    while (expiries < policy.maxPermitRounds) {
      if (pauses.size > 0) {
        await releaseTurnForPause();
        await holdWhilePaused();
      }
      const resumesBefore = resumeCount;
      if (turnsOn) await turn.take();
      const permits = await acquirePermits();
      const { governor, p33 } = permits;
      if (!governor.granted && governor.reason === 'trading_paused') {
        await releaseTurnForPause();
        await holdWhileTradingPaused(resumesBefore); // a pause is not a failed attempt: the plan waits, then asks again
        continue;
      }
      if (!governor.granted) return chain.finish('DENIED', governor.reason, describeGovernor(governor));
      if (!p33.allow) {
        if (reconciles >= policy.maxReconciles) return chain.finish('DENIED', p33.reason, describeP33(p33));
        chain.stage('awaiting_reconcile', `${describeP33(p33)}\n\nRun \`permitctl reconcile ${plan.symbol}\` within ${policy.reconcileWaitSeconds} s`);
        if (reconcileAnswersDenial) awaitingReconcileFor = p33;
        const signalled = await condition(() => reconcileRequests.length > 0, `${policy.reconcileWaitSeconds}s`, {
          summary: `${describeP33(p33)} · awaiting reconcile (up to ${policy.reconcileWaitSeconds} s)`,
        });
        awaitingReconcileFor = null;
        if (!signalled) return chain.finish('DENIED', p33.reason, `${describeP33(p33)}; no reconcile within ${policy.reconcileWaitSeconds} s`);
        reconciles += 1;
        await reconcile(reconcileRequests.splice(0)[0]!, reconciles);
        continue;
      }
      if (pauses.size > 0) {
        await releaseTurnForPause();
        await holdWhilePaused();
        chain.event('permits_released', 'Held by a pause: permits are acquired again after resume');
        continue;
      }
      // Once an order may reach the exchange, a cancel must not cut the chain before the fill is booked.
      const attempt = await CancellationScope.nonCancellable(() => placeOrder(permits));
      if (attempt.kind === 'placed') return CancellationScope.nonCancellable(() => book(attempt.order));
      if (attempt.kind === 'rejected') return chain.finish('FAILED', attempt.reason, `Exchange refused the order: ${attempt.reason}; ${nothingExecuted()}`);
      if (attempt.kind === 'paused') {
        chain.event('order_held', `Trading was paused as the order was about to be sent; ${nothingExecuted()}`);
        await releaseTurnForPause();
        await holdWhileTradingPaused(resumesBefore);
        continue;
      }
      expiries += 1;
      chain.event('permits_expired', `Permits expired before an order executed (${expiries} of ${policy.maxPermitRounds}); ${nothingExecuted()}`);
    }
    return chain.finish('EXPIRED', 'permits_expired', `Permits expired ${policy.maxPermitRounds} times before an order executed; ${nothingExecuted()}`);
  };

  const outcome = async (): Promise<ChainState> => {
    try {
      const result = await runChain();
      // A cancel that arrived during the order step must not undo the outcome the chain reached.
      if (!allHandlersFinished()) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
      return result;
    } catch (err) {
      if (chain.state.state !== 'RUNNING') return chain.state; // already decided; never overwrite an outcome
      if (isCancellation(err)) {
        return CancellationScope.nonCancellable(async () => chain.finish('CANCELLED', 'cancelled_by_operator', 'Cancelled by an operator before an order was sent'));
      }
      if (err instanceof ActivityFailure) {
        // Only permit checks and ledger syncs can give up (order steps look up and book until they succeed):
        // no order was sent, and the plan ends with the reason rather than in an unknown state.
        const reason = err.cause?.message ?? err.message;
        return chain.finish('FAILED', `${err.activityType}_failed`, `${err.activityType} gave up: ${reason}; nothing sent`);
      }
      throw err;
    }
  };

  const ended = await outcome();
  // The order is final and booked, or there is none: the next plan of the symbol may size now.
  await CancellationScope.nonCancellable(() => turn.release(`plan ended ${ended.state}`));
  return ended;
}

const MAX_PAUSE_POLL_SECONDS = 600;
const DEFAULT_TURN_CHECK_SECONDS = 30;
const ORDER_FOLLOW_UP_MS = 1_000;
const MIN_SETTLE_WAIT_MS = 100;
const MAX_SETTLE_RETRY_MS = 60_000;
const SETTLE_FAILURE_EVENT_EVERY = 10;
/** domain/order-protocol's FINAL_ORDER_STATUSES: the bundle takes only describe, failures and plan-ids from domain. */
const FINAL_ORDER_STATUSES = ['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'];
const MAX_ORDER_FOLLOW_UPS = 30;
const MAX_ORDER_FOLLOW_UP_MS = 60_000;
