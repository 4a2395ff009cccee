// The worker process of a pod (`permitctl worker`): configuration from the environment only; a health
// server (/livez, /readyz) and one Prometheus endpoint (/metrics); JSON logs; on SIGTERM/SIGINT it
// turns not-ready at once, stops polling and lets in-flight activities (an order on its way) finish
// within WORKER_SHUTDOWN_GRACE before exiting.
import type { Server } from 'node:http';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { connectionOptions, temporalConfigFromEnv, type TemporalConfig } from '../config/temporal.js';
import { freePort } from './ports.js';
import { permitMirrorFromEnv } from '../store/redis-permit-mirror.js';
import { openInstrumentedServices, type ChainServices } from './chain-services.js';
import { createHealthServer, WorkerHealth } from './health.js';
import { closeServer, listen } from './http-listen.js';
import { createLogger, temporalLoggerFor, type Logger } from './logging.js';
import { createChainMetrics, type ChainMetrics } from './metrics.js';
import { createMetricsServer } from './metrics-server.js';
import { installTemporalRuntime } from './runtime.js';
import { createPlanWorker, loadWorkflowBundle } from './plan-worker.js';
import { workerProcessConfigFromEnv, type WorkerProcessConfig } from '../config/worker.js';
import { temporalLogLevelFromEnv } from '../config/process.js';
import type { Env } from '../config/settings.js';
import { dataConverterFromEnv } from '../codec/data-converter.js';

export interface WorkerProcessOptions {
  env?: Env;
  logger?: Logger;
}

const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const TEMPORAL_PING_DEADLINE_MS = 2_000;

/** Cleanup steps, run in reverse order of registration; failures are logged, never thrown. */
class Cleanups {
  readonly #steps: Array<{ what: string; run: () => Promise<unknown> }> = [];
  constructor(private readonly logger: Logger) {}

  add(what: string, run: () => Promise<unknown>): void {
    this.#steps.push({ what, run });
  }

  async runAll(): Promise<void> {
    for (const step of this.#steps.reverse()) {
      await step.run().catch((err: unknown) => this.logger.warn({ err }, `cleanup failed: ${step.what}`));
    }
  }
}

/** SIGTERM/SIGINT: mark draining (readiness 503 at once), then ask the worker to shut down gracefully. */
class ShutdownOnSignal {
  #worker: Worker | null = null;
  #requested = false;
  readonly #handler = (signal: NodeJS.Signals) => this.#onSignal(signal);

  constructor(private readonly health: WorkerHealth, private readonly logger: Logger, private readonly graceMs: number) {
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, this.#handler);
  }

  get requested(): boolean {
    return this.#requested;
  }

  watch(worker: Worker): void {
    this.#worker = worker;
  }

  dispose(): void {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, this.#handler);
  }

  #onSignal(signal: NodeJS.Signals): void {
    if (this.#requested) {
      this.logger.warn({ signal }, 'shutdown already in progress; waiting for in-flight activities');
      return;
    }
    this.#requested = true;
    this.health.markDraining();
    const state = this.#worker?.getState() ?? 'starting';
    this.logger.info({ signal, workerState: state, shutdownGraceMs: this.graceMs }, 'draining: not ready, polling stops, in-flight activities finish');
    if (this.#worker && state === 'RUNNING') this.#worker.shutdown();
  }
}

async function startServer(server: Server, port: number, host: string, cleanups: Cleanups, what: string): Promise<number> {
  const bound = await listen(server, port, host);
  cleanups.add(`${what} server`, () => closeServer(server));
  return bound;
}

