// The permit mirror: the seed's keys and JSON fields in the real Redis, expiring with the permit, and
// never failing the chain when Redis is away.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideGovernorPermit, decidePositionPermit } from '../../src/domain/permits.js';
import { RedisPermitMirror, mirrorTtlMs } from '../../src/store/redis-permit-mirror.js';
import { newPlan } from '../support/plans.js';
import { connectTestRedis, TEST_REDIS_URL, testLogger } from '../intake/redis-helpers.js';

const GOVERNOR_FIELDS = ['permit_key', 'granted', 'symbol', 'decision', 'computed_qty', 'computed_notional', 'created_at', 'consumed', 'ttl_seconds'];
const P33_FIELDS = ['permit_key', 'allow', 'symbol', 'reason', 'context', 'created_at', 'ttl_seconds'];

function permitsFor(planId: string, now = Date.now()) {
  const plan = { ...newPlan('BTCUSDT', 'PARTIAL_75'), plan_id: planId };
  const governor = decideGovernorPermit({
    plan,
    sequence: 1,
    positionAmount: '0.062',
    markPrice: '60000',
    market: { stepSize: '0.001', minQty: '0.001' },
    pausedScope: null,
    maxOrderNotional: null,
    maxPlanAgeSeconds: null,
    now,
    ttlSeconds: 15,
  });
  const position = decidePositionPermit({ plan, sequence: 1, exchangeAmount: '0.062', ledgerAmount: '0.002', tolerance: '0.001', now, ttlSeconds: 15 });
  return { governor, position };
}

describe('Redis permit mirror', () => {
  let redis: Redis;
  let mirror: RedisPermitMirror;
  const keys: string[] = [];

  beforeAll(async () => {
    redis = await connectTestRedis();
    mirror = new RedisPermitMirror({ redisUrl: TEST_REDIS_URL, logger: testLogger() });
  });
  afterAll(async () => {
    if (keys.length > 0) await redis?.del(...keys);
    await mirror?.close();
    redis?.disconnect();
  });

  it('marks the governor copy consumed once its order is placed, keeping its TTL', async () => {
    const planId = `mirror-used-${Date.now().toString(36)}`;
    const { governor } = permitsFor(planId);
    keys.push(`quantum:permit:${planId}`);
    await mirror.governor(planId, governor);
    const before = await redis.pttl(`quantum:permit:${planId}`);
    await mirror.governorConsumed(planId);
    const g = JSON.parse((await redis.get(`quantum:permit:${planId}`))!) as Record<string, unknown>;
    expect(Object.keys(g)).toEqual(GOVERNOR_FIELDS);
    expect(g).toMatchObject({ consumed: true, granted: true, computed_qty: 0.046 });
    const after = await redis.pttl(`quantum:permit:${planId}`);
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThanOrEqual(before);
  });

  it('does not bring back an expired governor copy when marking it consumed', async () => {
    const planId = `mirror-gone-${Date.now().toString(36)}`;
    await mirror.governorConsumed(planId);
    expect(await redis.exists(`quantum:permit:${planId}`)).toBe(0);
  });

  it('writes quantum:permit:<plan_id> and quantum:permit:p33:<plan_id> with the seed fields and a TTL ≤ 15 s', async () => {
    const planId = `mirror-${Date.now().toString(36)}`;
    const { governor, position } = permitsFor(planId);
    keys.push(`quantum:permit:${planId}`, `quantum:permit:p33:${planId}`);
    await mirror.governor(planId, governor);
    await mirror.position(planId, position);

    const g = JSON.parse((await redis.get(`quantum:permit:${planId}`))!) as Record<string, unknown>;
    expect(Object.keys(g)).toEqual(GOVERNOR_FIELDS);
    expect(g).toEqual({
      permit_key: `quantum:permit:${planId}`,
      granted: true,
      symbol: 'BTCUSDT',
      decision: 'EXECUTE',
      computed_qty: 0.046,
      computed_notional: 2760,
      created_at: governor.created_at,
      consumed: false,
      ttl_seconds: 15,
    });
    const p = JSON.parse((await redis.get(`quantum:permit:p33:${planId}`))!) as Record<string, unknown>;
    expect(Object.keys(p)).toEqual(P33_FIELDS);
    expect(p).toEqual({
      permit_key: `quantum:permit:p33:${planId}`,
      allow: false,
      symbol: 'BTCUSDT',
      reason: 'reconcile_required_qty_mismatch',
      context: { exchange_amt: 0.062, ledger_amt: 0.002, diff: 0.06, tolerance: 0.001 },
      created_at: position.created_at,
      ttl_seconds: 15,
    });
    for (const key of keys) {
      const pttl = await redis.pttl(key);
      expect(pttl).toBeGreaterThan(13_000);
      expect(pttl).toBeLessThanOrEqual(15_000);
      expect(await redis.ttl(key)).toBeLessThanOrEqual(15);
    }
  });

  it('lets a key live only until the permit expires, and writes nothing for an expired permit', async () => {
    const planId = `mirror-old-${Date.now().toString(36)}`;
    const { governor } = permitsFor(planId, Date.now() - 10_000);
    keys.push(`quantum:permit:${planId}`);
    await mirror.governor(planId, governor);
    const pttl = await redis.pttl(`quantum:permit:${planId}`);
    expect(pttl).toBeGreaterThan(3_000);
    expect(pttl).toBeLessThanOrEqual(5_000);

    const expiredId = `mirror-gone-${Date.now().toString(36)}`;
    await mirror.governor(expiredId, permitsFor(expiredId, Date.now() - 16_000).governor);
    expect(await redis.exists(`quantum:permit:${expiredId}`)).toBe(0);
    expect(mirrorTtlMs({ expires_at: 'not a date', ttl_seconds: 15 }, Date.now())).toBe(0);
  });

  it('never throws and returns quickly when Redis is unreachable', async () => {
    const down = new RedisPermitMirror({ redisUrl: 'redis://127.0.0.1:1', commandTimeoutMs: 200, logger: testLogger() });
    try {
      const { governor, position } = permitsFor('unreachable');
      const t0 = Date.now();
      await expect(down.governor('unreachable', governor)).resolves.toBeUndefined();
      await expect(down.position('unreachable', position)).resolves.toBeUndefined();
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await down.close();
    }
  });
});
