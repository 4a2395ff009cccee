// The permit chain of one EXECUTE plan: governor and position-check permits, TTL enforced by the
// workflow, a reduce-only order sent at most once, its fills booked by cumulative executed quantity until it
// is final. Deterministic code only: one named method per step, the way reference-app-orders-go's orderImpl
// reads, and the steps of plans that predate a patch in ./legacy-steps.ts.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { BookedFill, LedgerSyncResult, PlacedOrder, PlanActivities } from '../activities/contract.js';
import type { ChainPolicy } from '../domain/chain-policy.js';
import type { ChainState } from '../domain/chain.js';
import { compareDecimals, maxDecimal, sameDecimal, type RecordedDecimal } from '../domain/decimal-order.js';
import { describeGovernor, describePositionCheck } from '../domain/describe.js';
import { FailureTypes } from '../domain/failures.js';
import type { GovernorPermit, PositionPermit } from '../domain/permits.js';
import type { Plan } from '../domain/plan.js';
import { clientOrderIdForPlan } from '../domain/plan-ids.js';
import { ChainRecorder } from './chain-recorder.js';
import { chainStateQuery, type PlanWorkflowInput } from './contract.js';
import { bookWhenFinal, lookUpAfterUnclearStep } from './legacy-steps.js';
import { registerOperatorCommands, type Ending, type PlanControl } from './operator-commands.js';
import { OperatorInbox, type ReconcileRequest } from './operator-inbox.js';
import { FINAL_ORDER_STATUSES, MAX_ORDER_FOLLOW_UP_MS, ORDER_FOLLOW_UP_MS, type OrderAttempt } from './order-attempt.js';
import * as Patches from './patches.js';
import {
  durableActivities,
  durableOptions,
  localDurableActivities,
  localPermitActivities,
  orderStepOptions,
  permitActivities,
  permitOptions,
} from './step-options.js';
import { SymbolTurnKeeper } from './symbol-turn.js';

export async function planWorkflow(input: PlanWorkflowInput): Promise<ChainState> {
  return new PlanChain(input).run();
}

interface PermitPair {
  governor: GovernorPermit;
  position: PositionPermit;
}

/**
 * What holds a plan: a pause it was told of by signal (its own, its symbol's or all trading), or trading
 * paused in the store, found by the governor or the order step (`resumesSeen`: resumes before it was found).
 */
type Hold = { by: 'signal' } | { by: 'store'; resumesSeen: number };

/** How a wait for a resume ended: trading runs again, or the store says it is halted (the plan is denied). */
type HoldEnd = { resumed: true } | { resumed: false; scope: string | null; reason: string | null };

/** How far a plan's order is booked: cumulative quantity, the ledger after, and whether its final state is recorded. */
interface BookingProgress {
  bookedQty: RecordedDecimal;
  ledger: RecordedDecimal | null;
  finalRecorded: boolean;
}

class PlanChain implements PlanControl {
  readonly plan: Plan;
  private readonly policy: ChainPolicy;
  readonly chain: ChainRecorder;
  private readonly turn: SymbolTurnKeeper;
  readonly inbox: OperatorInbox;
  /** patches.RECONCILE_ANSWERS_DENIAL, decided before any signal is handled. */
  readonly reconcileAnswersDenial: boolean;
  /** The permit rounds run in this scope: a cancel or halt by an operator cancels it (never the order step). */
  readonly #chainScope = new CancellationScope();
  #ending: Ending | null = null;
  #orderStepUnderway = false;
  #orderPlaced = false;
  readonly #syncs: LedgerSyncResult[] = [];
  /** patches.SYMBOL_TURNS, decided once at the start of the chain. */
  private turnsOn = false;
  private acquisitions = 0;
  /** Order requests of this plan known not to have executed (refused, or not found after their window). */
  private attemptsSettled = 0;
  private followUpRefusals = 0;
  private lastRefusal: string | null = null;

  constructor(input: PlanWorkflowInput) {
    this.plan = input.plan;
    this.policy = input.policy;
    this.chain = new ChainRecorder(input.plan, input.acceptedAt);
    this.reconcileAnswersDenial = patched(Patches.RECONCILE_ANSWERS_DENIAL);
    this.turn = new SymbolTurnKeeper(input.plan, this.chain, localDurableActivities, durableOptions, input.policy.turnCheckSeconds ?? DEFAULT_TURN_CHECK_SECONDS);
    setHandler(chainStateQuery, () => this.chain.state);
    this.inbox = new OperatorInbox(this.chain, this.reconcileAnswersDenial);
    registerOperatorCommands(this);
  }

