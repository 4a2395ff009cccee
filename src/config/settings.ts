// Every setting of every permit-chain process, in one zod schema keyed by its environment variable:
// its type, its default and what it means. The section readers (temporal.ts, chain.ts, worker.ts,
// store.ts, exchange.ts, bridge.ts, mirror.ts) build each component's settings from it; README's
// Configuration section lists the same variables for operators.
import { z } from 'zod';
import { DEFAULT_CHAIN_POLICY, DEFAULT_CLOCK_SKEW_BOUND_MS, DEFAULT_DRIFT_SWEEP_SECONDS, DEFAULT_SETTLE_BOUND_MS } from '../domain/chain-policy.js';
import { dec } from '../domain/decimal.js';
import { DRIFT_ACTION_SETTINGS } from '../domain/drift.js';
import { DEFAULT_TOLERANCE, DEFAULT_TTL_SECONDS } from '../domain/permits.js';
import { DEFAULT_TASK_QUEUE } from '../domain/plan-ids.js';
import { secretFromEnv } from './secrets.js';

export type Env = Record<string, string | undefined>;

/** A setting that cannot be used: its message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Parse<T> = (raw: string) => T;

/**
 * A variable: unset or blank means the fallback; otherwise `parse` decides (throwing says what is wrong,
 * and the message repeats the value given, unless the setting is a secret).
 */
function setting<T>(fallback: T, parse: Parse<T>, meaning: string, { secret = false } = {}) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      if (raw === undefined || raw.trim() === '') return fallback;
      try {
        return parse(raw.trim());
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        ctx.addIssue({ code: 'custom', message: secret ? why : `${why}, got "${raw}"` });
        return z.NEVER;
      }
    })
    .describe(meaning);
}

const text = (raw: string) => raw;

function number(check: (n: number) => boolean, what: string): Parse<number> {
  return (raw) => {
    const value = Number(raw);
    if (!check(value)) throw new Error(`must be ${what}`);
    return value;
  };
}

const positive = number((n) => Number.isFinite(n) && n > 0, 'a positive number');
const wholeAboveZero = number((n) => Number.isInteger(n) && n > 0, 'a whole number above 0');
const wholeOrZero = number((n) => Number.isInteger(n) && n >= 0, 'a whole number, 0 or more');
const port = number((n) => Number.isInteger(n) && n >= 0 && n <= 65_535, 'a port number (0 = any free port)');

