// Temporal's answer to "is this workflow run still running?", for the activities that free a symbol's turn
// held by a run that closed without giving it up (terminated, timed out), and whose workflow id has no newer
// run carrying the plan on (a reset).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { WorkflowRuns } from '../activities/contract.js';

/** Only these end a run for good; anything else (RUNNING, a status added later) counts as alive. */
const CLOSED_STATUSES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT', 'NOT_FOUND']);

async function statusOf(client: Client, workflowId: string, runId: string | undefined): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (err) {
    // Retention has removed it, or it never existed in this namespace: nobody will release its turn.
    if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw err;
  }
}

export function temporalWorkflowRuns(client: Client): WorkflowRuns {
  return {
    status: async (workflowId, runId) => {
      const run = await statusOf(client, workflowId, runId);
      if (!CLOSED_STATUSES.has(run)) return { closed: false, status: run };
      if (runId === undefined) return { closed: true, status: run };
      // A reset (or any newer run of the workflow id) carries the plan on, with the turn its history took:
      // the run named in the queue has closed, but its plan has not.
      const latest = await statusOf(client, workflowId, undefined);
      if (!CLOSED_STATUSES.has(latest)) return { closed: false, status: `${run}; a newer run of ${workflowId} is ${latest}` };
      return { closed: true, status: run };
    },
  };
}
