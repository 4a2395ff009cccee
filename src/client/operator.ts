// Operator commands, answered. A plan's own pause, resume, halt and cancel, and a reconcile, are Workflow
// Updates: the plan validates them (a refusal says why and touches nothing), records who and why, and
// answers with what it did. A trading-state change of a symbol or of all trading is written to the store
// first (a short workflow a worker carries out, answered done or failed), then the running plans of the
// scope are told: by signal for a pause or resume, by Update for a halt (each answers whether it ended).
import { ApplicationFailure, isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { LedgerSyncResult, TradingMode, TradingStateRequest, TradingStateResult } from '../activities/contract.js';
import type { OperatorAction } from '../domain/chain.js';
import { GLOBAL_SCOPE, planScope, signalScopeOf, type TradingScope } from '../domain/trading-scope.js';
import {
  cancelUpdate,
  CommandFailures,
  haltUpdate,
  pauseSignal,
  pauseUpdate,
  reconcileUpdate,
  resumeSignal,
  resumeUpdate,
  RECONCILE_WORKFLOW_TYPE,
  TRADING_STATE_WORKFLOW_TYPE,
  TRADING_STATES_WORKFLOW_TYPE,
  chainStateQuery,
  workflowIdForPlan,
  type CommandAnswer,
  type ReconcileWorkflowInput,
} from '../workflows/contract.js';
import type { TradingScopeState } from '../store/types.js';
import { ClientError } from './errors.js';
import { planHandle, runningPlans } from './plans.js';
import { runWorkflowWithin } from './run-workflow.js';

export type { CommandAnswer } from '../workflows/contract.js';
export type { TradingScopeState } from '../store/types.js';

export interface OperatorContext {
  client: Client;
  taskQueue: string;
  who: string;
  /** How long to wait for a worker to carry out a command or a durable change (default 30 s). */
  timeoutMs?: number;
}

/** gRPC's status code DEADLINE_EXCEEDED: the bounded wait for an answer ran out. */
const GRPC_DEADLINE_EXCEEDED = 4;

export type PlanCommand = 'pause' | 'resume' | 'cancel' | 'halt' | 'reconcile';

const UPDATES = { pause: pauseUpdate, resume: resumeUpdate, cancel: cancelUpdate, reconcile: reconcileUpdate } as const;

function timeoutOf(ctx: OperatorContext): number {
  return ctx.timeoutMs ?? 30_000;
}

/** The failure type the plan gave a command it did not carry out (its validator's, or its handler's). */
function failureType(err: unknown): string | null {
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
    current = current.cause;
  }
  return null;
}

function innermostMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** What went wrong with a command sent to a plan, in the operator's words. */
function commandError(ctx: OperatorContext, planId: string, command: PlanCommand, err: unknown): ClientError {
  if (err instanceof WorkflowUpdateFailedError) {
    if (failureType(err) === CommandFailures.notCarriedOut) return new ClientError(`plan ${planId} took the ${command} but could not carry it out: ${innermostMessage(err)}`);
    return new ClientError(`plan ${planId} refused the ${command}: ${innermostMessage(err)}`, 'invalid');
  }
  if (err instanceof WorkflowNotFoundError) return new ClientError(`plan ${planId} not found or no longer running: nothing to ${command}`, 'not_found');
  if (isGrpcServiceError(err) && err.code === GRPC_DEADLINE_EXCEEDED) {
    return new ClientError(`plan ${planId} gave no answer to the ${command} within ${timeoutOf(ctx) / 1000} s (is a worker running on task queue ${ctx.taskQueue}?); the command waits for the plan and applies when a worker takes it: \`permitctl status ${planId}\` shows whether it did`);
  }
  return new ClientError(`the ${command} of plan ${planId} failed: ${innermostMessage(err)}`);
}

/**
 * Sends one command to one running plan and waits for its answer (a bounded wait for a worker). A plan's
 * own pause or halt is written to the store first: it reaches the permit consume of an order step already
 * under way at once, where the Update reaches the plan only between its workflow tasks.
 */
