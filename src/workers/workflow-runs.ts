// Temporal's answer to "is this workflow run still running?", for the activities that free a symbol's turn
// held by a run that closed without giving it up (terminated, reset, timed out).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { WorkflowRuns } from '../activities/types.js';

export function temporalWorkflowRuns(client: Client): WorkflowRuns {
  return {
    status: async (workflowId, runId) => {
      try {
        const described = await client.workflow.getHandle(workflowId, runId).describe();
        return { closed: described.status.name !== 'RUNNING', status: described.status.name };
      } catch (err) {
        // Retention has removed it, or it never existed in this namespace: nobody will release its turn.
        if (err instanceof WorkflowNotFoundError) return { closed: true, status: 'NOT_FOUND' };
        throw err;
      }
    },
  };
}
