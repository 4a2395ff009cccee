// The pod-facing settings of a worker process.
import { ConfigError, readSettingsOf, type Env } from './settings.js';

export interface WorkerProcessConfig {
  /** Health server (/livez, /readyz); 0 picks a free port (logged). */
  healthPort: number;
  /** The one Prometheus endpoint (/metrics): Temporal runtime + project metrics; 0 picks a free port. */
  metricsPort: number;
  /** Interface both servers bind to. */
  listenHost: string;
  /** How long in-flight activities (an order on its way) may finish after SIGTERM, in ms. */
  shutdownGraceMs: number;
  maxConcurrentActivities: number;
  /**
   * Workflow tasks in progress at once. All of them run on one workflow thread (reuseV8Context), so more
   * only queues activations, and each one in flight holds its history and activation buffers. A task keeps
   * its slot while its local activities read the exchange and the ledger, so a slow exchange should not
   * hold every slot (docs/benchmarks.md, footprint).
   */
  maxConcurrentWorkflowTasks: number;
  /** Workflows kept in memory; plans beyond it (e.g. waiting for a reconcile) are replayed when they wake. */
  maxCachedWorkflows: number;
  /** A prebuilt workflow bundle (the image's), or null: bundle from source at start. */
  workflowBundlePath: string | null;
}

export function workerProcessConfigFromEnv(env: Env = process.env): WorkerProcessConfig {
  const s = readSettingsOf(env, [
    'HEALTH_PORT',
    'METRICS_PORT',
    'LISTEN_HOST',
    'WORKER_SHUTDOWN_GRACE',
    'WORKER_MAX_CONCURRENT_ACTIVITIES',
    'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
    'WORKER_MAX_CACHED_WORKFLOWS',
    'WORKFLOW_BUNDLE_PATH',
  ]);
  if (s.HEALTH_PORT !== 0 && s.HEALTH_PORT === s.METRICS_PORT) throw new ConfigError(`HEALTH_PORT and METRICS_PORT must differ (both ${s.HEALTH_PORT})`);
  return {
    healthPort: s.HEALTH_PORT,
    metricsPort: s.METRICS_PORT,
    listenHost: s.LISTEN_HOST,
    shutdownGraceMs: s.WORKER_SHUTDOWN_GRACE,
    maxConcurrentActivities: s.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: s.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: s.WORKER_MAX_CACHED_WORKFLOWS,
    workflowBundlePath: s.WORKFLOW_BUNDLE_PATH ?? null,
  };
}

/** WORKFLOW_BUNDLE_PATH alone (the embedded stack runs no health or metrics server of its own). */
export function workflowBundlePathFromEnv(env: Env = process.env): string | null {
  return readSettingsOf(env, ['WORKFLOW_BUNDLE_PATH']).WORKFLOW_BUNDLE_PATH ?? null;
}
