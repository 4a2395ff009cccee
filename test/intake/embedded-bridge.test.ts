// The bridge inside the embedded stack (REDIS_URL set): plans published to the stream run the real
// chain (worker, paper exchange via ccxt, store), and the permits appear under the old Redis keys.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPlan, waitForStage } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';
import { connectTestRedis, pendingCount, publishFlat, publishJson, TEST_REDIS_URL, uniqueStreams, waitFor } from './redis-helpers.js';
import { executionsOfPlan, workflowExists } from './temporal-helpers.js';

describe('Redis intake in the embedded stack', () => {
  let redis: Redis;
  let t: ChainStack;
  const names = uniqueStreams('stack');
  const keys: string[] = [names.stream, names.dlq];

  beforeAll(async () => {
    redis = await connectTestRedis();
    t = await startChainStack({
      markets: [
        { symbol: 'BTCUSDT', position: '0.062', markPrice: '60000', entryPrice: '58000' },
        { symbol: 'ETHUSDT', position: '1', markPrice: '3000' },
      ],
      env: {
        REDIS_URL: TEST_REDIS_URL,
        PLAN_STREAM: names.stream,
        PLAN_STREAM_GROUP: names.group,
        PLAN_DLQ_STREAM: names.dlq,
        PLAN_BRIDGE_BLOCK_MS: '200',
        // The bridge creates its group in the background as the stack starts: take the whole stream, so a
        // plan published right after start-up cannot fall before the group's `$`.
        PLAN_STREAM_START_ID: '0',
        RECONCILE_WAIT_SECONDS: '1',
        LOG_LEVEL: process.env.INTAKE_TEST_LOG ?? 'warn',
      },
    });
  });

  afterAll(async () => {
    await t?.stop();
    if (redis) {
      await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('a plan XADDed in the seed shape runs the chain: P3.3 denies, the old permit keys show it, the plan ends DENIED', async () => {
    const plan = { ...newPlan('BTCUSDT', 'PARTIAL_75', 'seed'), kill_score: 0.539 };
    keys.push(`quantum:permit:${plan.plan_id}`, `quantum:permit:p33:${plan.plan_id}`);
    await t.setLedger('BTCUSDT', '0.002'); // the seed's ledger, behind the exchange's 0.062
    await publishFlat(redis, names.stream, { ...plan, kill_score: '0.5390' });

    const denied = await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile');
    const governor = JSON.parse((await redis.get(`quantum:permit:${plan.plan_id}`)) ?? 'null') as Record<string, unknown>;
    expect(governor).toEqual({
      permit_key: `quantum:permit:${plan.plan_id}`,
      granted: true,
      symbol: 'BTCUSDT',
      decision: 'EXECUTE',
      computed_qty: 0.046,
      computed_notional: 2760,
      created_at: denied.permits.governor!.created_at,
      consumed: false,
      ttl_seconds: 15,
    });
    const p33 = JSON.parse((await redis.get(`quantum:permit:p33:${plan.plan_id}`)) ?? 'null') as Record<string, unknown>;
    expect(p33).toEqual({
      permit_key: `quantum:permit:p33:${plan.plan_id}`,
      allow: false,
      symbol: 'BTCUSDT',
      reason: 'reconcile_required_qty_mismatch',
      context: { exchange_amt: 0.062, ledger_amt: 0.002, diff: 0.06, tolerance: 0.001 },
      created_at: denied.permits.p33!.created_at,
      ttl_seconds: 15,
    });
    for (const key of [`quantum:permit:${plan.plan_id}`, `quantum:permit:p33:${plan.plan_id}`]) {
      const pttl = await redis.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(15_000);
      expect(await redis.ttl(key)).toBeLessThanOrEqual(15);
    }

    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'DENIED', reason: expect.stringContaining('reconcile_required_qty_mismatch') });
    expect(await t.paper.orderRequests('BTCUSDT')).toEqual([]);
    expect(await pendingCount(redis, names.stream, names.group)).toBe(0);
  });

  it('the same plan published twice: one workflow, one order', async () => {
    const plan = newPlan('ETHUSDT', 'PARTIAL_50', 'twice');
    keys.push(`quantum:permit:${plan.plan_id}`, `quantum:permit:p33:${plan.plan_id}`);
    await t.setLedger('ETHUSDT', '1');
    const before = t.stack.bridge!.stats();
    await publishJson(redis, names.stream, plan);
    await publishJson(redis, names.stream, plan);

    await waitFor(() => workflowExists(t.stack.client, plan.plan_id), Boolean, 'plan started by the bridge');
    const final = await t.result(plan.plan_id);
    expect(final.state).toBe('EXECUTED');
    await waitFor(() => t.stack.bridge!.stats(), (s) => s.duplicates === before.duplicates + 1, 'second copy settled as a duplicate');
    expect(t.stack.bridge!.stats().started).toBe(before.started + 1);
    expect(await executionsOfPlan(t.stack.client, plan.plan_id)).toBe(1);
    const posts = await t.paper.orderPosts('ETHUSDT');
    expect(posts.length).toBe(1);
    expect(posts[0]!.params).toMatchObject({ newClientOrderId: `pc1-${plan.plan_id}`, side: 'SELL', reduceOnly: 'true' });
    expect((await t.paper.acceptedOrders('ETHUSDT')).length).toBe(1);
    expect(await t.paper.position('ETHUSDT')).toBe('0.5');
    expect(await pendingCount(redis, names.stream, names.group)).toBe(0);
  });
});
