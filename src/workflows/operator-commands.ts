// Operator commands a plan answers (Workflow Updates: pause, resume, reconcile, cancel, halt) and the halt
// signal. A validator refuses a command that does not fit the plan's state, saying why, before anything is
// recorded; an accepted one is recorded with who and why and answered with what the plan did.
// The durable trading state of the plan's own scope (plan:<id>) is written by the client before a pause or
// a halt (an Update reaches a plan only between workflow tasks, while the store's permit consume refuses an
// order step already under way at once), and by the resume itself before it lifts the pause.
import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import type { LedgerSyncResult } from '../activities/contract.js';
import type { OperatorAction } from '../domain/chain.js';
import type { Plan } from '../domain/plan.js';
import { planScope, scopeOfSignal } from '../domain/trading-scope.js';
import type { ChainRecorder } from './chain-recorder.js';
import { cancelUpdate, CommandFailures, haltSignal, haltUpdate, pauseUpdate, reconcileUpdate, resumeUpdate, type CommandAnswer, type HaltCommand } from './contract.js';
import type { OperatorInbox } from './operator-inbox.js';
import { HALT_SIGNAL } from './patches.js';
import { durableActivities, durableOptions } from './step-options.js';

/** How a chain ends early when an operator asks: its outcome, reason and summary. */
export interface Ending {
  outcome: 'CANCELLED' | 'DENIED';
  reason: string;
  summary: string;
}

/** What the commands need of the plan's chain. */
export interface PlanControl {
  readonly plan: Plan;
  readonly chain: ChainRecorder;
  readonly inbox: OperatorInbox;
  /** patches.RECONCILE_ANSWERS_DENIAL is in force for this plan. */
  readonly reconcileAnswersDenial: boolean;
  /** The order step is under way: an order may reach the exchange, or come back refused (paused, expired). */
  readonly orderStepUnderway: boolean;
  /** An order of the plan is on the exchange: it completes and is booked, whatever is asked. */
  readonly orderPlaced: boolean;
  /** The early end already asked for, if any. */
  readonly ending: Ending | null;
  /** Ends the chain before its order step: whatever it waits on is cancelled, and it ends with `ending`. */
  end(ending: Ending): void;
  /** The ledger syncs the plan's reconciles made, in order. */
  readonly syncs: readonly LedgerSyncResult[];
}

const ORDER_PLACED = 'its order is on the exchange: nothing can stop it now; it completes and is booked';

/** A command's who and why, as the store records them (trimmed, 1 to 1000 characters); anything else is refused before it is recorded. */
function checkAction(action: OperatorAction | undefined): void {
  const ok = (v: unknown) => typeof v === 'string' && v.trim() !== '' && v.trim().length <= 1000;
  if (action === undefined || !ok(action.who) || !ok(action.why)) throw ApplicationFailure.nonRetryable('a command needs who and why: non-empty text of at most 1000 characters', CommandFailures.refused);
}

function refuseIf(reason: string | null, type: string = CommandFailures.refused): void {
  if (reason !== null) throw ApplicationFailure.nonRetryable(reason, type);
}

function stopRefusal(c: PlanControl): string | null {
  if (c.orderPlaced) return ORDER_PLACED;
  if (c.ending !== null) return `it is already ending ${c.ending.outcome} (${c.ending.reason})`;
  return null;
}

function answer(c: PlanControl, done: CommandAnswer['done'], detail: string): CommandAnswer {
  return { done, detail, stage: c.chain.state.stage };
}

/** The plan's own trading state in the store, recorded with who and why: the permit consume refuses while it is not running. */
async function recordOwnState(c: PlanControl, state: 'running', by: OperatorAction): Promise<void> {
  await durableActivities.setTradingState.executeWithOptions(
    { ...durableOptions, summary: `Trading ${state} (plan ${c.plan.plan_id}) by ${by.who}: ${by.why}` },
    [{ scope: planScope(c.plan.plan_id), state, who: by.who, why: by.why }],
  );
}

/**
 * While the order step is under way its outcome is not known yet: the answer waits for it (the step ends by
 * the permits' expiry), so that it says what happened rather than what might.
 */
async function orderStepDone(c: PlanControl): Promise<void> {
  if (c.orderStepUnderway) await condition(() => !c.orderStepUnderway || c.chain.state.state !== 'RUNNING');
}

const TOO_LATE = 'its order was already on its way and reached the exchange: it completes and is booked';

async function pause(c: PlanControl, by: OperatorAction): Promise<CommandAnswer> {
  c.inbox.pauseOwn(by);
  c.chain.event('operator_pause', `Paused by ${by.who}: ${by.why}`, { scope: planScope(c.plan.plan_id), ...by });
  await orderStepDone(c);
  if (c.orderPlaced) return answer(c, 'too_late', TOO_LATE);
  const now = c.chain.state.stage === 'paused' ? 'it is held now' : `it holds before its order step (now: ${c.chain.state.stage})`;
  return answer(c, 'held', `${now}, until \`permitctl resume ${c.plan.plan_id}\``);
}

