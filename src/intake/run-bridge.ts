// `permitctl bridge`: the Redis plan bridge in the foreground until a signal, then a graceful stop.
// With PLAN_BRIDGE_METRICS_PORT set, its counters and lag are served on GET /metrics (Prometheus).
import { Registry } from 'prom-client';
import { closeServer, listen } from '../workers/http-listen.js';
import { createMetricsServer } from '../workers/metrics-server.js';
import { createBridgeLogger, type BridgeLogger } from './bridge-log.js';
import { bridgeMetricsFromEnv, type BridgeConfigOverrides } from '../config/bridge.js';
import type { Env } from '../config/settings.js';
import { registerBridgeMetrics } from './bridge-metrics.js';
import type { BridgeCounters } from './bridge-stats.js';
import { RedisPlanBridge, type TemporalTarget } from './redis-bridge.js';

export interface RunBridgeOptions {
  temporal: TemporalTarget;
  /** Resolves when the bridge should stop (SIGINT/SIGTERM in the CLI). */
  until: Promise<unknown>;
  env?: Env;
  config?: BridgeConfigOverrides;
}

/** Serves the bridge's metrics when PLAN_BRIDGE_METRICS_PORT is set; returns how to close the server. */
async function serveMetrics(bridge: RedisPlanBridge, env: Env | undefined, logger: BridgeLogger): Promise<() => Promise<void>> {
  const metrics = bridgeMetricsFromEnv(env);
  if (metrics === null) return async () => undefined;
  const { port, host } = metrics;
  const registry = new Registry();
  registerBridgeMetrics(registry, bridge);
  const server = createMetricsServer({ registry, runtimeMetricsUrl: null });
  const bound = await listen(server, port, host);
  logger.info({ event: 'metrics_listening', port: bound }, `bridge metrics on ${host}:${bound}/metrics`);
  return () => closeServer(server);
}

export async function runBridgeUntil(opts: RunBridgeOptions): Promise<BridgeCounters> {
  const env = opts.env;
  const logger = createBridgeLogger(env);
  const bridge = new RedisPlanBridge({ temporal: opts.temporal, env, logger, ...(opts.config ? { config: opts.config } : {}) });
  const closeMetrics = await serveMetrics(bridge, env, logger);
  bridge.start();
  try {
    const reason = await opts.until;
    logger.info({ event: 'bridge_stopping', reason: String(reason) }, 'stopping: finishing starts in flight');
    await bridge.stop();
  } finally {
    await closeMetrics();
  }
  return bridge.stats();
}
