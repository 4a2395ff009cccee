// `permitctl bridge`: the Redis plan bridge in the foreground until a signal, then a graceful stop.
import { createBridgeLogger } from './bridge-log.js';
import type { BridgeConfigOverrides } from './bridge-config.js';
import type { BridgeCounters } from './bridge-stats.js';
import { RedisPlanBridge, type TemporalTarget } from './redis-bridge.js';

export interface RunBridgeOptions {
  temporal: TemporalTarget;
  /** Resolves when the bridge should stop (SIGINT/SIGTERM in the CLI). */
  until: Promise<unknown>;
  env?: NodeJS.ProcessEnv;
  config?: BridgeConfigOverrides;
}

export async function runBridgeUntil(opts: RunBridgeOptions): Promise<BridgeCounters> {
  const env = opts.env ?? process.env;
  const logger = createBridgeLogger(env);
  const bridge = new RedisPlanBridge({ temporal: opts.temporal, env, logger, ...(opts.config ? { config: opts.config } : {}) });
  bridge.start();
  const reason = await opts.until;
  logger.info({ event: 'bridge_stopping', reason: String(reason) }, 'stopping: finishing starts in flight');
  await bridge.stop();
  return bridge.stats();
}
