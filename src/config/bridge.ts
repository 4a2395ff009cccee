// Where the Redis plan bridge (and the permit mirror) read and write, and how hard the bridge pushes.
import { hostname } from 'node:os';
import { ConfigError, readSettingsOf, type Env } from './settings.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface BridgeConfig {
  redisUrl: string;
  stream: string;
  group: string;
  consumer: string;
  dlqStream: string;
  /**
   * Where a new consumer group starts reading: `$` (default) = only plans published from now on, so a first
   * deployment never replays a stream of old trade instructions; `0` = everything still in the stream.
   */
  startId: string;
  /** Most plan starts in flight at once (back-pressure: no more entries are read while full). */
  maxInFlight: number;
  /** Entries asked for per XREADGROUP / XAUTOCLAIM call. */
  batchSize: number;
  /** How long one XREADGROUP blocks waiting for new entries; also bounds how long stop() waits for it. */
  blockMs: number;
  /** Pending entries of other consumers idle this long are taken over (XAUTOCLAIM): they died. */
  claimMinIdleMs: number;
  /** How often stale entries of other consumers are looked for. */
  claimIntervalMs: number;
  /** How often the counters and the lag are logged as one JSON line. */
  statsIntervalMs: number;
  /** Reconnect / retry back-off after a Redis or Temporal failure: first and largest delay. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Deadline of one workflow start; a start that times out is retried later (a duplicate start is success). */
  startTimeoutMs: number;
  /** Timeout of one non-blocking Redis command. */
  commandTimeoutMs: number;
  /**
   * TEST HOOK (PERMIT_BRIDGE_ACK_DELAY_MS): wait this long between a successful start and its XACK, so a
   * test can kill the bridge deterministically after reading and starting but before acknowledging.
   * 0 in production.
   */
  ackDelayMs: number;
}

export type BridgeConfigOverrides = Partial<BridgeConfig>;

export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}`;
}

export function bridgeConfigFromEnv(env: Env = process.env, overrides: BridgeConfigOverrides = {}): BridgeConfig {
  const s = readSettingsOf(env, [
    'REDIS_URL',
    'PLAN_STREAM',
    'PLAN_STREAM_GROUP',
    'PLAN_STREAM_CONSUMER',
    'PLAN_DLQ_STREAM',
    'PLAN_STREAM_START_ID',
    'PLAN_BRIDGE_MAX_IN_FLIGHT',
    'PLAN_BRIDGE_BATCH_SIZE',
    'PLAN_BRIDGE_BLOCK_MS',
    'PLAN_STREAM_CLAIM_IDLE_MS',
    'PLAN_STREAM_CLAIM_INTERVAL_MS',
    'PLAN_BRIDGE_STATS_INTERVAL_MS',
    'PLAN_BRIDGE_BACKOFF_MIN_MS',
    'PLAN_BRIDGE_BACKOFF_MAX_MS',
    'PLAN_BRIDGE_START_TIMEOUT_MS',
    'PLAN_BRIDGE_COMMAND_TIMEOUT_MS',
    'PERMIT_BRIDGE_ACK_DELAY_MS',
  ]);
  const fromEnv: BridgeConfig = {
    redisUrl: s.REDIS_URL ?? DEFAULT_REDIS_URL,
    stream: s.PLAN_STREAM,
    group: s.PLAN_STREAM_GROUP,
    consumer: s.PLAN_STREAM_CONSUMER ?? defaultConsumerName(),
    dlqStream: s.PLAN_DLQ_STREAM,
    startId: s.PLAN_STREAM_START_ID,
    maxInFlight: s.PLAN_BRIDGE_MAX_IN_FLIGHT,
    batchSize: s.PLAN_BRIDGE_BATCH_SIZE,
    blockMs: s.PLAN_BRIDGE_BLOCK_MS,
    claimMinIdleMs: s.PLAN_STREAM_CLAIM_IDLE_MS,
    claimIntervalMs: s.PLAN_STREAM_CLAIM_INTERVAL_MS,
    statsIntervalMs: s.PLAN_BRIDGE_STATS_INTERVAL_MS,
    backoffMinMs: s.PLAN_BRIDGE_BACKOFF_MIN_MS,
    backoffMaxMs: s.PLAN_BRIDGE_BACKOFF_MAX_MS,
    startTimeoutMs: s.PLAN_BRIDGE_START_TIMEOUT_MS,
    commandTimeoutMs: s.PLAN_BRIDGE_COMMAND_TIMEOUT_MS,
    ackDelayMs: s.PERMIT_BRIDGE_ACK_DELAY_MS,
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as BridgeConfigOverrides;
  const cfg = { ...fromEnv, ...defined };
  if (cfg.backoffMaxMs < cfg.backoffMinMs) throw new ConfigError('PLAN_BRIDGE_BACKOFF_MAX_MS must be ≥ PLAN_BRIDGE_BACKOFF_MIN_MS');
  return cfg;
}

/** REDIS_URL, or null: no plan bridge and no permit mirror. */
export function redisUrlFromEnv(env: Env = process.env): string | null {
  return readSettingsOf(env, ['REDIS_URL']).REDIS_URL ?? null;
}

/** PLAN_BRIDGE_METRICS_PORT and the interface to bind it on; null: the bridge serves no metrics. */
export function bridgeMetricsFromEnv(env: Env = process.env): { port: number; host: string } | null {
  const s = readSettingsOf(env, ['PLAN_BRIDGE_METRICS_PORT', 'LISTEN_HOST']);
  return s.PLAN_BRIDGE_METRICS_PORT === null ? null : { port: s.PLAN_BRIDGE_METRICS_PORT, host: s.LISTEN_HOST };
}

/** The permit mirror's Redis and write timeout: null without REDIS_URL or with PERMIT_MIRROR=off. */
export function permitMirrorConfigFromEnv(env: Env = process.env): { redisUrl: string; commandTimeoutMs: number } | null {
  const s = readSettingsOf(env, ['REDIS_URL', 'PERMIT_MIRROR', 'PERMIT_MIRROR_TIMEOUT_MS']);
  if (s.REDIS_URL === undefined || s.PERMIT_MIRROR === 'off') return null;
  return { redisUrl: s.REDIS_URL, commandTimeoutMs: s.PERMIT_MIRROR_TIMEOUT_MS };
}
