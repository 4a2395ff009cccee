// The worker that runs plan workflows and their activities on one task queue.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter, Duration } from '@temporalio/common';
import type { PlanActivities } from '../activities/contract.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface PlanWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: PlanActivities;
  bundle: WorkflowBundleOption;
  /** The payload codec of the namespace (src/codec): every client and worker of it alike. */
  dataConverter: DataConverter;
  /** How long in-flight activities (an order on its way) may finish after SIGTERM. */
  shutdownGraceTime?: Duration;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
  identity?: string;
}

/** The workflow bundle: prebuilt (WORKFLOW_BUNDLE_PATH, built into the image) or built now from source. */
export async function loadWorkflowBundle(prebuiltPath: string | null): Promise<WorkflowBundleOption> {
  if (prebuiltPath) return { codePath: prebuiltPath };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return { code };
}

const ignore = () => undefined;
const quietBundlerLogger = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore, log: ignore };

export async function createPlanWorker(opts: PlanWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: opts.bundle,
    dataConverter: opts.dataConverter,
    activities: opts.activities,
    shutdownGraceTime: opts.shutdownGraceTime ?? '30s',
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 100,
    maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions ?? 100,
    ...(opts.maxCachedWorkflows ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
}