  get orderStepUnderway(): boolean {
    return this.#orderStepUnderway;
  }

  get orderPlaced(): boolean {
    return this.#orderPlaced;
  }

  get ending(): Ending | null {
    return this.#ending;
  }

  get syncs(): readonly LedgerSyncResult[] {
    return this.#syncs;
  }

  end(ending: Ending): void {
    this.#ending = ending;
    this.#chainScope.cancel();
  }

  async run(): Promise<ChainState> {
    const ended = await this.outcome();
    // The order is final and booked, or there is none: the next plan of the symbol may size now.
    await CancellationScope.nonCancellable(() => this.turn.release(`plan ended ${ended.state}`));
    return ended;
  }

  /** The chain's outcome, never "unknown": a cancel or a permit step that gave up ends it with a named reason. */
  private async outcome(): Promise<ChainState> {
    try {
      const result = await this.#chainScope.run(() => this.runChain());
      // A cancel that arrived during the order step must not undo the outcome the chain reached.
      if (!allHandlersFinished()) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
      return result;
    } catch (err) {
      if (this.chain.state.state !== 'RUNNING') return this.chain.state; // already decided; never overwrite an outcome
      if (isCancellation(err)) {
        // Asked for by a command (cancel, halt), or Temporal's own cancellation of the workflow.
        const ending = this.#ending ?? { outcome: 'CANCELLED', reason: 'cancelled_by_operator', summary: 'Cancelled by an operator before an order was sent' };
        return CancellationScope.nonCancellable(async () => this.chain.finish(ending.outcome, ending.reason, ending.summary));
      }
      if (err instanceof ActivityFailure) {
        // Only permit checks and ledger syncs can give up (order steps look up and book until they succeed):
        // no order was sent, and the plan ends with the reason rather than in an unknown state.
        const reason = err.cause?.message ?? err.message;
        return this.chain.finish('FAILED', `${err.activityType}_failed`, `${err.activityType} gave up: ${reason}; nothing sent`);
      }
      throw err;
    }
  }

