// Temporal side of the intake tests: a real dev server (no worker: the bridge's job is to start plans).
import { rmSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import { workflowIdForPlan } from '../../src/domain/plan.js';
import { tempDir } from '../support/stack.js';

export interface TestTemporal {
  server: DevServer;
  client: Client;
  stop(): Promise<void>;
}

export async function startTestTemporal(): Promise<TestTemporal> {
  const dataDir = tempDir('intake-temporal');
  const server = await startDevServer({ dataDir, uiPort: false });
  const connection = await Connection.connect({ address: server.address });
  return {
    server,
    client: new Client({ connection, namespace: server.namespace }),
    stop: async () => {
      await connection.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Workflow ids (one per execution) started on a task queue: duplicates would show up twice. */
export async function workflowIdsOn(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) ids.push(wf.workflowId);
  return ids;
}

async function listedExecutions(client: Client, planId: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowIdForPlan(planId)}'` })) n += 1;
  return n;
}

/**
 * Executions (any status) of the plan's workflow id, as the visibility store lists them. Visibility is
 * eventually consistent, so this waits until the plan shows up at all, then gives the count.
 */
export async function executionsOfPlan(client: Client, planId: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await listedExecutions(client, planId);
    if (n > 0 || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function workflowExists(client: Client, planId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowIdForPlan(planId)).describe();
    return true;
  } catch {
    return false;
  }
}
