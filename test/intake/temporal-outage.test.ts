// Temporal down: the bridge's starts fail, nothing is acknowledged; once the server is back on the same
// address (same SQLite file), the retried starts go through and the pending list drains.
import { rmSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPlanBridge } from '../../src/intake/redis-bridge.js';
import { freePort } from '../../src/workers/ports.js';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import { newPlan } from '../support/plans.js';
import { tempDir } from '../support/stack.js';
import { connectTestRedis, pendingCount, publishFlat, TEST_REDIS_URL, testLogger, uniqueId, uniqueStreams, waitFor } from './redis-helpers.js';
import { executionsOfPlan } from './temporal-helpers.js';
import { DEFAULT_CHAIN_POLICY } from '../../src/domain/chain-policy.js';

describe('Redis plan bridge while Temporal is down', () => {
  let redis: Redis;
  let server: DevServer | null = null;
  let connection: Connection | null = null;
  let bridge: RedisPlanBridge | null = null;
  const dataDir = tempDir('intake-outage');
  const names = uniqueStreams('outage');

  beforeAll(async () => {
    redis = await connectTestRedis();
  });

  afterAll(async () => {
    await bridge?.stop();
    await connection?.close();
    await server?.stop();
    if (redis) {
      await redis.del(names.stream, names.dlq);
      redis.disconnect();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves entries pending while starts fail, then starts each plan once when Temporal is back', async () => {
    const port = await freePort();
    server = await startDevServer({ dataDir, port, uiPort: false });
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    bridge = new RedisPlanBridge({
      temporal: { client, taskQueue: uniqueId('tq'), policy: DEFAULT_CHAIN_POLICY },
      env: {},
      logger: testLogger(),
      config: { redisUrl: TEST_REDIS_URL, startId: '0', stream: names.stream, group: names.group, dlqStream: names.dlq, consumer: 'outage', blockMs: 100, backoffMinMs: 100, backoffMaxMs: 1000, startTimeoutMs: 2000 },
    });
    bridge.start();
    await server.stop();
    server = null;

    const plans = [newPlan('BTCUSDT'), newPlan('ETHUSDT')];
    for (const plan of plans) await publishFlat(redis, names.stream, plan);
    await waitFor(() => bridge!.stats().retries, (n) => n >= 2, 'failed start attempts', 30_000);
    expect(bridge.stats()).toMatchObject({ started: 0, duplicates: 0 });
    expect(await pendingCount(redis, names.stream, names.group)).toBe(2); // read, never acknowledged

    server = await startDevServer({ dataDir, port, uiPort: false });
    await waitFor(() => pendingCount(redis, names.stream, names.group), (n) => n === 0, 'pending list drained after Temporal came back', 30_000);
    expect(bridge.stats()).toMatchObject({ started: 2, duplicates: 0 });
    for (const plan of plans) expect(await executionsOfPlan(client, plan.plan_id)).toBe(1);
  });
});