function oneOf<T extends string>(values: readonly T[]): Parse<T> {
  return (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
}

function nonNegativeDecimal(raw: string): string {
  let value;
  try {
    value = dec(raw);
  } catch {
    throw new Error('must be a non-negative decimal');
  }
  if (value.isNeg() || value.isNaN()) throw new Error('must be a non-negative decimal');
  return value.toFixed();
}

/** SYMBOL=0.001,SYMBOL=0.01 */
function tolerances(raw: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [symbol, value] = pair.split('=').map((s) => s.trim());
    if (!symbol || value === undefined) throw new Error(`entries look like SYMBOL=0.001 ("${pair}" does not)`);
    try {
      result[symbol] = nonNegativeDecimal(value);
    } catch {
      throw new Error(`[${symbol}] must be a non-negative decimal`);
    }
  }
  return result;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** "30s", "1m", "2500ms" or a bare number of milliseconds. */
export function durationMs(raw: string): number {
  const match = DURATION.exec(raw.trim());
  if (!match) throw new Error('must be a duration such as 30s, 1m or 2500ms');
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
}

function boolean(raw: string): boolean {
  const word = raw.toLowerCase();
  if (word === 'true') return true;
  if (word === 'false') return false;
  throw new Error('must be true or false');
}

/** One payload encryption key: its id and its 32 bytes. */
export interface PayloadKeySetting {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

/** `id=base64,id=base64`: each key 32 bytes, ids unique; the message never repeats a key. */
function payloadKeys(raw: string): PayloadKeySetting[] {
  const keys = raw.split(',').map((pair) => pair.trim()).filter(Boolean).map((pair, i): PayloadKeySetting => {
    const at = pair.indexOf('=');
    const id = at > 0 ? pair.slice(0, at).trim() : '';
    if (!KEY_ID.test(id)) throw new Error(`entry ${i + 1} needs an id: id=base64 (id: 1-32 of A-Z a-z 0-9 . _ -)`);
    const key = Buffer.from(pair.slice(at + 1).trim(), 'base64');
    if (key.length !== 32) throw new Error(`key ${id} must be 32 bytes in base64 (it is ${key.length})`);
    return { id, key };
  });
  if (keys.length === 0) throw new Error('must name at least one key: id=base64');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('has a key id twice');
  return keys;
}

/** `$`, `0`, or an entry id such as 1769301008976-0. */
function streamStartId(raw: string): string {
  if (raw === '$' || /^\d+(-\d+)?$/.test(raw)) return raw;
  throw new Error('must be $, 0 or a stream entry id');
}

export const VENUE_NAMES = ['paper', 'binance-demo', 'binance-live'] as const;
/** pino's levels; `silent` writes nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const TEMPORAL_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
const logLevel: Parse<(typeof LOG_LEVELS)[number]> = (raw) => oneOf(LOG_LEVELS)(raw.toLowerCase());
const temporalLogLevel: Parse<(typeof TEMPORAL_LOG_LEVELS)[number]> = (raw) => oneOf(TEMPORAL_LOG_LEVELS)(raw.toUpperCase());

const none = undefined as string | undefined;
const P = DEFAULT_CHAIN_POLICY;

export const SETTINGS = z.object({
  // Temporal
  TEMPORAL_ADDRESS: setting(none, text, 'host:port of the Temporal frontend; unset: `up`/`demo` start the embedded dev server, the worker uses 127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: setting('default', text, 'Temporal namespace'),
  TEMPORAL_TASK_QUEUE: setting(DEFAULT_TASK_QUEUE, text, 'task queue the plan workers poll'),
  TEMPORAL_API_KEY: setting(none, text, 'Temporal Cloud API key (or TEMPORAL_API_KEY_FILE); turns TLS on'),
  TEMPORAL_TLS: setting<boolean | undefined>(undefined, boolean, 'force TLS on (true) or off (false); default: on with an API key'),
  TEMPORAL_TLS_CERT: setting(none, text, 'mTLS client certificate file (with TEMPORAL_TLS_KEY)'),
  TEMPORAL_TLS_KEY: setting(none, text, 'mTLS client key file (with TEMPORAL_TLS_CERT)'),
  TEMPORAL_TLS_CA: setting(none, text, 'CA certificate file of the server'),
  TEMPORAL_TLS_SERVER_NAME: setting(none, text, 'TLS server name override'),
  TEMPORAL_UI_URL: setting(none, text, 'Web UI address printed by permitctl (the embedded stack announces its own)'),
  TEMPORAL_LOG_LEVEL: setting<(typeof TEMPORAL_LOG_LEVELS)[number]>('WARN', temporalLogLevel, 'level of the Temporal SDK core log lines'),
  TEMPORAL_CLI: setting(none, text, 'the Temporal CLI binary; default: the copy scripts/setup.sh installs, then `temporal` on PATH'),
  PATH: setting('', text, 'where the Temporal CLI is looked for last'),

  // Chain policy (travels in each plan's input, so it is recorded in its history)
  RECONCILE_WAIT_SECONDS: setting(P.reconcileWaitSeconds, positive, 'how long a plan denied for a position mismatch waits for a reconcile before ending DENIED'),
  MAX_PERMIT_ROUNDS: setting(P.maxPermitRounds, wholeAboveZero, 'how many times both permits may be acquired before the plan ends EXPIRED'),
  MAX_RECONCILES: setting(P.maxReconciles, wholeAboveZero, 'how many reconciles one plan may go through before it ends DENIED'),
  MIN_ORDER_WINDOW_MS: setting(P.minOrderWindowMs, positive, 'below this much permit life left the order is not attempted and permits are re-acquired'),
  PAUSE_POLL_SECONDS: setting(P.pausePollSeconds, positive, 'how often a paused plan re-checks the trading state (resume wakes it at once)'),
  ORDER_ATTEMPT_TIMEOUT_MS: setting(P.orderAttemptTimeoutMs, positive, 'deadline of one order attempt on the exchange'),
  TURN_CHECK_SECONDS: setting(P.turnCheckSeconds ?? 30, positive, 'how often a plan waiting for its symbol turn looks again and asks whether the holder still runs'),

  // Permit settings (the worker decides permits with them)
  PERMIT_TTL_SECONDS: setting(DEFAULT_TTL_SECONDS, wholeAboveZero, 'life of a governor or position permit'),
  MAX_ORDER_NOTIONAL: setting<string | null>(null, nonNegativeDecimal, 'largest notional of one order; unset: no limit'),
  MAX_PLAN_AGE_SECONDS: setting<number | null>(null, wholeAboveZero, 'plans produced longer ago are refused; unset: no limit'),
  POSITION_TOLERANCE: setting(DEFAULT_TOLERANCE, nonNegativeDecimal, 'largest ledger/exchange position difference the position check accepts'),
  POSITION_TOLERANCES: setting<Record<string, string>>({}, tolerances, 'per-symbol tolerances: BTCUSDT=0.001,ETHUSDT=0.01'),
  EXCHANGE_CLOCK_SKEW_BOUND_MS: setting(DEFAULT_CLOCK_SKEW_BOUND_MS, wholeOrZero, 'largest error of the estimate of the exchange clock (docs/order-protocol.md)'),
  ORDER_SETTLE_BOUND_MS: setting(DEFAULT_SETTLE_BOUND_MS, wholeOrZero, 'how long after its window an unknown order may still execute or stay hidden from lookups'),
  DRIFT_ACTION: setting<(typeof DRIFT_ACTION_SETTINGS)[number]>('record', oneOf(DRIFT_ACTION_SETTINGS), 'what the drift sweep does besides recording a drift: record, or pause the symbol'),
  DRIFT_SWEEP_SECONDS: setting(DEFAULT_DRIFT_SWEEP_SECONDS, wholeAboveZero, 'how often the drift sweep Schedule runs'),

  // Worker process
  HEALTH_PORT: setting(8080, port, 'health server (/livez, /readyz)'),
  METRICS_PORT: setting(9464, port, 'Prometheus endpoint (/metrics): Temporal runtime and project metrics'),
  LISTEN_HOST: setting('0.0.0.0', text, 'interface the health and metrics servers bind to'),
  WORKER_SHUTDOWN_GRACE: setting(30_000, durationMs, 'how long in-flight activities (an order on its way) may finish after SIGTERM'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: setting(100, wholeAboveZero, 'activity tasks in progress at once'),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: setting(20, wholeAboveZero, 'workflow tasks in progress at once (docs/benchmarks.md)'),
  WORKER_MAX_CACHED_WORKFLOWS: setting(100, wholeAboveZero, 'workflows kept in memory; others are replayed when they wake'),
  WORKFLOW_BUNDLE_PATH: setting(none, text, 'prebuilt workflow bundle (the image has one); unset: bundled from source at start'),
  LOG_LEVEL: setting<(typeof LOG_LEVELS)[number]>('info', logLevel, 'level of the JSON logs'),

  // Store
  DATABASE_URL: setting(none, text, 'postgres://… of the ledger; unset: embedded PGlite under PERMIT_CHAIN_DATA_DIR'),
  DATABASE_SCHEMA: setting(none, text, 'PostgreSQL schema; default public'),
  PERMIT_CHAIN_DATA_DIR: setting(none, text, 'embedded ledger, dev server data and stack.json; default .data in the project'),

  // Exchange
  EXCHANGE_VENUE: setting<(typeof VENUE_NAMES)[number]>('paper', oneOf(VENUE_NAMES), 'paper, binance-demo or binance-live'),
  PAPER_EXCHANGE_URL: setting(none, text, 'a paper exchange already running; unset: the embedded stack starts one'),
  EXCHANGE_API_KEY: setting(none, text, 'exchange API key (or EXCHANGE_API_KEY_FILE); the paper venue has its own'),
  EXCHANGE_API_SECRET: setting(none, text, 'exchange API secret (or EXCHANGE_API_SECRET_FILE)'),
  EXCHANGE_TIMEOUT_MS: setting<number | undefined>(undefined, wholeAboveZero, 'HTTP timeout of one exchange request (default 5000)'),
  EXCHANGE_CLOCK_MAX_AGE_MS: setting<number | undefined>(undefined, wholeAboveZero, 'how old the measured exchange clock offset may get before it is measured again'),

  // Redis plan bridge
  REDIS_URL: setting(none, text, 'Redis of the plan stream and the permit mirror; unset: neither runs'),
  PLAN_STREAM: setting('quantum:stream:apply.plan', text, 'stream the plans arrive on'),
  PLAN_STREAM_GROUP: setting('permit-chain', text, 'consumer group of the bridges'),
  PLAN_STREAM_CONSUMER: setting(none, text, 'this bridge consumer name; default host-pid'),
  PLAN_DLQ_STREAM: setting('quantum:stream:apply.plan.dlq', text, 'where entries that are not valid plans go'),
  PLAN_STREAM_START_ID: setting('$', streamStartId, 'where a new consumer group starts: $ (only new plans) or 0 (everything kept)'),
  PLAN_BRIDGE_MAX_IN_FLIGHT: setting(32, wholeAboveZero, 'plan starts in flight at once (back-pressure)'),
  PLAN_BRIDGE_BATCH_SIZE: setting(100, wholeAboveZero, 'entries per XREADGROUP / XAUTOCLAIM'),
  PLAN_BRIDGE_BLOCK_MS: setting(1000, wholeAboveZero, 'how long one XREADGROUP blocks'),
  PLAN_STREAM_CLAIM_IDLE_MS: setting(60_000, wholeOrZero, 'pending entries of other consumers idle this long are taken over'),
  PLAN_STREAM_CLAIM_INTERVAL_MS: setting(15_000, number((n) => Number.isInteger(n) && n >= 100, 'a whole number, 100 or more'), 'how often stale entries are looked for'),
  PLAN_BRIDGE_STATS_INTERVAL_MS: setting(30_000, number((n) => Number.isInteger(n) && n >= 100, 'a whole number, 100 or more'), 'how often counters and lag are logged'),
  PLAN_BRIDGE_BACKOFF_MIN_MS: setting(200, wholeAboveZero, 'first retry delay after a Redis or Temporal failure'),
  PLAN_BRIDGE_BACKOFF_MAX_MS: setting(15_000, wholeAboveZero, 'largest retry delay'),
  PLAN_BRIDGE_START_TIMEOUT_MS: setting(10_000, wholeAboveZero, 'deadline of one workflow start'),
  PLAN_BRIDGE_COMMAND_TIMEOUT_MS: setting(5_000, wholeAboveZero, 'timeout of one non-blocking Redis command'),
  PLAN_BRIDGE_METRICS_PORT: setting<number | null>(null, port, 'serve the bridge metrics on GET /metrics; unset: not served'),
  PERMIT_BRIDGE_ACK_DELAY_MS: setting(0, wholeOrZero, 'TEST HOOK: wait between a start and its XACK (0 in production)'),

  // Permit mirror (the Redis keys the old dashboards read)
  PERMIT_MIRROR: setting<'on' | 'off'>('on', (raw) => oneOf(['on', 'off'] as const)(raw.toLowerCase()), 'off: no copy of permits to Redis even with REDIS_URL'),
  PERMIT_MIRROR_TIMEOUT_MS: setting(500, wholeAboveZero, 'timeout of one mirror write'),

  // permitctl
  PERMITCTL_OPERATOR: setting(none, text, 'who operator actions are recorded as; default user@host'),

  // Payload encryption (every client and worker of a namespace alike) and the Web UI's codec server
  PAYLOAD_CODEC_KEYS: setting<PayloadKeySetting[] | undefined>(undefined, payloadKeys, 'payload encryption keys (or PAYLOAD_CODEC_KEYS_FILE): id=base64 of 32 bytes, comma separated, the first seals new payloads', { secret: true }),
  PAYLOAD_CODEC: setting<'on' | 'off' | undefined>(undefined, (raw) => oneOf(['on', 'off'] as const)(raw.toLowerCase()), 'on: refuse to start without keys; off: seal nothing (keys still open sealed payloads); default: on for a worker connected to a cluster (TEMPORAL_ADDRESS), else on when keys are given'),
  CODEC_SERVER_HOST: setting('127.0.0.1', text, 'interface `permitctl codec-server` listens on (another than loopback needs CODEC_SERVER_TOKEN)'),
  CODEC_SERVER_PORT: setting(8234, port, 'port of `permitctl codec-server`, and the one `up` prefers'),
  CODEC_SERVER_TOKEN: setting(none, text, 'bearer token every codec request must carry (or CODEC_SERVER_TOKEN_FILE)', { secret: true }),
  CODEC_SERVER_ORIGINS: setting<string[]>([], (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean), 'Web UI origins allowed to call the codec server from a browser (CORS), comma separated'),
});

export type Settings = z.output<typeof SETTINGS>;

export type SettingName = keyof typeof SETTINGS.shape;

/** Secrets are read by the one rule of secrets.ts, before the schema sees them, and only when asked for. */
const SECRETS: readonly SettingName[] = ['TEMPORAL_API_KEY', 'EXCHANGE_API_KEY', 'EXCHANGE_API_SECRET', 'PAYLOAD_CODEC_KEYS', 'CODEC_SERVER_TOKEN'];

function withSecrets(env: Env, names: readonly SettingName[]): Env {
  const resolved: Env = { ...env };
  for (const name of SECRETS.filter((secret) => names.includes(secret))) {
    try {
      resolved[name] = secretFromEnv(env, name);
    } catch (err) {
      throw new ConfigError(err instanceof Error ? err.message : String(err));
    }
  }
  return resolved;
}

function configError(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): ConfigError {
  return new ConfigError(issues.map((issue) => `${String(issue.path[0])} ${issue.message}`).join('; '));
}

/** Every setting, checked; a bad value throws a ConfigError of one line naming each bad variable. */
export function readSettings(env: Env = process.env): Settings {
  const result = SETTINGS.safeParse(withSecrets(env, Object.keys(SETTINGS.shape) as SettingName[]));
  if (result.success) return result.data;
  throw configError(result.error.issues);
}

/**
 * The settings a component reads, checked by the same schema: a process is refused for a bad value of
 * a setting it uses, never for one of another component's (a CLI pod need not mount the exchange secrets).
 */
export function readSettingsOf<K extends SettingName>(env: Env, names: readonly K[]): Pick<Settings, K> {
  const schema = z.object(Object.fromEntries(names.map((name) => [name, SETTINGS.shape[name]])));
  const result = schema.safeParse(withSecrets(env, names));
  // The fields are SETTINGS' own schemas for exactly these names, so the output is Settings' slice of them.
  if (result.success) return result.data as unknown as Pick<Settings, K>;
  throw configError(result.error.issues);
}