  /** Permit rounds until an order is placed and booked, the plan is refused, or its rounds run out. */
  private async runChain(): Promise<ChainState> {
    this.turnsOn = patched(Patches.SYMBOL_TURNS);
    let expiries = 0;
    let reconciles = 0;
    while (expiries < this.policy.maxPermitRounds) {
      if (this.inbox.anyPause) {
        const held = await this.waitForResume({ by: 'signal' });
        if (!held.resumed) return this.haltedWhileHeld(held);
      }
      const resumesBefore = this.inbox.resumes;
      if (this.turnsOn) await this.turn.take();
      const permits = await this.acquirePermits();
      const { governor, position } = permits;
      if (!governor.granted && governor.reason === 'trading_paused') {
        // A pause is not a failed attempt: the plan waits, then asks again.
        const held = await this.waitForResume({ by: 'store', resumesSeen: resumesBefore });
        if (!held.resumed) return this.haltedWhileHeld(held);
        continue;
      }
      if (!governor.granted) return this.chain.finish('DENIED', governor.reason, describeGovernor(governor));
      if (!position.allow) {
        if (reconciles >= this.policy.maxReconciles) return this.chain.finish('DENIED', position.reason, describePositionCheck(position));
        if (!(await this.awaitReconcile(position, reconciles + 1))) {
          return this.chain.finish('DENIED', position.reason, `${describePositionCheck(position)}; no reconcile within ${this.policy.reconcileWaitSeconds} s`);
        }
        reconciles += 1;
        continue;
      }
      if (this.inbox.anyPause) {
        const held = await this.waitForResume({ by: 'signal' });
        if (!held.resumed) return this.haltedWhileHeld(held);
        this.chain.event('permits_released', 'Held by a pause: permits are acquired again after resume');
        continue;
      }
      // Once an order may reach the exchange, a cancel must not cut the chain before the fill is booked.
      // A cancel or halt asked for in this very workflow task has not met an await of the chain yet.
      if (this.#ending !== null) throw new CancelledFailure(`ended by an operator (${this.#ending.reason}) before its order step`);
      this.#orderStepUnderway = true;
      const attempt = await CancellationScope.nonCancellable(() => this.placeOrder(permits));
      this.#orderPlaced = attempt.kind === 'placed';
      this.#orderStepUnderway = false;
      if (attempt.kind === 'placed') return CancellationScope.nonCancellable(() => this.book(attempt.order));
      if (attempt.kind === 'halted') return this.chain.finish('DENIED', 'trading_halted', `Trading was halted as the order was about to be sent; ${this.nothingExecuted()}`);
      if (attempt.kind === 'rejected') return this.chain.finish('FAILED', attempt.reason, `Exchange refused the order: ${attempt.reason}; ${this.nothingExecuted()}`);
      if (attempt.kind === 'paused') {
        this.chain.event('order_held', `Trading was paused as the order was about to be sent; ${this.nothingExecuted()}`);
        const held = await this.waitForResume({ by: 'store', resumesSeen: resumesBefore });
        if (!held.resumed) return this.haltedWhileHeld(held);
        continue;
      }
      expiries += 1;
      this.chain.event('permits_expired', `Permits expired before an order executed (${expiries} of ${this.policy.maxPermitRounds}); ${this.nothingExecuted()}`);
    }
    return this.chain.finish('EXPIRED', 'permits_expired', `Permits expired ${this.policy.maxPermitRounds} times before an order executed; ${this.nothingExecuted()}`);
  }

  /** Trading was found halted while the plan was held: it ends DENIED, nothing of it on its way. */
  private haltedWhileHeld(held: Extract<HoldEnd, { resumed: false }>): ChainState {
    return this.chain.finish('DENIED', 'trading_halted', `Trading halted (${held.scope ?? 'global'}): ${held.reason ?? 'no reason given'}; ${this.nothingExecuted()}`);
  }

  /** Step 1: the governor's permit and the position check's, side by side (one round of the chain). */
  private async acquirePermits(): Promise<PermitPair> {
    this.chain.stage('governor');
    const sequence = ++this.acquisitions;
    const request = [{ plan: this.plan, sequence }] as const;
    const governorSummary = `Governor (P3.2): permit for ${this.plan.action} ${this.plan.symbol} (#${sequence})`;
    const positionSummary = `Position check (P3.3): exchange vs ledger for ${this.plan.symbol} (#${sequence})`;
    const steps = patched(Patches.LOCAL_STEPS) ? localPermitActivities : permitActivities;
    const [governor, position] = await Promise.all([
      steps.issueGovernorPermit.executeWithOptions({ ...permitOptions, summary: governorSummary }, [...request]),
      steps.checkPositionState.executeWithOptions({ ...permitOptions, summary: positionSummary }, [...request]),
    ]);
    this.chain.state.permits = { governor, p33: position };
    this.chain.event('governor_permit', describeGovernor(governor), { permit_id: governor.permit_id, granted: governor.granted, reason: governor.reason, ttl_seconds: governor.ttl_seconds, expires_at: governor.expires_at });
    this.chain.event('p33_permit', describePositionCheck(position), { permit_id: position.permit_id, allow: position.allow, reason: position.reason, ttl_seconds: position.ttl_seconds, expires_at: position.expires_at });
    this.chain.stage('position_check');
    return { governor, position };
  }

  /**
   * Step 2, after a position-check denial: wait (up to reconcileWaitSeconds) for an operator's reconcile, then
   * sync the ledger to the exchange, recording the denial it answers. False when no reconcile came.
   */
  private async awaitReconcile(denial: PositionPermit, reconcileNo: number): Promise<boolean> {
    const wait = this.policy.reconcileWaitSeconds;
    const command = `permitctl reconcile ${this.plan.symbol} --reason "<why the exchange is right>"`;
    const until = new Date(Date.now() + wait * 1000).toISOString();
    this.chain.awaitOperator({ for: 'reconcile', until, command }, denial.reason);
    this.chain.stage('awaiting_reconcile', `${describePositionCheck(denial)}\n\nRun \`${command}\` before ${until} (within ${wait} s)`);
    if (this.reconcileAnswersDenial) this.inbox.awaitingReconcileFor = denial;
    const asked = await condition(() => this.inbox.hasReconcileRequest, `${wait}s`, {
      summary: `${describePositionCheck(denial)} · awaiting reconcile (up to ${wait} s)`,
    });
    this.inbox.awaitingReconcileFor = null;
    this.chain.awaitOperator(null, null);
    if (!asked) return false;
    const request = this.inbox.takeReconcile();
    if (patched(Patches.RECONCILE_SYNC_COMPLETES)) await CancellationScope.nonCancellable(() => this.syncLedger(request, reconcileNo));
    else await this.syncLedger(request, reconcileNo);
    return true;
  }

  private async syncLedger(request: ReconcileRequest, reconcileNo: number): Promise<void> {
    const { answers } = request;
    const answering = answers === null ? '' : ` answering P3.3 permit ${answers.permit_id} (exchange ${answers.exchange_amt} vs ledger ${answers.ledger_amt})`;
    const result = await durableActivities.syncLedger.executeWithOptions(
      { ...durableOptions, summary: `Ledger sync for ${this.plan.symbol} by ${request.who}${answering}: ${request.why}` },
      [{ symbol: this.plan.symbol, who: request.who, why: request.why, planId: this.plan.plan_id, command: 'reconcile-signal', idempotencyKey: `${this.chain.state.workflow_id}:reconcile:${reconcileNo}`, ...(answers === null ? {} : { answers }) }],
    );
    this.#syncs.push(result);
    this.chain.event('ledger_sync', `Ledger ${this.plan.symbol}: ${result.before} → ${result.after} (exchange ${result.exchange_amt}) by ${request.who}${answering}`, { ...result, who: request.who, why: request.why, ...(answers === null ? {} : { answers }) });
  }

  /** Step 3: the reduce-only order, only while both permits are valid; an unclear ending is settled first. */
  private async placeOrder({ governor, position }: PermitPair): Promise<OrderAttempt> {
    const deadline = Math.min(Date.parse(governor.expires_at), Date.parse(position.expires_at));
    const protocol = patched(Patches.ORDER_ATTEMPTS);
    // Workflow time is when this task began; the permit steps (local activities) ran after it, so the
    // window counts from the latest moment known to have passed.
    const knownNow = protocol ? Math.max(Date.now(), Date.parse(governor.created_at), Date.parse(position.created_at)) : Date.now();
    const windowMs = deadline - knownNow;
    if (windowMs < this.policy.minOrderWindowMs) return { kind: 'expired' };
    this.chain.stage('placing', `Order window ${windowMs} ms (earliest permit expiry ${governor.expires_at < position.expires_at ? governor.expires_at : position.expires_at})`);
    const legacyClientOrderId = protocol ? undefined : clientOrderIdForPlan(this.plan.plan_id);
    const summary = `Order: reduce-only MARKET ${governor.side} ${governor.computed_qty} ${this.plan.symbol} · notional ${governor.computed_notional} · permits valid ${windowMs} ms more`;
    try {
      const order = await proxyActivities<PlanActivities>(orderStepOptions(windowMs, this.policy, summary)).placeOrder({
        plan: this.plan,
        governorPermitId: governor.permit_id,
        positionPermitId: position.permit_id,
        side: governor.side!,
        qty: governor.computed_qty,
        ...(legacyClientOrderId ? { clientOrderId: legacyClientOrderId } : {}),
        deadline,
      });
      return { kind: 'placed', order };
    } catch (err) {
      if (legacyClientOrderId !== undefined) {
        if (isCancellation(err)) throw err;
        return lookUpAfterUnclearStep(this.chain, this.plan, err, legacyClientOrderId);
      }
      return this.settleUnclearOrder(err, [governor.permit_id, position.permit_id]);
    }
  }

  /**
   * Step 3b: whatever ended the order step, no attempt of the plan may still be on its way. The round's
   * permits are revoked and every attempt settled (found, or known not executed) before the step's failure
   * is believed (docs/order-protocol.md).
   */
  private async settleUnclearOrder(err: unknown, roundPermitIds: string[]): Promise<OrderAttempt> {
    if (isCancellation(err)) throw err;
    const failure = this.orderStepFailure(err);
    const found = await this.settleAttempts(roundPermitIds);
    if (found !== null) return { kind: 'placed', order: found };
    if (failure.unclear) this.chain.event('order_lookup', 'Every order attempt of the plan is settled: none executed', { found: false });
    return failure.attempt;
  }

  /** What a failed order step means, if it is believed: refused, expired, paused, or unclear (settle first). */
  private orderStepFailure(err: unknown): { attempt: OrderAttempt; unclear: boolean } {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    const typed = cause instanceof ApplicationFailure ? cause.type : null;
    if (typed === FailureTypes.exchangeRejected) return { attempt: { kind: 'rejected', reason: cause!.message }, unclear: false };
    if (typed === FailureTypes.clockSkew) {
      this.chain.event('clock_skew', cause!.message);
      return { attempt: { kind: 'expired' }, unclear: false };
    }
    if (typed === FailureTypes.tradingPaused) return { attempt: { kind: 'paused' }, unclear: false };
    if (typed === FailureTypes.tradingHalted) return { attempt: { kind: 'halted' }, unclear: false };
    if (typed === FailureTypes.permitExpired) return { attempt: { kind: 'expired' }, unclear: false };
    const why = cause instanceof TimeoutFailure ? `timeout (${cause.timeoutType})` : cause?.message ?? String(err);
    this.chain.event('order_unclear', `Order step ended: ${why}; settling the plan's order attempts before anything else`);
    return { attempt: { kind: 'expired' }, unclear: true };
  }

  /** Looks each open attempt up once its window (plus skew and settle bounds) has passed; waits on timers meanwhile. */
  private async settleAttempts(revokePermitIds: string[]): Promise<PlacedOrder | null> {
    let failures = 0;
    for (;;) {
      // The round's permits are revoked first: no sender still on its way can begin an attempt with them.
      const result = await durableActivities.settleOrderAttempts.executeWithOptions(
        { ...durableOptions, summary: `Settle the order attempts of plan ${this.plan.plan_id}` },
        [{ plan: this.plan, revokePermitIds }],
      );
      if (result.kind === 'found') {
        this.chain.event('order_lookup', `Found ${result.order.client_order_id}: ${result.order.status}`, { found: true });
        return result.order;
      }
      if (result.kind === 'settled') {
        this.attemptsSettled = result.attempts;
        return null;
      }
      if (result.kind === 'wait') {
        this.chain.stage('settling', `Order attempt ${result.clientOrderId} may still execute: looking it up again in ${Math.ceil(result.waitMs)} ms`);
        await sleep(Math.max(MIN_SETTLE_WAIT_MS, Math.ceil(result.waitMs)), { summary: `Attempt ${result.clientOrderId} may still execute or be hidden: look again after its window` });
        continue;
      }
      failures += 1;
      this.chain.settleLookupFailed();
      if (failures === 1 || failures % SETTLE_FAILURE_EVENT_EVERY === 0) {
        this.chain.event('settle_lookup_failed', `Lookup of ${result.clientOrderId} failed (${failures}×): ${result.error}`, { failures });
      }
      const delay = Math.min(MAX_SETTLE_RETRY_MS, 1000 * 2 ** Math.min(failures - 1, 10));
      this.chain.stage('settling', `Order attempt ${result.clientOrderId} cannot be looked up (${failures}×): ${result.error}. Retrying in ${delay / 1000} s; nothing else happens until it is settled.`);
      await sleep(delay, { summary: `Lookup of ${result.clientOrderId} failed: retry` });
    }
  }

  /** "nothing sent" only while it is true: once a request left, what is known is that none executed. */
  private nothingExecuted(): string {
    return this.attemptsSettled === 0 ? 'nothing sent' : `${this.attemptsSettled} order request(s) sent, none executed`;
  }

  /** Step 4: books what the order has filled, then follows it until it is final, booking each new cumulative quantity. */
  private async book(placed: PlacedOrder): Promise<ChainState> {
    this.chain.markDecided();
    if (!patched(Patches.CUMULATIVE_FILLS)) return bookWhenFinal(this.chain, this.plan, placed);
    let order = placed;
    this.chain.state.order = order;
    if (this.chain.state.permits.governor) this.chain.state.permits.governor.consumed = true;
    this.chain.event('order_placed', `Order ${order.client_order_id} ${order.side} ${order.filled_qty}/${order.qty} @ ${order.avg_price}: ${order.status}`, { exchange_order_id: order.exchange_order_id, found_by_lookup: order.found_by_lookup });
    const progress: BookingProgress = { bookedQty: '0', ledger: null, finalRecorded: false };
    await this.bookIncrement(order, progress);
    let delay = ORDER_FOLLOW_UP_MS;
    for (let look = 1; !FINAL_ORDER_STATUSES.includes(order.status); look++) {
      const refused = this.lastRefusal === null ? '' : `; ${this.lastRefusal}`;
      this.chain.stage('booking', `Order ${order.client_order_id} is ${order.status}: ${order.filled_qty} of ${order.qty} filled and booked${refused}; looking again in ${delay / 1000} s`);
      await sleep(delay, { summary: `Order ${order.client_order_id} is ${order.status} (${order.filled_qty}/${order.qty}): looking again` });
      delay = Math.min(delay * 2, MAX_ORDER_FOLLOW_UP_MS);
      const seen = await this.followUpLookup(order, look);
      if (seen === 'refused') continue;
      this.lastRefusal = null;
      if (seen === null) continue; // a lagging read: the order was placed, keep looking
      if (seen.status !== order.status || !sameDecimal(seen.filled_qty, order.filled_qty)) {
        this.chain.event('order_update', `Order ${seen.client_order_id} ${seen.side} ${seen.filled_qty}/${seen.qty} @ ${seen.avg_price}: ${seen.status}`, { exchange_order_id: seen.exchange_order_id });
      }
      order = seen;
      this.chain.state.order = order;
      await this.bookIncrement(order, progress);
    }
    if (compareDecimals(order.filled_qty, 0) <= 0) return this.chain.finish('FAILED', `order_not_filled_${order.status.toLowerCase()}`, `Order ${order.client_order_id} ended ${order.status} with nothing filled`);
    return this.chain.finish('EXECUTED', null, `Executed: ${order.side} ${order.filled_qty} ${this.plan.symbol} @ ${order.avg_price}; ledger ${progress.ledger}`);
  }

  /** Books the order's cumulative fill beyond what is booked; under SYMBOL_TURNS a final order is reported once, even with nothing new. */
  private async bookIncrement(order: PlacedOrder, progress: BookingProgress): Promise<void> {
    const final = this.turnsOn && !progress.finalRecorded && FINAL_ORDER_STATUSES.includes(order.status);
    if (compareDecimals(order.filled_qty, progress.bookedQty) <= 0 && !final) return;
    progress.ledger = (await this.bookFill(order, final)).ledger_amt;
    progress.bookedQty = maxDecimal(progress.bookedQty, order.filled_qty);
    progress.finalRecorded ||= final;
  }

  private async bookFill(order: PlacedOrder, final: boolean): Promise<BookedFill> {
    this.chain.stage('booking');
    const bookOptions = { ...durableOptions, summary: `Book fill ${order.side} ${order.filled_qty} ${this.plan.symbol} (cumulative, order ${order.exchange_order_id}${final ? `, ${order.status}` : ''})` };
    const booking = patched(Patches.LOCAL_STEPS) ? localDurableActivities : durableActivities;
    const booked = await booking.bookFill.executeWithOptions(bookOptions, [{ plan: this.plan, order, ...(final ? { final: true } : {}) }]);
    const filled = compareDecimals(order.filled_qty, order.qty) < 0 ? ` (${order.filled_qty} of ${order.qty} filled${final ? `, ${order.status}` : ' so far'})` : '';
    const already = booked.booked ? '' : final ? ' (nothing new to book)' : ' (fill was already booked)';
    this.chain.event('fill_booked', `Ledger ${this.plan.symbol} now ${booked.ledger_amt}${filled}${already}`, { ...booked, cum_qty: order.filled_qty });
    return booked;
  }

  /**
   * One look-up of a placed order that is not final. A refusal by the exchange (-1021, -2015, …) does not end
   * the plan: the order may still fill, so the plan keeps its turn and keeps looking (backing off as
   * usual) until the look-up is answered. Before FOLLOW_UPS_SURVIVE_REFUSALS the refusal failed the plan.
   */
  private async followUpLookup(order: PlacedOrder, look: number): Promise<PlacedOrder | null | 'refused'> {
    try {
      return await durableActivities.lookupOrder.executeWithOptions(
        { ...durableOptions, summary: `Lookup order ${order.client_order_id} until it is final (${look})` },
        [{ symbol: this.plan.symbol, clientOrderId: order.client_order_id }],
      );
    } catch (err) {
      if (!(err instanceof ActivityFailure) || !patched(Patches.FOLLOW_UPS_SURVIVE_REFUSALS)) throw err;
      this.followUpRefusals += 1;
      this.chain.settleLookupFailed();
      const reason = err.cause?.message ?? err.message;
      if (this.followUpRefusals === 1 || this.followUpRefusals % SETTLE_FAILURE_EVENT_EVERY === 0) {
        this.chain.event('order_lookup_failed', `Lookup of ${order.client_order_id} refused (${this.followUpRefusals}×): ${reason}; the order may still fill, so the plan keeps following it`, { failures: this.followUpRefusals });
      }
      this.lastRefusal = `its look-up is refused (${this.followUpRefusals}×): ${reason}; the symbol's next plan waits until the order is final`;
      return 'refused';
    }
  }

  /**
   * Held by a pause: the symbol's turn goes to the next plan meanwhile (the plan queues again after), and the
   * plan waits for a resume signal, re-reading the durable trading state now and then so that a resume
   * signal that never arrived cannot hold it for ever (a plan's own pause has nothing to re-read).
   */
  private async waitForResume(hold: Hold): Promise<HoldEnd> {
    // Skipped awaits are deliberate: the SDK records a stack trace for every promise a workflow creates.
    if (this.turnsOn) await this.turn.release('held by a pause');
    return hold.by === 'signal' ? this.holdWhilePauseSignalled() : this.holdWhileTradingPaused(hold.resumesSeen);
  }

  private async holdWhilePauseSignalled(): Promise<HoldEnd> {
    const nextDelay = backingOff(this.policy.pausePollSeconds, MAX_PAUSE_POLL_SECONDS);
    while (this.inbox.anyPause) {
      const [scope, by] = [...this.inbox.pauses.entries()][0]!;
      this.chain.stage('paused', `Held by ${by.who} (${scope}): ${by.why}`);
      const seen = this.inbox.resumes;
      if (this.inbox.onlyOwnPause) {
        await condition(() => !this.inbox.ownPause || this.inbox.pauses.size > 1);
        continue;
      }
      const delay = nextDelay();
      const resumed = await condition(() => !this.inbox.anyPause || this.inbox.resumes !== seen, `${delay}s`, { summary: `Paused (${scope}): waiting for resume, re-checking in ${delay} s` });
      if (resumed || !this.inbox.anyPause) continue;
      const status = await permitActivities.isTradingPaused({ symbol: this.plan.symbol, planId: this.plan.plan_id });
      if (status.halted === true) return { resumed: false, scope: status.scope, reason: status.reason };
      if (!status.paused) {
        this.inbox.liftSharedPauses();
        this.chain.event('pause_lifted', 'Trading is running again in the store: the pause is lifted');
      }
    }
    return { resumed: true };
  }

  private async holdWhileTradingPaused(resumesSeen: number): Promise<HoldEnd> {
    this.chain.stage('paused', 'Trading is paused; waiting for `permitctl resume`');
    const nextDelay = backingOff(this.policy.pausePollSeconds, MAX_PAUSE_POLL_SECONDS);
    let seen = resumesSeen;
    for (;;) {
      const delay = nextDelay();
      await condition(() => this.inbox.resumes !== seen, `${delay}s`, { summary: `Trading paused: waiting for resume, re-checking in ${delay} s` });
      seen = this.inbox.resumes;
      const status = await permitActivities.isTradingPaused({ symbol: this.plan.symbol, planId: this.plan.plan_id });
      if (status.halted === true) return { resumed: false, scope: status.scope, reason: status.reason };
      if (!status.paused) return { resumed: true };
    }
  }
}

/** Delays that start at `first` seconds and double up to `max`, so that a long pause keeps the history small. */
function backingOff(first: number, max: number): () => number {
  let delay = first;
  return () => {
    const current = delay;
    delay = Math.min(delay * 2, max);
    return current;
  };
}

const MAX_PAUSE_POLL_SECONDS = 600;
/** For plans whose input predates ChainPolicy.turnCheckSeconds. */
const DEFAULT_TURN_CHECK_SECONDS = 30;
const MIN_SETTLE_WAIT_MS = 100;
const MAX_SETTLE_RETRY_MS = 60_000;
const SETTLE_FAILURE_EVENT_EVERY = 10;
