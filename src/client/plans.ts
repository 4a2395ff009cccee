// Reading and acting on plan workflows from the client side (CLI and demo share these).
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import type { ChainState } from '../domain/chain.js';
import { workflowIdForPlan } from '../domain/plan.js';
import { chainStateQuery, PLAN_WORKFLOW_TYPE } from '../workflows/contract.js';
import { ClientError } from './errors.js';

export async function planHandle(client: Client, planId: string): Promise<{ handle: WorkflowHandle; running: boolean }> {
  const handle = client.workflow.getHandle(workflowIdForPlan(planId));
  try {
    const description = await handle.describe();
    return { handle, running: description.status.name === 'RUNNING' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ClientError(`plan ${planId} not found (no workflow ${workflowIdForPlan(planId)})`, 'not_found');
    throw err;
  }
}

/** A plan's chain: live from the workflow while it runs, its recorded result once it has ended. */
export async function chainStateOf(client: Client, planId: string): Promise<ChainState> {
  const { handle, running } = await planHandle(client, planId);
  if (running) return handle.query(chainStateQuery);
  try {
    return (await handle.result()) as ChainState;
  } catch {
    return handle.query(chainStateQuery);
  }
}

export interface RunningPlan {
  workflowId: string;
  searchAttributes: TypedSearchAttributes;
}

/**
 * Running plan workflows, optionally of one symbol (through the PermitSymbol search attribute) and in one
 * PermitStage (e.g. awaiting_reconcile).
 */
export async function runningPlans(client: Client, symbol?: string, stage?: string): Promise<RunningPlan[]> {
  const filters = [`WorkflowType = '${PLAN_WORKFLOW_TYPE}'`, `ExecutionStatus = 'Running'`];
  if (symbol) filters.push(`PermitSymbol = '${symbol}'`);
  if (stage) filters.push(`PermitStage = '${stage}'`);
  const plans: RunningPlan[] = [];
  for await (const wf of client.workflow.list({ query: filters.join(' AND ') })) plans.push({ workflowId: wf.workflowId, searchAttributes: wf.typedSearchAttributes });
  return plans;
}
