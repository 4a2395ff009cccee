// The one way a plan becomes a workflow, used by `permitctl submit`, the demo, the Redis bridge, the
// benchmark and the campaigns: only an EXECUTE plan does, and only once.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ClientError } from './errors.js';
import { TypedSearchAttributes } from '@temporalio/common';
import { formatFieldErrors, isExecutable, parsePlan, workflowIdForPlan, type FieldError, type Plan } from '../domain/plan.js';
import { SearchAttributes, PLAN_WORKFLOW_TYPE, type PlanWorkflowInput } from '../workflows/contract.js';
import type { ChainPolicy } from '../domain/chain-policy.js';

export interface StartPlanOptions {
  taskQueue: string;
  policy: ChainPolicy;
  acceptedAt?: number;
  /**
   * Ask the server to hand the first workflow task straight back to a worker on this client's connection
   * (eager workflow start): no task-queue dispatch for it. Only for a client built on the same
   * NativeConnection as a running worker (the embedded stack's); the server falls back to the task queue
   * when that worker has no free slot.
   */
  eager?: boolean;
}

/** The plan handed to startPlanWorkflow does not validate (now): nothing was started. */
export class InvalidPlanError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`invalid plan: ${formatFieldErrors(errors)}`);
    this.name = 'InvalidPlanError';
  }
}

/** Why a valid plan was not started: it is not an EXECUTE plan, or a workflow for its id already exists. */
export type NotStartedReason = 'not_execute' | 'duplicate';

export type StartedPlan =
  | { started: true; workflowId: string; runId: string }
  | { started: false; workflowId: string; runId: null; reason: NotStartedReason; detail: string };

function notStarted(plan: Plan, reason: NotStartedReason): StartedPlan {
  const workflowId = workflowIdForPlan(plan.plan_id);
  const detail =
    reason === 'not_execute'
      ? `decision is ${plan.decision}; only EXECUTE plans start a workflow`
      : `plan ${plan.plan_id} was already submitted (workflow ${workflowId}); a plan runs at most once`;
  return { started: false, workflowId, runId: null, reason, detail };
}

function planDetails(plan: Plan): string {
  return [
    `**Plan** \`${plan.plan_id}\``,
    `- symbol: ${plan.symbol}`,
    `- action: ${plan.action}`,
    `- kill score: ${plan.kill_score}`,
    `- decision: ${plan.decision}`,
    `- produced at: ${new Date(plan.timestamp * 1000).toISOString()}`,
  ].join('\n');
}

/** The answer to a plan whose decision is not EXECUTE (it starts nothing), or null for an EXECUTE plan. */
export function notExecutableAnswer(plan: Plan): StartedPlan | null {
  return isExecutable(plan) ? null : notStarted(plan, 'not_execute');
}

/**
 * Starts the plan's workflow. The plan is validated once more against the clock at acceptance (a `Plan`
 * built by code rather than parsed, or one held since it was parsed): a plan timestamped in
 * milliseconds or from the future throws InvalidPlanError and starts nothing. A plan whose decision is not
 * EXECUTE starts nothing and never reaches Temporal.
 */
export async function startPlanWorkflow(client: Client, plan: Plan, opts: StartPlanOptions): Promise<StartedPlan> {
  const workflowId = workflowIdForPlan(plan.plan_id);
  const acceptedAt = opts.acceptedAt ?? Date.now();
  const valid = parsePlan(plan, { now: acceptedAt });
  if (!valid.ok) throw new InvalidPlanError(valid.errors);
  const notExecutable = notExecutableAnswer(plan);
  if (notExecutable) return notExecutable;
  const input: PlanWorkflowInput = { plan, acceptedAt, policy: opts.policy };
  try {
    const handle = await client.workflow.start(PLAN_WORKFLOW_TYPE, {
      args: [input],
      taskQueue: opts.taskQueue,
      workflowId,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      ...(opts.eager ? { requestEagerStart: true } : {}),
      staticSummary: `${plan.action} ${plan.symbol} · kill score ${plan.kill_score} · plan ${plan.plan_id}`,
      staticDetails: planDetails(plan),
      typedSearchAttributes: new TypedSearchAttributes([
        { key: SearchAttributes.symbol, value: plan.symbol },
        { key: SearchAttributes.action, value: plan.action },
        { key: SearchAttributes.stage, value: 'running' },
        { key: SearchAttributes.outcome, value: 'RUNNING' },
        { key: SearchAttributes.killScore, value: plan.kill_score },
      ]),
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return notStarted(plan, 'duplicate');
    // The request may have reached the server before it failed: say so rather than "not started".
    const cause = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err);
    throw new ClientError(`could not confirm the start of plan ${plan.plan_id} (workflow ${workflowId}): ${cause}; it may have started: \`permitctl status ${plan.plan_id}\` tells, and a second submit cannot start it twice`);
  }
}
