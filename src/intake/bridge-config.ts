// Where the Redis plan bridge reads, writes and how hard it pushes: options, with defaults from the
// environment (REDIS_URL, PLAN_STREAM, PLAN_STREAM_GROUP, PLAN_STREAM_CONSUMER, PLAN_DLQ_STREAM, …).
import { hostname } from 'node:os';

export const DEFAULT_PLAN_STREAM = 'quantum:stream:apply.plan';
export const DEFAULT_PLAN_GROUP = 'permit-chain';
export const DEFAULT_DLQ_STREAM = 'quantum:stream:apply.plan.dlq';
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}`;
}

export function bridgeConfigFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: BridgeConfigOverrides = {}): BridgeConfig {
  const fromEnv: BridgeConfig = {
    redisUrl: nonEmpty(env.REDIS_URL) ?? DEFAULT_REDIS_URL,
    stream: nonEmpty(env.PLAN_STREAM) ?? DEFAULT_PLAN_STREAM,
    group: nonEmpty(env.PLAN_STREAM_GROUP) ?? DEFAULT_PLAN_GROUP,
    consumer: nonEmpty(env.PLAN_STREAM_CONSUMER) ?? defaultConsumerName(),
    dlqStream: nonEmpty(env.PLAN_DLQ_STREAM) ?? DEFAULT_DLQ_STREAM,
    startId: streamStartId(nonEmpty(env.PLAN_STREAM_START_ID) ?? '$'),
    maxInFlight: intSetting(env, 'PLAN_BRIDGE_MAX_IN_FLIGHT', 32, 1),
    batchSize: intSetting(env, 'PLAN_BRIDGE_BATCH_SIZE', 100, 1),
    blockMs: intSetting(env, 'PLAN_BRIDGE_BLOCK_MS', 1000, 1),
    claimMinIdleMs: intSetting(env, 'PLAN_STREAM_CLAIM_IDLE_MS', 60_000, 0),
    claimIntervalMs: intSetting(env, 'PLAN_STREAM_CLAIM_INTERVAL_MS', 15_000, 100),
    statsIntervalMs: intSetting(env, 'PLAN_BRIDGE_STATS_INTERVAL_MS', 30_000, 100),
    backoffMinMs: intSetting(env, 'PLAN_BRIDGE_BACKOFF_MIN_MS', 200, 1),
    backoffMaxMs: intSetting(env, 'PLAN_BRIDGE_BACKOFF_MAX_MS', 15_000, 1),
    startTimeoutMs: intSetting(env, 'PLAN_BRIDGE_START_TIMEOUT_MS', 10_000, 1),
    commandTimeoutMs: intSetting(env, 'PLAN_BRIDGE_COMMAND_TIMEOUT_MS', 5_000, 1),
    ackDelayMs: intSetting(env, 'PERMIT_BRIDGE_ACK_DELAY_MS', 0, 0),
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as BridgeConfigOverrides;
  const cfg = { ...fromEnv, ...defined };
  if (cfg.backoffMaxMs < cfg.backoffMinMs) throw new Error('PLAN_BRIDGE_BACKOFF_MAX_MS must be ≥ PLAN_BRIDGE_BACKOFF_MIN_MS');
  return cfg;
}

/** `$`, `0`, or an entry id such as 1769301008976-0. */
function streamStartId(value: string): string {
  if (value === '$' || /^\d+(-\d+)?$/.test(value)) return value;
  throw new Error(`PLAN_STREAM_START_ID must be $, 0 or a stream entry id (got ${JSON.stringify(value)})`);
}
