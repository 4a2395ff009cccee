// Plans and chain-state waits shared by the chain tests.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { chainStateOf } from '../../src/client/plans.js';
import type { ChainState } from '../../src/domain/chain.js';
import { parsePlan, workflowIdForPlan, type Plan, type PlanAction } from '../../src/domain/plan.js';

/** A valid EXECUTE plan with a fresh plan id (prefix helps reading the Web UI after a failure). */
export function newPlan(symbol: string, action: PlanAction = 'PARTIAL_50', prefix = 't'): Plan {
  const now = Date.now();
  const parsed = parsePlan({
    plan_id: `${prefix}-${randomBytes(6).toString('hex')}`,
    symbol,
    action,
    kill_score: 0.539,
    decision: 'EXECUTE',
    timestamp: Math.floor(now / 1000),
  }, { now });
  if (!parsed.ok) throw new Error(`test plan does not validate: ${JSON.stringify(parsed.errors)}`);
  return parsed.plan;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls the plan's chain state (query while running, result once ended) until `done` holds. */
export async function waitForChain(client: Client, planId: string, done: (s: ChainState) => boolean, what: string, timeoutMs = 30_000): Promise<ChainState> {
  const deadline = Date.now() + timeoutMs;
  let last: ChainState | null = null;
  for (;;) {
    last = await chainStateOf(client, planId).catch(() => last);
    if (last && done(last)) return last;
    if (Date.now() > deadline) throw new Error(`plan ${planId}: ${what} not reached within ${timeoutMs} ms (last: ${last?.state}/${last?.stage})`);
    await sleep(100);
  }
}

export function waitForStage(client: Client, planId: string, stage: ChainState['stage'], timeoutMs?: number): Promise<ChainState> {
  return waitForChain(client, planId, (s) => s.stage === stage, `stage ${stage}`, timeoutMs);
}

export async function planResult(client: Client, planId: string): Promise<ChainState> {
  return (await client.workflow.getHandle(workflowIdForPlan(planId)).result()) as ChainState;
}

/** Executions (any status) of the plan's workflow id: the dedupe check. */
export async function executionsOf(client: Client, planId: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowIdForPlan(planId)}'` })) n += 1;
  return n;
}

export function eventKinds(state: ChainState): string[] {
  return state.events.map((e) => e.kind);
}
