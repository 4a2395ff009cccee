// Operator actions: pause, resume, reconcile. Durable state changes run as workflows (recorded with
// who/why); running plans are told by signal.
import type { Client } from '@temporalio/client';
import type { LedgerSyncResult, TradingStateResult } from '../activities/types.js';
import { workflowIdForPlan } from '../domain/plan.js';
import {
  pauseSignal,
  reconcileSignal,
  resumeSignal,
  RECONCILE_WORKFLOW_TYPE,
  TRADING_STATE_WORKFLOW_TYPE,
  type ReconcileWorkflowInput,
} from '../workflows/definitions.js';
import type { TradingStateRequest } from '../activities/types.js';
import { chainStateOf, planHandle, runningPlanIds } from './plans.js';

export interface OperatorContext {
  client: Client;
  taskQueue: string;
  who: string;
}

export async function pausePlan(ctx: OperatorContext, planId: string, why: string): Promise<void> {
  const { handle } = await planHandle(ctx.client, planId);
  await handle.signal(pauseSignal, { scope: 'plan', who: ctx.who, why });
}

export async function resumePlan(ctx: OperatorContext, planId: string, why: string): Promise<void> {
  const { handle } = await planHandle(ctx.client, planId);
  await handle.signal(resumeSignal, { scope: 'plan', who: ctx.who, why });
}

export interface TradingChange {
  change: TradingStateResult;
  signalled: string[];
}

/** Global pause/resume: durable in the store first, then every running plan is told. */
export async function setGlobalTrading(ctx: OperatorContext, state: 'paused' | 'running', why: string): Promise<TradingChange> {
  const request: TradingStateRequest = { scope: 'global', state, who: ctx.who, why };
  const change = await ctx.client.workflow.execute(TRADING_STATE_WORKFLOW_TYPE, {
    args: [request],
    taskQueue: ctx.taskQueue,
    workflowId: `trading-${state}-global-${Date.now()}`,
    staticSummary: `Trading ${state} (global) by ${ctx.who}: ${why}`,
  });
  const signal = state === 'paused' ? pauseSignal : resumeSignal;
  const signalled: string[] = [];
  for (const workflowId of await runningPlanIds(ctx.client)) {
    await ctx.client.workflow.getHandle(workflowId).signal(signal, { scope: 'global', who: ctx.who, why });
    signalled.push(workflowId);
  }
  return { change: change as TradingStateResult, signalled };
}

export interface ReconcileOutcome {
  signalled: string[];
  sync: LedgerSyncResult | null;
}

/** Signals every plan of the symbol waiting for a reconcile; with none, syncs the ledger durably anyway. */
export async function reconcileSymbol(ctx: OperatorContext, symbol: string, why: string): Promise<ReconcileOutcome> {
  const signalled: string[] = [];
  for (const workflowId of await runningPlanIds(ctx.client, symbol)) {
    const planId = workflowId.replace(/^plan-/, '');
    const state = await chainStateOf(ctx.client, planId).catch(() => null);
    if (state?.stage !== 'awaiting_reconcile') continue;
    await ctx.client.workflow.getHandle(workflowIdForPlan(planId)).signal(reconcileSignal, { who: ctx.who, why });
    signalled.push(workflowId);
  }
  if (signalled.length > 0) return { signalled, sync: null };
  const input: ReconcileWorkflowInput = { symbol, who: ctx.who, why, requestedAt: Date.now() };
  const sync = await ctx.client.workflow.execute(RECONCILE_WORKFLOW_TYPE, {
    args: [input],
    taskQueue: ctx.taskQueue,
    workflowId: `reconcile-${symbol}-${Date.now()}`,
    staticSummary: `Reconcile ${symbol} by ${ctx.who}: ${why}`,
  });
  return { signalled, sync: sync as LedgerSyncResult };
}
