// The two ways a plan is run: through Temporal (a plan workflow on the embedded stack), and the direct
// baseline (the same activity functions, called in-process in the workflow's order, no Temporal).
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { PlanActivities } from '../src/activities/contract.js';
import type { ChainState } from '../src/domain/chain.js';
import type { Plan } from '../src/domain/plan.js';
import { startPlanWorkflow } from '../src/client/start-plan.js';
import type { PlanOutcome, PlanRunner } from './load.js';
import type { ChainPolicy } from '../src/domain/chain-policy.js';
import { compareDecimals } from '../src/domain/decimal-order.js';

export function temporalRunner(client: Client, taskQueue: string, policy: ChainPolicy, eager: boolean): PlanRunner {
  return async (plan, acceptedAt) => {
    const started = await startPlanWorkflow(client, plan, { taskQueue, policy, acceptedAt, eager });
    if (!started.started) throw new Error(`plan ${plan.plan_id} was already started`);
    const handle = client.workflow.getHandle(started.workflowId, started.runId ?? undefined);
    const state = (await handle.result()) as ChainState;
    const completedAt = Date.now();
    return {
      state: state.state,
      latencyMs: state.chain_latency_ms,
      endToEndMs: completedAt - acceptedAt,
      completedAt,
      acceptedAt,
      workflowId: started.workflowId,
      ...(started.runId ? { runId: started.runId } : {}),
    };
  };
}

export interface DirectStepTimes {
  permits: number[];
  order: number[];
  book: number[];
}

/**
 * The chain without Temporal: governor and position check side by side (as the workflow runs them,
 * Promise.all), then the order, then the booking, all in this process against the same paper exchange
 * and the same store. The activities run inside @temporalio/testing's MockActivityEnvironment: the SDK's
 * in-process activity runner, which gives them a real activity Context (placeOrder reads its attempt
 * number from it); nothing of the chain is mocked.
 */
export function directRunner(activities: PlanActivities, policy: ChainPolicy, times?: DirectStepTimes): PlanRunner {
  return async (plan: Plan, acceptedAt: number): Promise<PlanOutcome> => {
    // One activity attempt per plan, scheduled now with the policy's attempt timeout: the order step
    // bounds its request's recvWindow by its own attempt's end, as under a worker.
    const env = new MockActivityEnvironment({ attempt: 1, currentAttemptScheduledTimestampMs: Date.now(), startToCloseTimeoutMs: policy.orderAttemptTimeoutMs });
    const run = <A, R>(fn: (arg: A) => Promise<R>, arg: A): Promise<R> => env.run(fn, arg) as Promise<R>;
    const done = (state: string, latencyMs: number | null): PlanOutcome => {
      const completedAt = Date.now();
      return { state, latencyMs, endToEndMs: completedAt - acceptedAt, completedAt, acceptedAt };
    };
    const t0 = performance.now();
    const [governor, p33] = await Promise.all([
      run(activities.issueGovernorPermit, { plan, sequence: 1 }),
      run(activities.checkPositionState, { plan, sequence: 1 }),
    ]);
    const t1 = performance.now();
    if (!governor.granted || !p33.allow) return done('DENIED', Date.now() - acceptedAt);
    const deadline = Math.min(Date.parse(governor.expires_at), Date.parse(p33.expires_at));
    if (deadline - Date.now() < policy.minOrderWindowMs) return done('EXPIRED', Date.now() - acceptedAt);
    const order = await run(activities.placeOrder, {
      plan,
      governorPermitId: governor.permit_id,
      positionPermitId: p33.permit_id,
      side: governor.side!,
      qty: governor.computed_qty,
      deadline,
    });
    const acknowledged = Date.now();
    const t2 = performance.now();
    if (compareDecimals(order.filled_qty, 0) <= 0) return done('FAILED', acknowledged - acceptedAt);
    await run(activities.bookFill, { plan, order });
    const t3 = performance.now();
    times?.permits.push(t1 - t0);
    times?.order.push(t2 - t1);
    times?.book.push(t3 - t2);
    return done('EXECUTED', acknowledged - acceptedAt);
  };
}
