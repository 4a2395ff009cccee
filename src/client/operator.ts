// Operator actions: pause, resume, reconcile. Durable state changes run as workflows (recorded with
// who/why); running plans are told by signal.
import type { Client } from '@temporalio/client';
import type { LedgerSyncResult, TradingStateRequest, TradingStateResult } from '../activities/contract.js';
import {
  pauseSignal,
  reconcileSignal,
  resumeSignal,
  RECONCILE_WORKFLOW_TYPE,
  TRADING_STATE_WORKFLOW_TYPE,
  type ReconcileWorkflowInput,
} from '../workflows/contract.js';
import { GLOBAL_SCOPE, planScope, signalScopeOf } from '../domain/trading-scope.js';
import { ClientError } from './errors.js';
import { runWorkflowWithin } from './run-workflow.js';
import { planHandle, runningPlans } from './plans.js';

export interface OperatorContext {
  client: Client;
  taskQueue: string;
  who: string;
  /** How long to wait for a worker to carry out a durable change (default 30 s). */
  timeoutMs?: number;
}

async function runningPlanHandle(ctx: OperatorContext, planId: string) {
  const { handle, running } = await planHandle(ctx.client, planId);
  if (!running) throw new ClientError(`plan ${planId} has already ended: nothing to pause or resume`, 'invalid');
  return handle;
}

/**
 * One plan paused or resumed, by signal and durably in the store (scope plan:<id>, recorded with who/why),
 * so the plan's permits cannot be consumed while it is paused even when the signal reaches the workflow
 * late (its permit checks run inside a workflow task, which sees signals only when it ends). A pause is
 * signalled first, so it holds at once; a resume is recorded first, so the woken plan finds the store
 * running. The signal goes out whatever becomes of the store write (no worker free within the timeout,
 * say), and a failed write is reported.
 */
async function setPlanTrading(ctx: OperatorContext, planId: string, state: 'paused' | 'running', why: string): Promise<void> {
  const handle = await runningPlanHandle(ctx, planId);
  const signal = () => handle.signal(state === 'paused' ? pauseSignal : resumeSignal, { scope: signalScopeOf(planScope(planId)), who: ctx.who, why });
  const request: TradingStateRequest = { scope: planScope(planId), state, who: ctx.who, why };
  if (state === 'paused') await signal();
  const failure = await runOperatorWorkflow<TradingStateResult>(ctx, { type: TRADING_STATE_WORKFLOW_TYPE, workflowId: `trading-${state}-plan-${planId}-${Date.now()}`, summary: `Trading ${state} (plan ${planId}) by ${ctx.who}: ${why}`, what: `the ${state === 'paused' ? 'pause' : 'resume'} of plan ${planId}`, args: [request] }).then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  if (state === 'running') await signal();
  if (failure !== null) {
    throw new ClientError(`plan ${planId} was told by signal (${state === 'paused' ? 'pause' : 'resume'}), but its durable trading state is not recorded yet: ${failure}`);
  }
}

export async function pausePlan(ctx: OperatorContext, planId: string, why: string): Promise<void> {
  await setPlanTrading(ctx, planId, 'paused', why);
}

export async function resumePlan(ctx: OperatorContext, planId: string, why: string): Promise<void> {
  await setPlanTrading(ctx, planId, 'running', why);
}

/** Runs an operator workflow, waiting a bounded time for a worker to carry it out. */
function runOperatorWorkflow<T>(ctx: OperatorContext, run: { type: string; workflowId: string; summary: string; what: string; args: unknown[] }): Promise<T> {
  return runWorkflowWithin<T>(ctx.client, { ...run, taskQueue: ctx.taskQueue, timeoutMs: ctx.timeoutMs ?? 30_000 });
}

export interface Signalled {
  signalled: string[];
  /** Plans that could not be told (ended meanwhile, or an error): they re-read the store on their own. */
  failed: Array<{ workflowId: string; error: string }>;
}

async function signalEach(workflowIds: string[], send: (workflowId: string) => Promise<void>): Promise<Signalled> {
  const result: Signalled = { signalled: [], failed: [] };
  for (const workflowId of workflowIds) {
    try {
      await send(workflowId);
      result.signalled.push(workflowId);
    } catch (err) {
      result.failed.push({ workflowId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}

export interface TradingChange extends Signalled {
  change: TradingStateResult;
}

/** Global pause/resume: durable in the store first, then every running plan is told. */
export async function setGlobalTrading(ctx: OperatorContext, state: 'paused' | 'running', why: string): Promise<TradingChange> {
  const request: TradingStateRequest = { scope: GLOBAL_SCOPE, state, who: ctx.who, why };
  const change = await runOperatorWorkflow<TradingStateResult>(ctx, { type: TRADING_STATE_WORKFLOW_TYPE, workflowId: `trading-${state}-global-${Date.now()}`, summary: `Trading ${state} (global) by ${ctx.who}: ${why}`, what: `the global ${state === 'paused' ? 'pause' : 'resume'}`, args: [request] });
  const signal = state === 'paused' ? pauseSignal : resumeSignal;
  const plans = await runningPlans(ctx.client);
  const told = await signalEach(plans.map((p) => p.workflowId), (id) => ctx.client.workflow.getHandle(id).signal(signal, { scope: signalScopeOf(GLOBAL_SCOPE), who: ctx.who, why }));
  return { change, ...told };
}

export interface ReconcileOutcome extends Signalled {
  /** Plans awaiting a reconcile that the signal reached (the same as `signalled`). */
  waiting: string[];
  sync: LedgerSyncResult | null;
}

/**
 * A reconcile answers the denials waiting for it, no more: only the plans of the symbol whose PermitStage is
 * awaiting_reconcile at this moment are signalled (a plan that is not waiting, or no longer by the time the
 * signal arrives, records it as not applied and drops it). When none is waiting, the ledger sync runs
 * directly, durably and recorded.
 */
export async function reconcileSymbol(ctx: OperatorContext, symbol: string, why: string): Promise<ReconcileOutcome> {
  const waiting = await runningPlans(ctx.client, symbol, 'awaiting_reconcile');
  const told = await signalEach(waiting.map((p) => p.workflowId), (id) => ctx.client.workflow.getHandle(id).signal(reconcileSignal, { who: ctx.who, why }));
  if (told.signalled.length > 0) return { ...told, waiting: told.signalled, sync: null };
  const input: ReconcileWorkflowInput = { symbol, who: ctx.who, why, requestedAt: Date.now() };
  const sync = await runOperatorWorkflow<LedgerSyncResult>(ctx, { type: RECONCILE_WORKFLOW_TYPE, workflowId: `reconcile-${symbol}-${Date.now()}`, summary: `Reconcile ${symbol} by ${ctx.who}: ${why}`, what: `the reconcile of ${symbol}`, args: [input] });
  if (!sync.resumed) return { ...told, waiting: [], sync };
  // The sync lifted the drift sweep's pause of the symbol: the plans it held go on now, not at their next poll.
  const held = await runningPlans(ctx.client, symbol);
  const resumed = await signalEach(held.map((p) => p.workflowId), (id) => ctx.client.workflow.getHandle(id).signal(resumeSignal, { scope: signalScopeOf(symbol as Uppercase<string>), who: ctx.who, why }));
  return { ...told, failed: [...told.failed, ...resumed.failed], waiting: [], sync };
}
