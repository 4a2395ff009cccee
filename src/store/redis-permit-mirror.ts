// Mirrors every permit decision to the Redis keys the old deployment's dashboards read:
//   quantum:permit:<plan_id>      the governor's permit (P3.2)
//   quantum:permit:p33:<plan_id>  the position-state permit (P3.3)
// as the seed's JSON, expiring with the permit (SET … PX <ms left until expires_at>). The store stays
// the source of truth: a Redis outage costs only the copy. Nothing here ever throws into the chain.
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { PermitMirror } from './permit-mirror.js';
import { decimalNumber } from '../domain/decimal.js';
import type { GovernorPermit, PositionPermit } from '../domain/permits.js';
import { contextAsJson } from './permit-rows.js';
import { governorPermitKey, positionPermitKey } from '../domain/plan.js';
import { DEFAULT_REDIS_URL, permitMirrorConfigFromEnv } from '../config/bridge.js';
import type { Env } from '../config/settings.js';
import { logLevelFromEnv } from '../config/process.js';
import { errorText } from '../domain/error-text.js';

/** The governor permit as the seed shows it under quantum:permit:<plan_id>. */
export interface MirroredGovernorPermit {
  permit_key: string;
  granted: boolean;
  symbol: string;
  decision: string;
  computed_qty: number;
  computed_notional: number;
  created_at: string;
  consumed: boolean;
  ttl_seconds: number;
}

/** The P3.3 permit as the seed shows it under quantum:permit:p33:<plan_id>. */
export interface MirroredPositionPermit {
  permit_key: string;
  allow: boolean;
  symbol: string;
  reason: string | null;
  /** exchange_amt, ledger_amt, diff, tolerance (and in_flight) as numbers, as in the seed. */
  context: Record<string, unknown>;
  created_at: string;
  ttl_seconds: number;
}

export function mirroredGovernorPermit(p: GovernorPermit): MirroredGovernorPermit {
  return {
    permit_key: p.permit_key,
    granted: p.granted,
    symbol: p.symbol,
    decision: p.decision,
    computed_qty: decimalNumber(p.computed_qty),
    computed_notional: decimalNumber(p.computed_notional),
    created_at: p.created_at,
    consumed: p.consumed,
    ttl_seconds: p.ttl_seconds,
  };
}

export function mirroredPositionPermit(p: PositionPermit): MirroredPositionPermit {
  return {
    permit_key: p.permit_key,
    allow: p.allow,
    symbol: p.symbol,
    reason: p.reason,
    context: contextAsJson(p.context),
    created_at: p.created_at,
    ttl_seconds: p.ttl_seconds,
  };
}

/** Milliseconds the key should live: until the permit expires, never longer than its TTL; ≤ 0 means expired. */
export function mirrorTtlMs(permit: { expires_at: string; ttl_seconds: number }, now: number): number {
  const left = Date.parse(permit.expires_at) - now;
  if (!Number.isFinite(left)) return 0;
  return Math.min(Math.floor(left), permit.ttl_seconds * 1000);
}

export interface RedisPermitMirrorOptions {
  redisUrl?: string;
  /** Longest a mirror write may take before it is given up (the activity waits for it). */
  commandTimeoutMs?: number;
  logger?: Logger;
  now?: () => number;
}

export class RedisPermitMirror implements PermitMirror {
  private readonly redis: Redis;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly commandTimeoutMs: number;
  private everConnected = false;
  private lastErrorLogAt = 0;
  private suppressedErrors = 0;

  constructor(opts: RedisPermitMirrorOptions = {}) {
    const timeout = opts.commandTimeoutMs ?? 500;
    this.commandTimeoutMs = timeout;
    this.log = (opts.logger ?? pino({ name: 'permit-mirror', level: logLevelFromEnv() }, pino.destination({ fd: 2, sync: true }))).child({ component: 'permit-mirror' });
    this.now = opts.now ?? Date.now;
    this.redis = new Redis(opts.redisUrl ?? DEFAULT_REDIS_URL, {
      connectionName: 'permit-chain-mirror',
      commandTimeout: timeout,
      connectTimeout: Math.max(timeout, 1000),
      // No queueing while Redis is away: a write fails at once instead of piling up or delaying the chain.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(5000, 100 * 2 ** Math.min(times, 6)),
    });
    this.redis.on('error', () => undefined); // connection errors surface (throttled) through failed writes
    this.redis.once('ready', () => {
      this.everConnected = true;
    });
  }

  async governor(planId: string, permit: GovernorPermit): Promise<void> {
    await this.write(governorPermitKey(planId), mirroredGovernorPermit(permit), permit);
  }

  async position(planId: string, permit: PositionPermit): Promise<void> {
    await this.write(positionPermitKey(planId), mirroredPositionPermit(permit), permit);
  }

  async governorConsumed(planId: string): Promise<void> {
    const key = governorPermitKey(planId);
    try {
      await this.whenConnected();
      const current = await this.redis.get(key);
      if (current === null) return; // expired already: nothing to mark
      const permit = JSON.parse(current) as MirroredGovernorPermit;
      // XX + KEEPTTL: only while the key still lives, and it keeps expiring with the permit.
      await this.redis.set(key, JSON.stringify({ ...permit, consumed: true }), 'KEEPTTL', 'XX');
    } catch (err) {
      this.logFailure(key, err);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private async write(key: string, value: object, permit: { expires_at: string; ttl_seconds: number }): Promise<void> {
    try {
      await this.whenConnected();
      const ttlMs = mirrorTtlMs(permit, this.now()); // measured after any wait, so the key never outlives the permit
      if (ttlMs <= 0) return; // already expired: the old tools would not see it either
      await this.redis.set(key, JSON.stringify(value), 'PX', ttlMs);
    } catch (err) {
      this.logFailure(key, err);
    }
  }

  /**
   * Before the first connection, waits at most one command timeout for it; once Redis has been lost after
   * that, a write fails at once (no waiting on every permit through an outage).
   */
  private async whenConnected(): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (this.everConnected) throw new Error(`Redis not connected (${this.redis.status})`);
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error(`Redis not connected (${this.redis.status})`));
      }, this.commandTimeoutMs);
      this.redis.once('ready', onReady);
    });
  }

  /** One warning per 30 s at most while Redis is away, with how many were left out. */
  private logFailure(key: string, err: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorLogAt < 30_000) {
      this.suppressedErrors += 1;
      return;
    }
    this.log.warn({ event: 'mirror_write_failed', key, err: errorText(err), suppressed: this.suppressedErrors }, 'permit mirror write failed (the chain goes on)');
    this.lastErrorLogAt = now;
    this.suppressedErrors = 0;
  }
}

/** The mirror when REDIS_URL is set and PERMIT_MIRROR is not `off`; null otherwise. */
export function permitMirrorFromEnv(env?: Env, logger?: Logger): RedisPermitMirror | null {
  const cfg = permitMirrorConfigFromEnv(env);
  return cfg ? new RedisPermitMirror({ ...cfg, ...(logger ? { logger } : {}) }) : null;
}