export async function commandPlan(ctx: OperatorContext, planId: string, command: PlanCommand, why: string, scope?: TradingScope): Promise<CommandAnswer> {
  checkWhy(why);
  const { handle, running } = await planHandle(ctx.client, planId);
  if (!running) throw new ClientError(`plan ${planId} has already ended: nothing to ${command}`, 'invalid');
  const action: OperatorAction = { who: ctx.who, why };
  const ownHold = (command === 'pause' || command === 'halt') && scope === undefined;
  if (ownHold) await recordPlanState(ctx, planId, command === 'pause' ? 'paused' : 'halted', why);
  try {
    return await ctx.client.withDeadline(Date.now() + timeoutOf(ctx), () =>
      command === 'halt'
        ? handle.executeUpdate(haltUpdate, { args: [{ ...action, scope: scope ?? `plan:${planId}` }] })
        : handle.executeUpdate(UPDATES[command], { args: [action] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && ownHold) {
      // Refused: the store must not keep a hold the plan did not take.
      await recordPlanState(ctx, planId, 'running', `the plan refused the ${command} (${innermostMessage(err)}); asked: ${why}`).catch(() => undefined);
    }
    if (err instanceof WorkflowUpdateFailedError && command === 'resume' && failureType(err) === CommandFailures.notPausedByItself) {
      const stored = (await tradingStates(ctx)).find((s) => s.scope === planScope(planId));
      if (stored !== undefined && stored.state !== 'running') return resumeStoredPause(ctx, planId, why);
    }
    throw commandError(ctx, planId, command, err);
  }
}

/** The reason an operator gives, as the store takes it: 1 to 1000 characters once trimmed. */
function checkWhy(why: string): void {
  const trimmed = why.trim();
  if (trimmed === '' || trimmed.length > 1000) throw new ClientError(`a reason is 1 to 1000 characters (got ${trimmed.length})`, 'invalid');
}

/**
 * A resume of a plan its own pause does not hold, while the store still holds the plan's scope (a pause whose
 * Update never reached it, or one lifted in the plan by a lone resume signal): the scope is set running in
 * the store, and the plan is woken to read it again.
 */
async function resumeStoredPause(ctx: OperatorContext, planId: string, why: string): Promise<CommandAnswer> {
  await recordPlanState(ctx, planId, 'running', why);
  const handle = ctx.client.workflow.getHandle(workflowIdForPlan(planId));
  await handle.signal(resumeSignal, { scope: signalScopeOf(planScope(planId)), who: ctx.who, why });
  const stage = (await handle.query(chainStateQuery)).stage;
  return { done: 'released', detail: 'its own pause was not holding it in the plan; its stored pause is lifted and the plan is told to read the trading state again', stage };
}

async function recordPlanState(ctx: OperatorContext, planId: string, state: TradingMode, why: string): Promise<TradingStateResult> {
  const scope = planScope(planId);
  return runOperatorWorkflow<TradingStateResult>(ctx, {
    type: TRADING_STATE_WORKFLOW_TYPE,
    workflowId: `trading-${state}-${scope}-${Date.now()}`,
    summary: `Trading ${state} (${scope}) by ${ctx.who}: ${why}`,
    what: `the ${state === 'paused' ? 'pause' : state === 'halted' ? 'halt' : 'resume'} of plan ${planId} in the store`,
    args: [{ scope, state, who: ctx.who, why } satisfies TradingStateRequest],
  });
}

/** Runs an operator workflow, waiting a bounded time for a worker to carry it out. */
function runOperatorWorkflow<T>(ctx: OperatorContext, run: { type: string; workflowId: string; summary: string; what: string; args: unknown[] }): Promise<T> {
  return runWorkflowWithin<T>(ctx.client, { ...run, taskQueue: ctx.taskQueue, timeoutMs: timeoutOf(ctx) });
}

export interface PlanAnswer {
  planId: string;
  answer: CommandAnswer;
}

export interface PlanRefusal {
  planId: string;
  reason: string;
}

export interface ScopeChange {
  /** The durable change, as the store recorded it. */
  change: TradingStateResult;
  /** Plans told by signal (a pause or resume). */
  signalled: string[];
  /** Plans that answered a halt (each ended DENIED before its order). */
  answered: PlanAnswer[];
  /** Plans that could not be told or refused (ended meanwhile, an order on its way): why. */
  refused: PlanRefusal[];
}

function planIdOf(workflowId: string): string {
  return workflowId.replace(/^plan-/, '');
}

/**
 * Pause, halt or resume a symbol or all trading: durable in the store first (answered, never "sent, fate
 * unknown"), then every running plan of the scope is told.
 */
export async function setScopeTrading(ctx: OperatorContext, scope: typeof GLOBAL_SCOPE | Uppercase<string>, state: TradingMode, why: string): Promise<ScopeChange> {
  checkWhy(why);
  const request: TradingStateRequest = { scope, state, who: ctx.who, why };
  const verb = state === 'paused' ? 'pause' : state === 'halted' ? 'halt' : 'resume';
  const what = scope === GLOBAL_SCOPE ? `the global ${verb}` : `the ${verb} of ${scope}`;
  const change = await runOperatorWorkflow<TradingStateResult>(ctx, {
    type: TRADING_STATE_WORKFLOW_TYPE,
    workflowId: `trading-${state}-${scope}-${Date.now()}`,
    summary: `Trading ${state} (${scope}) by ${ctx.who}: ${why}`,
    what,
    args: [request],
  });
  const plans = await runningPlans(ctx.client, scope === GLOBAL_SCOPE ? undefined : scope);
  const result: ScopeChange = { change, signalled: [], answered: [], refused: [] };
  // Each plan at once: a halt waits for every plan's answer, and one plan's booking must not delay the rest.
  await Promise.all(
    plans.map(async ({ workflowId }) => {
      const planId = planIdOf(workflowId);
      try {
        if (state === 'halted') {
          result.answered.push({ planId, answer: await commandPlan(ctx, planId, 'halt', why, scope) });
          return;
        }
        await ctx.client.workflow.getHandle(workflowId).signal(state === 'paused' ? pauseSignal : resumeSignal, { scope: signalScopeOf(scope), who: ctx.who, why });
        result.signalled.push(planId);
      } catch (err) {
        result.refused.push({ planId, reason: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  return result;
}

export interface ReconcileOutcome {
  /** Plans awaiting a reconcile that took it, each with the ledger before and after. */
  answered: PlanAnswer[];
  /** Plans that were awaiting one when looked up but refused it (answered meanwhile, ended): why. */
  refused: PlanRefusal[];
  /** The direct sync, when no plan took the reconcile. */
  sync: LedgerSyncResult | null;
}

/**
 * A reconcile answers the denials waiting for it, no more: each plan of the symbol awaiting a reconcile
 * (PermitStage awaiting_reconcile) is sent one and answers with the ledger it synced. When none takes it,
 * the ledger sync runs directly, durably and recorded.
 */
export async function reconcileSymbol(ctx: OperatorContext, symbol: string, why: string): Promise<ReconcileOutcome> {
  const waiting = await runningPlans(ctx.client, symbol, 'awaiting_reconcile');
  const outcome: ReconcileOutcome = { answered: [], refused: [], sync: null };
  for (const { workflowId } of waiting) {
    const planId = planIdOf(workflowId);
    try {
      outcome.answered.push({ planId, answer: await commandPlan(ctx, planId, 'reconcile', why) });
    } catch (err) {
      outcome.refused.push({ planId, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  if (outcome.answered.length > 0) return outcome;
  const input: ReconcileWorkflowInput = { symbol, who: ctx.who, why, requestedAt: Date.now() };
  outcome.sync = await runOperatorWorkflow<LedgerSyncResult>(ctx, { type: RECONCILE_WORKFLOW_TYPE, workflowId: `reconcile-${symbol}-${Date.now()}`, summary: `Reconcile ${symbol} by ${ctx.who}: ${why}`, what: `the reconcile of ${symbol}`, args: [input] });
  if (!outcome.sync.resumed) return outcome;
  // The sync lifted the drift sweep's pause of the symbol: the plans it held go on now, not at their next poll.
  for (const { workflowId } of await runningPlans(ctx.client, symbol)) {
    await ctx.client.workflow.getHandle(workflowId).signal(resumeSignal, { scope: signalScopeOf(symbol as Uppercase<string>), who: ctx.who, why }).catch(() => undefined);
  }
  return outcome;
}

/** Every scope's trading state (global, symbols, plans) with who set it, why and since when; read by a worker. */
export function tradingStates(ctx: OperatorContext): Promise<TradingScopeState[]> {
  return runOperatorWorkflow<TradingScopeState[]>(ctx, { type: TRADING_STATES_WORKFLOW_TYPE, workflowId: `trading-states-${Date.now()}`, summary: 'Trading states (read the store)', what: 'the trading states', args: [] });
}
