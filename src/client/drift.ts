// The drift sweep from outside a worker: its Temporal Schedule (created by `permitctl up` and by
// `permitctl drift-schedule` for a cluster), a sweep run now, and the report of what the store recorded.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { DriftReport, DriftReportRequest, DriftSweepResult } from '../activities/contract.js';
import { DRIFT_REPORT_WORKFLOW_TYPE, DRIFT_SCHEDULE_ID, DRIFT_SWEEP_WORKFLOW_TYPE } from '../workflows/contract.js';
import { runWorkflowWithin } from './run-workflow.js';

export type { DriftReport, DriftSweepResult };
export { DRIFT_SCHEDULE_ID };

export interface DriftScheduleState {
  scheduleId: string;
  everySeconds: number;
  taskQueue: string;
  paused: boolean;
  nextRuns: string[];
  /** The sweeps it started last, newest last. */
  recent: Array<{ scheduledAt: string; workflowId: string }>;
}

function scheduleAction(taskQueue: string) {
  return {
    type: 'startWorkflow' as const,
    workflowType: DRIFT_SWEEP_WORKFLOW_TYPE,
    workflowId: DRIFT_SCHEDULE_ID,
    taskQueue,
    args: [],
    staticSummary: 'Drift sweep: exchange vs ledger for every symbol with nothing in flight',
  };
}

/**
 * Creates the drift sweep Schedule, or brings an existing one to this interval and task queue. A sweep
 * still running when the next is due is not doubled (overlap SKIP), and sweeps missed during an outage are
 * not made up for beyond one interval.
 */
export async function ensureDriftSchedule(client: Client, taskQueue: string, everySeconds: number): Promise<{ created: boolean; state: DriftScheduleState }> {
  if (!Number.isInteger(everySeconds) || everySeconds < 1) throw new Error(`the drift sweep interval must be a whole number of seconds, at least 1 (got ${everySeconds})`);
  const spec = { intervals: [{ every: `${everySeconds}s` }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${everySeconds}s` };
  let created = true;
  try {
    await client.schedule.create({ scheduleId: DRIFT_SCHEDULE_ID, spec, action: scheduleAction(taskQueue), policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await client.schedule.getHandle(DRIFT_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action: scheduleAction(taskQueue), policies: { ...previous.policies, ...policies } }));
  }
  return { created, state: (await describeDriftSchedule(client))! };
}

/** The Schedule as Temporal has it, or null when there is none. */
export async function describeDriftSchedule(client: Client): Promise<DriftScheduleState | null> {
  try {
    const d = await client.schedule.getHandle(DRIFT_SCHEDULE_ID).describe();
    const every = d.spec.intervals?.[0]?.every;
    const action = d.action as { taskQueue?: string };
    return {
      scheduleId: DRIFT_SCHEDULE_ID,
      everySeconds: typeof every === 'number' ? Math.round(every / 1000) : Number.NaN,
      taskQueue: action.taskQueue ?? '',
      paused: d.state.paused,
      nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
      recent: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : '' })),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

/** Deletes the Schedule; false when there was none. */
export async function deleteDriftSchedule(client: Client): Promise<boolean> {
  try {
    await client.schedule.getHandle(DRIFT_SCHEDULE_ID).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** One sweep now (outside the Schedule). A sweep that could not read the exchange throws with its reason. */
export function runDriftSweep(client: Client, taskQueue: string, timeoutMs = 30_000): Promise<DriftSweepResult> {
  return runWorkflowWithin(client, { type: DRIFT_SWEEP_WORKFLOW_TYPE, workflowId: `${DRIFT_SCHEDULE_ID}-now-${Date.now()}`, taskQueue, args: [], summary: 'Drift sweep (run by hand)', what: 'the drift sweep', timeoutMs });
}

/** What the store recorded: drift findings (newest first) and the latest sweeps, read by a worker. */
export function driftReport(client: Client, taskQueue: string, request: DriftReportRequest, timeoutMs = 30_000): Promise<DriftReport> {
  return runWorkflowWithin(client, { type: DRIFT_REPORT_WORKFLOW_TYPE, workflowId: `drift-report-${Date.now()}`, taskQueue, args: [request], summary: 'Drift report (read the store)', what: 'the drift report', timeoutMs });
}
