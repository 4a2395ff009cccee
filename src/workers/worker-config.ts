// The pod-facing settings of a worker process, from the environment only.

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
   * only queues activations; each one in flight holds its history and activation buffers, which set the
   * heap's high-water mark: 1,000 plans arriving at once left 481 MB RSS at 100, 340 MB at 10. A task
   * keeps its slot while its local activities (the permit checks, the booking) read the exchange and the
   * ledger, hence 20 rather than 10: a slow exchange should not hold every slot.
   */
  maxConcurrentWorkflowTasks: number;
  /** Workflows kept in memory; plans beyond it (e.g. waiting for a reconcile) are replayed when they wake. */
  maxCachedWorkflows: number;
}

/**
 * V8 flags of a worker process (the image's ENTRYPOINT, the tests' and the bench's worker processes): a
 * 1 MB young generation per heap instead of 16-32 MB. Measured (docs/benchmarks.md, footprint): a worker
 * with 1,000 plans waiting 423 → 332 MB RSS, idle 261 → 211 MB; it collects garbage more often, which
 * cost ≈ 5 % more CPU per plan in the quick bench (within that run's noise).
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=1'] as const;
/** `node <flags> bin/permitctl.js worker`: the image's ENTRYPOINT (test/deploy checks) and what the tests spawn. */
export const WORKER_COMMAND = ['node', ...WORKER_NODE_FLAGS, 'bin/permitctl.js', 'worker'] as const;

export const DEFAULT_HEALTH_PORT = 8080;
export const DEFAULT_METRICS_PORT = 9464;
/** Above the 15 s permit TTL, so the order step (bounded by its permits) always fits. */
export const DEFAULT_SHUTDOWN_GRACE = '30s';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** "30s", "1m", "2500ms" or a bare number of milliseconds. */
export function parseDurationMs(name: string, raw: string): number {
  const match = DURATION.exec(raw.trim());
  if (!match) throw new Error(`${name} must be a duration such as 30s, 1m or 2500ms, got "${raw}"`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new Error(`${name} must be a port number (0 = any free port), got "${raw}"`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function workerProcessConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerProcessConfig {
  const healthPort = port(env, 'HEALTH_PORT', DEFAULT_HEALTH_PORT);
  const metricsPort = port(env, 'METRICS_PORT', DEFAULT_METRICS_PORT);
  if (healthPort !== 0 && healthPort === metricsPort) throw new Error(`HEALTH_PORT and METRICS_PORT must differ (both ${healthPort})`);
  return {
    healthPort,
    metricsPort,
    listenHost: env.LISTEN_HOST?.trim() || '0.0.0.0',
    shutdownGraceMs: parseDurationMs('WORKER_SHUTDOWN_GRACE', env.WORKER_SHUTDOWN_GRACE?.trim() || DEFAULT_SHUTDOWN_GRACE),
    maxConcurrentActivities: positiveInteger(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES', 100),
    maxConcurrentWorkflowTasks: positiveInteger(env, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 20),
    maxCachedWorkflows: positiveInteger(env, 'WORKER_MAX_CACHED_WORKFLOWS', 100),
  };
}
