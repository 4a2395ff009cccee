// Short workflows the client runs and waits for (operator changes, drift sweeps and reports): a bounded
// wait for a worker to carry them out, and the activity's own reason when one fails.
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ClientError } from './errors.js';

export interface WorkflowRun {
  type: string;
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  summary: string;
  /** What the operator asked for, in their words ("the reconcile of BTCUSDT"): messages name it, not the workflow id. */
  what: string;
  /** How long to wait for a worker to carry it out. */
  timeoutMs: number;
}

/** The innermost message of a failed workflow (the activity's own reason), not "Workflow execution failed". */
function failureReason(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

export async function runWorkflowWithin<T>(client: Client, run: WorkflowRun): Promise<T> {
  const { workflowId, taskQueue, timeoutMs } = run;
  const handle = await client.workflow.start(run.type, { args: run.args, taskQueue, workflowId, staticSummary: run.summary });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    const message = `${run.what} is queued, but no worker carried it out within ${timeoutMs / 1000} s: is a worker running on task queue ${taskQueue}? It runs as soon as one does.`;
    timer = setTimeout(() => reject(new ClientError(message)), timeoutMs);
  });
  try {
    return (await Promise.race([handle.result(), timedOut])) as T;
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw new ClientError(`${run.what} failed: ${failureReason(err)}`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