async function resume(c: PlanControl, by: OperatorAction): Promise<CommandAnswer> {
  // The store first: the plan, woken, must find its own scope running again.
  await recordOwnState(c, 'running', by);
  c.inbox.resumeOwn();
  c.chain.event('operator_resume', `Resumed by ${by.who}: ${by.why}`, { scope: planScope(c.plan.plan_id), ...by });
  const still = [...c.inbox.pauses.keys()];
  return answer(c, 'released', still.length === 0 ? 'it goes on' : `its own pause is lifted; it is still held by ${still.join(', ')}`);
}

async function reconcile(c: PlanControl, by: OperatorAction): Promise<CommandAnswer> {
  c.chain.event('operator_reconcile', `Reconcile requested by ${by.who}: ${by.why}`, { ...by });
  const before = c.syncs.length;
  c.inbox.requestReconcile(by);
  await condition(() => c.syncs.length > before || c.chain.state.state !== 'RUNNING');
  const sync = c.syncs[before];
  if (sync === undefined) throw ApplicationFailure.nonRetryable(`the plan ended ${c.chain.state.state} before the reconcile ran; the ledger is unchanged`, CommandFailures.notCarriedOut);
  return answer(c, 'synced', `ledger ${c.plan.symbol} ${sync.before} → ${sync.after} (exchange ${sync.exchange_amt}); the plan acquires its permits again`);
}

/** The plan's outcome once an early end was asked for: the asked one, or what its order step came to first. */
async function ended(c: PlanControl, asked: Ending, done: CommandAnswer['done']): Promise<CommandAnswer> {
  // An order that reached the exchange settles the answer at once; booking it may take a while.
  await condition(() => c.chain.state.state !== 'RUNNING' || c.orderPlaced);
  const { state, reason } = c.chain.state;
  if (c.orderPlaced) return answer(c, 'too_late', state === 'RUNNING' ? `${TOO_LATE}; the plan goes on to book it` : `${TOO_LATE}; the plan ended ${state}`);
  if (state !== asked.outcome || reason !== asked.reason) return answer(c, 'too_late', `the plan ended ${state}${reason ? ` (${reason})` : ''} first`);
  return answer(c, done, `it ended ${state} ${reason} before its order step`);
}

async function cancel(c: PlanControl, by: OperatorAction): Promise<CommandAnswer> {
  c.chain.event('operator_cancel', `Cancel requested by ${by.who}: ${by.why}`, { ...by });
  const ending: Ending = { outcome: 'CANCELLED', reason: 'cancelled_by_operator', summary: `Cancelled by ${by.who} before an order was sent: ${by.why}` };
  c.end(ending);
  return ended(c, ending, 'cancelled');
}

/** `scope`: the plan's own halt, or its symbol's or all trading's (already halted in the store). */
async function halt(c: PlanControl, { scope: wireScope, who, why }: HaltCommand): Promise<CommandAnswer> {
  const scope = scopeOfSignal(wireScope, c.plan.plan_id);
  c.chain.event('operator_halt', `Halted (${scope}) by ${who}: ${why}`, { scope, who, why });
  const ending: Ending = { outcome: 'DENIED', reason: 'trading_halted', summary: `Trading halted (${scope}) by ${who}: ${why}; no order sent` };
  c.end(ending);
  return ended(c, ending, 'denied');
}

export function registerOperatorCommands(c: PlanControl): void {
  setHandler(pauseUpdate, (by) => pause(c, by), {
    validator: (by) => {
      checkAction(by);
      refuseIf(c.orderPlaced ? ORDER_PLACED : c.inbox.ownPause ? `it is paused already (by ${c.inbox.pauses.get(planScope(c.plan.plan_id))?.who})` : null);
    },
    description: "Hold the plan before its order step until its own resume (answers once the pause is recorded in the store)",
  });
  setHandler(resumeUpdate, (by) => resume(c, by), {
    validator: (by) => {
      checkAction(by);
      refuseIf(c.inbox.resumeRefusal(), CommandFailures.notPausedByItself);
    },
    description: "Lift the plan's own pause",
  });
  setHandler(reconcileUpdate, (by) => reconcile(c, by), {
    validator: (by) => {
      checkAction(by);
      refuseIf(c.reconcileAnswersDenial ? c.inbox.reconcileRefusal() : null);
    },
    description: 'Sync the ledger to the exchange, answering the position-check denial the plan waits on (answers with the ledger before and after)',
  });
  setHandler(cancelUpdate, (by) => cancel(c, by), {
    validator: (by) => {
      checkAction(by);
      refuseIf(stopRefusal(c));
    },
    description: 'End the plan CANCELLED before its order step',
  });
  setHandler(haltUpdate, (command) => halt(c, command), {
    validator: (command) => {
      checkAction(command);
      refuseIf(typeof command.scope === 'string' && command.scope !== '' ? stopRefusal(c) : 'a halt names its scope');
    },
    description: 'End the plan DENIED trading_halted before its order step (its own halt, or its symbol or all trading halted)',
  });
  setHandler(haltSignal, async (command) => {
    if (!patched(HALT_SIGNAL)) {
      c.chain.event('halt_not_applied', `Halt (${command.scope}) by ${command.who} not applied: the plan started on a worker without halts`, { ...command });
      return;
    }
    const refusal = stopRefusal(c);
    if (refusal === null) {
      await halt(c, command);
      return;
    }
    c.chain.event('halt_not_applied', `Halt (${command.scope}) by ${command.who} not applied: ${refusal}`, { ...command, reason: refusal });
  });
}
