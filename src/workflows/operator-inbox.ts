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

  private paused(wireScope: string, by: OperatorAction): void {
    const scope = scopeOfSignal(wireScope, this.chain.state.plan_id);
    this.pauses.set(scope, by);
    this.chain.event('signal_pause', `Paused (${scope}) by ${by.who}: ${by.why}`, { scope, ...by });
  }

  private resumed(wireScope: string, by: OperatorAction): void {
    const scope = scopeOfSignal(wireScope, this.chain.state.plan_id);
    if (scope === GLOBAL_SCOPE) this.liftSharedPauses();
    else this.pauses.delete(scope);
    this.resumes += 1;
    this.chain.event('signal_resume', `Resumed (${scope}) by ${by.who}: ${by.why}`, { scope, ...by });
  }

  private reconcileAsked({ who, why }: OperatorAction): void {
    this.chain.event('signal_reconcile', `Reconcile requested by ${who}: ${why}`, { who, why });
    if (!this.reconcileAnswersDenial) {
      this.#reconcileRequests.push({ who, why, answers: null });
      return;
    }
    const denial = this.awaitingReconcileFor;
    if (denial === null || this.#reconcileRequests.length > 0) {
      // During the answering sync the stage still reads awaiting_reconcile, but the denial is spoken for.
      const stage = this.chain.state.stage;
      const answered = denial !== null || stage === 'awaiting_reconcile';
      const reason = answered ? 'its denial is already answered by an earlier reconcile' : `the plan is not awaiting a reconcile (stage ${stage})`;
      this.chain.event('reconcile_not_applied', `Reconcile by ${who} not applied: ${reason}; the ledger is unchanged`, { who, why, stage, reason });
      return;
    }
    const { exchange_amt, ledger_amt, diff, tolerance } = denial.context;
    this.#reconcileRequests.push({ who, why, answers: { permit_id: denial.permit_id, exchange_amt, ledger_amt, diff, tolerance } });
  }
}