async function startTelemetry(env: Env | undefined, config: WorkerProcessConfig, logger: Logger, health: WorkerHealth, cleanups: Cleanups): Promise<ChainMetrics> {
  const healthPort = await startServer(createHealthServer(health), config.healthPort, config.listenHost, cleanups, 'health');
  logger.info({ port: healthPort, paths: ['/livez', '/readyz'] }, `health server listening on ${config.listenHost}:${healthPort}`);
  // The runtime's exporter stays on loopback: /metrics below serves it together with the project's metrics.
  const runtimePort = await freePort();
  installTemporalRuntime(env, {
    logger: temporalLoggerFor(logger, temporalLogLevelFromEnv(env)),
    prometheusBindAddress: `127.0.0.1:${runtimePort}`,
    shutdownSignals: [], // ShutdownOnSignal handles them: readiness must flip before the worker drains
  });
  const metrics = createChainMetrics();
  const metricsServer = createMetricsServer({ registry: metrics.registry, runtimeMetricsUrl: `http://127.0.0.1:${runtimePort}/metrics` });
  const metricsPort = await startServer(metricsServer, config.metricsPort, config.listenHost, cleanups, 'metrics');
  logger.info({ port: metricsPort, runtimeExporterPort: runtimePort }, `metrics on ${config.listenHost}:${metricsPort}/metrics`);
  return metrics;
}

async function openServices(env: Env | undefined, metrics: ChainMetrics, client: Client, cleanups: Cleanups): Promise<ChainServices> {
  const mirror = permitMirrorFromEnv(env);
  if (mirror) cleanups.add('permit mirror', () => mirror.close());
  const services = await openInstrumentedServices(env, { metrics, client, ...(mirror ? { mirror } : {}) });
  cleanups.add('store and venue', () => services.close());
  return services;
}

async function connectTemporal(cfg: TemporalConfig, cleanups: Cleanups): Promise<{ connection: NativeConnection; address: string }> {
  const address = cfg.address ?? '127.0.0.1:7233';
  const connection = await NativeConnection.connect(connectionOptions({ ...cfg, address }));
  cleanups.add('Temporal connection', () => connection.close());
  return { connection, address };
}

export async function runWorkerProcess(opts: WorkerProcessOptions = {}): Promise<void> {
  const env = opts.env;
  const logger = opts.logger ?? createLogger(env);
  const config = workerProcessConfigFromEnv(env);
  const cfg = temporalConfigFromEnv(env);
  // Refused at start, before anything connects: a cluster's worker without payload keys.
  const dataConverter = dataConverterFromEnv(env, 'worker');
  const health = new WorkerHealth();
  const cleanups = new Cleanups(logger);
  const shutdown = new ShutdownOnSignal(health, logger, config.shutdownGraceMs);
  try {
    const metrics = await startTelemetry(env, config, logger, health, cleanups);
    const { connection, address } = await connectTemporal(cfg, cleanups);
    const services = await openServices(env, metrics, new Client({ connection, namespace: cfg.namespace, dataConverter }), cleanups);
    const worker = await createPlanWorker({
      connection,
      namespace: cfg.namespace,
      taskQueue: cfg.taskQueue,
      activities: services.activities,
      bundle: await loadWorkflowBundle(config.workflowBundlePath),
      dataConverter,
      shutdownGraceTime: config.shutdownGraceMs,
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks,
      maxCachedWorkflows: config.maxCachedWorkflows,
    });
    health.attach({
      workerState: () => worker.getState(),
      pingTemporal: () => connection.withDeadline(Date.now() + TEMPORAL_PING_DEADLINE_MS, () => connection.workflowService.getSystemInfo({})),
      pingStore: () => services.store.tradingState(),
    });
    shutdown.watch(worker);
    if (shutdown.requested) {
      logger.info('shutdown requested during start-up: not starting the worker');
      return;
    }
    const running = worker.run();
    logger.info(
      { taskQueue: cfg.taskQueue, namespace: cfg.namespace, address: address, venue: services.settings.venueName, store: services.store.kind },
      `worker ready: task queue ${cfg.taskQueue} on ${address} (namespace ${cfg.namespace}, venue ${services.settings.venueName}, store ${services.store.kind})`,
    );
    await running;
    logger.info('worker stopped: in-flight activities finished');
  } finally {
    shutdown.dispose();
    await cleanups.runAll();
  }
}
