// `permitctl bridge` as a real process: killed with SIGKILL after reading and starting but before
// acknowledging (PERMIT_BRIDGE_ACK_DELAY_MS, a test hook, holds the XACK back), a restarted bridge
// settles the entries with no second workflow, under the same consumer name (own pending list) or a
// new one (XAUTOCLAIM of the dead consumer's entries).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/workers/ports.js';
import { newPlan } from '../support/plans.js';
import { cleanEnv } from '../support/stack.js';
import { connectTestRedis, pendingCount, publishFlat, TEST_REDIS_URL, uniqueId, uniqueStreams, waitFor, type StreamNames } from './redis-helpers.js';
import { executionsOfPlan, startTestTemporal, workflowExists, workflowIdsOn, type TestTemporal } from './temporal-helpers.js';

const PERMITCTL = fileURLToPath(new URL('../../bin/permitctl.js', import.meta.url));

interface BridgeChild {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  events(): Array<Record<string, unknown>>;
}

function spawnBridge(temporal: TestTemporal, names: StreamNames, taskQueue: string, extra: Record<string, string>): BridgeChild {
  const env = cleanEnv({
    TEMPORAL_ADDRESS: temporal.server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    REDIS_URL: TEST_REDIS_URL,
    PLAN_STREAM: names.stream,
    PLAN_STREAM_START_ID: '0',
    PLAN_STREAM_GROUP: names.group,
    PLAN_DLQ_STREAM: names.dlq,
    PLAN_BRIDGE_BLOCK_MS: '200',
    PLAN_STREAM_CLAIM_INTERVAL_MS: '200',
    LOG_LEVEL: 'info',
    ...extra,
  });
  const child = spawn(process.execPath, [PERMITCTL, 'bridge'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const events = () =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, exited, events };
}

describe('permitctl bridge process', () => {
  let redis: Redis;
  let temporal: TestTemporal;
  const keys: string[] = [];
  const children: BridgeChild[] = [];

  beforeAll(async () => {
    redis = await connectTestRedis();
    temporal = await startTestTemporal();
  });

  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    if (keys.length > 0) await redis?.del(...keys);
    redis?.disconnect();
    await temporal?.stop();
  });

  it.each([
    { restartAs: 'the same consumer name (its own pending list)', sameConsumer: true },
    { restartAs: 'a new consumer name (XAUTOCLAIM of the dead one)', sameConsumer: false },
  ])('SIGKILL between start and XACK, restarted as $restartAs: every plan settled once, nothing pending', async ({ sameConsumer }) => {
    const names = uniqueStreams('kill');
    keys.push(names.stream, names.dlq);
    const taskQueue = uniqueId('tq');
    const plans = [newPlan('BTCUSDT', 'PARTIAL_75', 'kill'), newPlan('ETHUSDT', 'PARTIAL_25', 'kill'), newPlan('BTCUSDT', 'FULL_CLOSE', 'kill')];
    for (const plan of plans) await publishFlat(redis, names.stream, plan);

    const first = spawnBridge(temporal, names, taskQueue, { PLAN_STREAM_CONSUMER: 'bridge-a', PERMIT_BRIDGE_ACK_DELAY_MS: '600000' });
    children.push(first);
    await waitFor(async () => (await Promise.all(plans.map((p) => workflowExists(temporal.client, p.plan_id)))).every(Boolean), (all) => all, 'all plans started by the first bridge', 30_000);
    expect(await pendingCount(redis, names.stream, names.group)).toBe(3); // read and started, not acknowledged
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await pendingCount(redis, names.stream, names.group)).toBe(3);

    const port = await freePort();
    const metricsEnv = { PLAN_BRIDGE_METRICS_PORT: String(port), LISTEN_HOST: '127.0.0.1' };
    const second = spawnBridge(temporal, names, taskQueue, {
      ...metricsEnv,
      ...(sameConsumer ? { PLAN_STREAM_CONSUMER: 'bridge-a' } : { PLAN_STREAM_CONSUMER: 'bridge-b', PLAN_STREAM_CLAIM_IDLE_MS: '1000' }),
    });
    children.push(second);
    await waitFor(() => pendingCount(redis, names.stream, names.group), (n) => n === 0, 'pending list drained by the restarted bridge', 30_000);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('permit_chain_bridge_entries_total{result="duplicate"} 3');
    expect(metrics).toContain('permit_chain_bridge_entries_total{result="started"} 0');
    expect(metrics).toContain('permit_chain_bridge_pending_entries 0');
    expect(metrics).toContain('permit_chain_bridge_undelivered_entries 0');
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });

    const events = second.events();
    expect(events.filter((e) => e.event === 'duplicate').map((e) => e.plan_id).sort()).toEqual(plans.map((p) => p.plan_id).sort());
    expect(events.filter((e) => e.event === 'started')).toEqual([]);
    expect(events.find((e) => e.event === 'bridge_stopped')).toMatchObject({ started: 0, duplicates: 3, deadLettered: 0, pending: 0 });
    if (!sameConsumer) expect(events.some((e) => e.event === 'claimed_stale')).toBe(true);
    for (const plan of plans) expect(await executionsOfPlan(temporal.client, plan.plan_id)).toBe(1);
    expect((await waitFor(() => workflowIdsOn(temporal.client, taskQueue), (l) => l.length >= 3, 'workflows listed')).length).toBe(3);
  });
});
