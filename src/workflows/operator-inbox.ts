// What operators have told a plan by signal: pauses (by scope), resumes, and reconcile requests. The plan
// workflow's steps read it; the handlers only record (no commands), so they may run at any time.
import { setHandler } from '@temporalio/workflow';
import type { AnsweredDenial, OperatorAction } from '../domain/chain.js';
import type { PositionPermit } from '../domain/permits.js';
import { GLOBAL_SCOPE, planScope, scopeOfSignal, type TradingScope } from '../domain/trading-scope.js';
import type { ChainRecorder } from './chain-recorder.js';
import { pauseSignal, reconcileSignal, resumeSignal } from './contract.js';

/** An operator's reconcile, with the position-check denial it answers (null for plans predating RECONCILE_ANSWERS_DENIAL). */
export type ReconcileRequest = OperatorAction & { answers: AnsweredDenial | null };

export class OperatorInbox {
  /** Pauses in force, by scope: the plan's own, its symbol's or all trading. */
  readonly pauses = new Map<TradingScope, OperatorAction>();
  /** Resume signals seen so far: a wait that began before one ends. */
  resumes = 0;
  /** The position-check denial the plan waits on a reconcile for, while it waits (RECONCILE_ANSWERS_DENIAL). */
  awaitingReconcileFor: PositionPermit | null = null;
  readonly #reconcileRequests: ReconcileRequest[] = [];
  readonly #ownScope: TradingScope;

  /** `reconcileAnswersDenial`: patches.RECONCILE_ANSWERS_DENIAL is in force for this plan. */
  constructor(
    private readonly chain: ChainRecorder,
    private readonly reconcileAnswersDenial: boolean,
  ) {
    this.#ownScope = planScope(chain.state.plan_id);
    setHandler(pauseSignal, ({ scope, who, why }) => this.paused(scope, { who, why }));
    setHandler(resumeSignal, ({ scope, who, why }) => this.resumed(scope, { who, why }));
    setHandler(reconcileSignal, (action) => this.reconcileAsked(action));
  }

  get anyPause(): boolean {
    return this.pauses.size > 0;
  }

  /** Only the plan's own pause holds it: nothing in the store can lift that one. */
  get onlyOwnPause(): boolean {
    return this.pauses.size === 1 && this.pauses.has(this.#ownScope);
  }

  get ownPause(): boolean {
    return this.pauses.has(this.#ownScope);
  }

  /** Forgets every pause but the plan's own (a global resume, or the store found running again). */
  liftSharedPauses(): void {
    [...this.pauses.keys()].filter((s) => s !== this.#ownScope).forEach((s) => this.pauses.delete(s));
  }

  get hasReconcileRequest(): boolean {
    return this.#reconcileRequests.length > 0;
  }

  /** The reconcile to carry out now; any later request is dropped (plans predating RECONCILE_ANSWERS_DENIAL kept several). */
  takeReconcile(): ReconcileRequest {
    return this.#reconcileRequests.splice(0)[0]!;
  }

  /** Why a reconcile does not fit now, or null: it answers the position-check denial the plan waits on. */
  reconcileRefusal(): string | null {
    const denial = this.awaitingReconcileFor;
    if (denial !== null && this.#reconcileRequests.length === 0) return null;
    // During the answering sync the stage still reads awaiting_reconcile, but the denial is spoken for.
    const stage = this.chain.state.stage;
    const answered = denial !== null || stage === 'awaiting_reconcile';
    return answered ? 'its denial is already answered by an earlier reconcile' : `the plan is not awaiting a reconcile (stage ${stage})`;
  }

  /**
   * A reconcile that fits (reconcileRefusal is null): it will answer the denial the plan waits on. Plans
   * predating RECONCILE_ANSWERS_DENIAL keep it, answering no denial in particular.
   */
  requestReconcile({ who, why }: OperatorAction): void {
    const denial = this.awaitingReconcileFor;
    if (denial === null) {
      this.#reconcileRequests.push({ who, why, answers: null });
      return;
    }
    const { exchange_amt, ledger_amt, diff, tolerance } = denial.context;
    this.#reconcileRequests.push({ who, why, answers: { permit_id: denial.permit_id, exchange_amt, ledger_amt, diff, tolerance } });
  }

  /** Why a resume of the plan's own pause does not fit now, or null. */
  resumeRefusal(): string | null {
    if (this.ownPause) return null;
    const shared = [...this.pauses.keys()];
    return `the plan is not paused by its own pause (stage ${this.chain.state.stage})${shared.length > 0 ? `; it is held by ${shared.join(', ')}: resume that scope` : ''}`;
  }

  /** The plan's own pause (a Workflow Update): it holds before its order step until its own resume. */
  pauseOwn(by: OperatorAction): void {
    this.pauses.set(this.#ownScope, by);
  }

  resumeOwn(): void {
    this.pauses.delete(this.#ownScope);
    this.resumes += 1;
  }

  private paused(wireScope: string, by: OperatorAction): void {
    const scope = scopeOfSignal(wireScope, this.chain.state.plan_id);
    this.pauses.set(scope, by);
    this.chain.event('signal_pause', `Paused (${scope}) by ${by.who}: ${by.why}`, { scope, ...by });
  }

  private resumed(wireScope: string, by: OperatorAction): void {
    const scope = scopeOfSignal(wireScope, this.chain.state.plan_id);
    // A resume that lifts nothing still wakes a held plan to read the store again (as it always did).
    const lifts = scope === GLOBAL_SCOPE ? [...this.pauses.keys()].some((s) => s !== this.#ownScope) : this.pauses.has(scope);
    if (scope === GLOBAL_SCOPE) this.liftSharedPauses();
    else this.pauses.delete(scope);
    this.resumes += 1;
    this.chain.event('signal_resume', `Resumed (${scope}) by ${by.who}: ${by.why}`, { scope, ...by });
    if (!lifts) this.chain.event('resume_not_applied', `Resume (${scope}) by ${by.who} lifted no pause the plan was told of (stage ${this.chain.state.stage}); it re-reads the trading state if held`, { scope, ...by });
  }

  private reconcileAsked({ who, why }: OperatorAction): void {
    this.chain.event('signal_reconcile', `Reconcile requested by ${who}: ${why}`, { who, why });
    if (!this.reconcileAnswersDenial) {
      this.#reconcileRequests.push({ who, why, answers: null });
      return;
    }
    const refusal = this.reconcileRefusal();
    if (refusal !== null) {
      this.chain.event('reconcile_not_applied', `Reconcile by ${who} not applied: ${refusal}; the ledger is unchanged`, { who, why, stage: this.chain.state.stage, reason: refusal });
      return;
    }
    this.requestReconcile({ who, why });
  }
}
