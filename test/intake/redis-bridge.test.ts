// The Redis plan bridge against the real Redis and a real Temporal dev server. No worker polls the task
// queues here: what the bridge does is *start* plans, and a started workflow is what is checked.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.js';
import { RedisPlanBridge, type PlanStarter } from '../../src/intake/redis-bridge.js';
import type { BridgeConfigOverrides } from '../../src/config/bridge.js';
import { InvalidPlanError, startPlanWorkflow } from '../../src/client/start-plan.js';
import { newPlan } from '../support/plans.js';
import {
  connectTestRedis,
  pendingCount,
  publishFlat,
  publishJson,
  readAll,
  TEST_REDIS_URL,
  testLogger,
  uniqueId,
  uniqueStreams,
  waitFor,
  type StreamNames,
} from './redis-helpers.js';
import { executionsOfPlan, startTestTemporal, workflowExists, workflowIdsOn, type TestTemporal } from './temporal-helpers.js';
import { DEFAULT_CHAIN_POLICY } from '../../src/domain/chain-policy.js';

describe('Redis plan bridge', () => {
  let redis: Redis;
  let temporal: TestTemporal;
  const bridges: RedisPlanBridge[] = [];
  const keys: string[] = [];

  beforeAll(async () => {
    redis = await connectTestRedis();
    temporal = await startTestTemporal();
  });

  afterEach(async () => {
    await Promise.all(bridges.splice(0).map((b) => b.stop()));
    if (keys.length > 0) await redis.del(...keys.splice(0));
  });

  afterAll(async () => {
    redis?.disconnect();
    await temporal?.stop();
  });

  function streams(label: string): StreamNames {
    const names = uniqueStreams(label);
    keys.push(names.stream, names.dlq);
    return names;
  }

  function startBridge(names: StreamNames, opts: { taskQueue?: string; startPlan?: PlanStarter; config?: BridgeConfigOverrides } = {}): RedisPlanBridge {
    const target = opts.startPlan
      ? { startPlan: opts.startPlan }
      : { temporal: { client: temporal.client, taskQueue: opts.taskQueue ?? uniqueId('tq'), policy: DEFAULT_CHAIN_POLICY } };
    const bridge = new RedisPlanBridge({
      ...target,
      env: {},
      logger: testLogger(),
      config: {
        redisUrl: TEST_REDIS_URL,
        startId: '0',
        stream: names.stream,
        group: names.group,
        dlqStream: names.dlq,
        consumer: uniqueId('consumer'),
        blockMs: 100,
        backoffMinMs: 20,
        backoffMaxMs: 200,
        ...opts.config,
      },
    });
    bridges.push(bridge);
    bridge.start();
    return bridge;
  }

  const settled = (b: RedisPlanBridge) => {
    const s = b.stats();
    return s.started + s.duplicates + s.deadLettered + s.skipped;
  };

  it('starts a plan published before the group existed, once, however often it is published', async () => {
    const names = streams('dup');
    const taskQueue = uniqueId('tq');
    const plan = newPlan('BTCUSDT', 'PARTIAL_75', 'seed');
    await publishFlat(redis, names.stream, plan); // seed shape, flat fields, before any bridge ran
    await publishJson(redis, names.stream, plan);
    await publishJson(redis, names.stream, plan, 'payload');

    const bridge = startBridge(names, { taskQueue });
    await waitFor(() => settled(bridge), (n) => n === 3, 'three entries settled');

    expect(bridge.stats()).toMatchObject({ started: 1, duplicates: 2, deadLettered: 0, skipped: 0 });
    expect(await executionsOfPlan(temporal.client, plan.plan_id)).toBe(1);
    expect(await waitFor(() => workflowIdsOn(temporal.client, taskQueue), (l) => l.length > 0, 'workflow listed')).toEqual([`plan-${plan.plan_id}`]);
    expect(await pendingCount(redis, names.stream, names.group)).toBe(0);
  });

  it('dead-letters an invalid entry with its original fields, field-level error and source id, and skips non-EXECUTE', async () => {
    const names = streams('dlq');
    const bad = { ...newPlan('BTCUSDT'), action: 'OPEN_LONG', kill_score: '1.7' };
    const badId = await publishFlat(redis, names.stream, bad);
    const brokenId = await redis.xadd(names.stream, '*', 'plan', '{"plan_id": "x"', 'producer', 'apply-layer');
    await publishFlat(redis, names.stream, { ...newPlan('ETHUSDT'), decision: 'HOLD' });

    // The starter answers as startPlanWorkflow does (the test above shows it): HOLD is not started.
    const bridge = startBridge(names, { startPlan: async (plan) => (plan.decision === 'EXECUTE' ? { started: true } : { started: false, reason: 'not_execute' }) });
    await waitFor(() => settled(bridge), (n) => n === 3, 'three entries settled');

    expect(bridge.stats()).toMatchObject({ started: 0, deadLettered: 2, skipped: 1 });
    const dlq = await readAll(redis, names.dlq);
    expect(dlq.map((e) => e.fields.source_id)).toEqual([badId, brokenId]);
    expect(dlq[0]!.fields).toMatchObject({
      plan_id: bad.plan_id,
      action: 'OPEN_LONG',
      kill_score: '1.7',
      source_stream: names.stream,
      error: 'action: action must be one of PARTIAL_25, PARTIAL_50, PARTIAL_75, FULL_CLOSE; kill_score: kill_score must be between 0 and 1',
    });
    expect(dlq[1]!.fields).toMatchObject({ plan: '{"plan_id": "x"', producer: 'apply-layer' });
    expect(dlq[1]!.fields.error).toMatch(/^plan: not valid JSON/);
    expect(await pendingCount(redis, names.stream, names.group)).toBe(0);
  });

  it('dead-letters a plan timestamped in milliseconds or from the future with the field error, and starts neither', async () => {
    const names = streams('timestamp');
    const taskQueue = uniqueId('tq');
    const inMs = { ...newPlan('BTCUSDT', 'PARTIAL_75', 'ms'), timestamp: Date.now() };
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const fromFuture = { ...newPlan('BTCUSDT', 'PARTIAL_75', 'future'), timestamp: inAnHour };
    const valid = newPlan('BTCUSDT', 'PARTIAL_75', 'now');
    const msId = await publishFlat(redis, names.stream, inMs);
    const futureId = await publishJson(redis, names.stream, fromFuture);
    await publishFlat(redis, names.stream, valid);

    const bridge = startBridge(names, { taskQueue });
    await waitFor(() => settled(bridge), (n) => n === 3, 'three entries settled');

    expect(bridge.stats()).toMatchObject({ started: 1, deadLettered: 2, duplicates: 0, skipped: 0, retries: 0 });
    const dlq = await readAll(redis, names.dlq);
    expect(dlq.map((e) => e.fields.source_id)).toEqual([msId, futureId]);
    expect(dlq[0]!.fields).toMatchObject({ plan_id: inMs.plan_id, timestamp: String(inMs.timestamp), error: `timestamp: ${inMs.timestamp} looks like milliseconds; send unix seconds` });
    expect(dlq[1]!.fields.plan).toBe(JSON.stringify(fromFuture));
    // 3600 s, or 3599 when a second boundary passed between publishing and reading the entry.
    expect(dlq[1]!.fields.error).toMatch(new RegExp(`^timestamp: ${inAnHour} is 3(600|599) s in the future \\(allowed skew 60 s\\)$`));
    expect(await workflowExists(temporal.client, inMs.plan_id)).toBe(false);
    expect(await workflowExists(temporal.client, fromFuture.plan_id)).toBe(false);
    expect(await waitFor(() => workflowIdsOn(temporal.client, taskQueue), (l) => l.length > 0, 'workflow listed')).toEqual([`plan-${valid.plan_id}`]);
    expect(await pendingCount(redis, names.stream, names.group)).toBe(0);
  });

  it('startPlanWorkflow itself refuses a plan built in code with a millisecond or future timestamp (InvalidPlanError), starting nothing', async () => {
    const target = { taskQueue: uniqueId('tq'), policy: DEFAULT_CHAIN_POLICY };
    const inMs = { ...newPlan('BTCUSDT', 'PARTIAL_75', 'ms'), timestamp: 1769301008976 };
    const fromFuture = { ...newPlan('BTCUSDT', 'PARTIAL_75', 'future'), timestamp: Math.floor(Date.now() / 1000) + 3600 };
    await expect(startPlanWorkflow(temporal.client, inMs, target)).rejects.toThrow(InvalidPlanError);
    await expect(startPlanWorkflow(temporal.client, inMs, target)).rejects.toThrow('invalid plan: timestamp: 1769301008976 looks like milliseconds; send unix seconds');
    await expect(startPlanWorkflow(temporal.client, fromFuture, target)).rejects.toThrow(/^invalid plan: timestamp: \d+ is 3[56]\d\d s in the future \(allowed skew 60 s\)$/);
    expect(await workflowExists(temporal.client, inMs.plan_id)).toBe(false);
    expect(await workflowExists(temporal.client, fromFuture.plan_id)).toBe(false);
  });

  it('startPlanWorkflow itself starts only EXECUTE plans: a HOLD plan is answered not_execute and never reaches Temporal', async () => {
    const target = { taskQueue: uniqueId('tq'), policy: DEFAULT_CHAIN_POLICY };
    const hold = { ...newPlan('BTCUSDT', 'PARTIAL_75', 'hold'), decision: 'HOLD' };
    const result = await startPlanWorkflow(temporal.client, hold, target);
    expect(result).toMatchObject({ started: false, reason: 'not_execute', detail: 'decision is HOLD; only EXECUTE plans start a workflow' });
    expect(await workflowExists(temporal.client, hold.plan_id)).toBe(false);
  });

  it('1,000 entries incl. malformed ones: every valid plan started once, every malformed one dead-lettered, nothing pending', async () => {
    const names = streams('k');
    const taskQueue = uniqueId('tq');
    const valid: Plan[] = [];
    const malformed = new Map<string, string>(); // stream id → expected error fragment
    const pipeline = redis.pipeline();
    const kinds: Array<'valid-flat' | 'valid-json' | 'hold' | 'bad-action' | 'bad-json' | 'no-symbol' | 'bad-score'> = [];
    for (let i = 0; i < 1000; i += 1) {
      const plan = newPlan(i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT', 'PARTIAL_25', `k${i}`);
      const kind = i % 10 === 3 ? 'bad-action' : i % 10 === 7 ? (i % 20 === 7 ? 'bad-json' : 'no-symbol') : i % 50 === 11 ? 'bad-score' : i % 25 === 5 ? 'hold' : i % 2 === 0 ? 'valid-flat' : 'valid-json';
      kinds.push(kind);
      if (kind === 'valid-flat' || kind === 'valid-json') valid.push(plan);
      const flat = (p: Record<string, unknown>) => Object.entries(p).flatMap(([k, v]) => [k, String(v)]);
      if (kind === 'valid-flat') pipeline.xadd(names.stream, '*', ...flat(plan));
      if (kind === 'valid-json') pipeline.xadd(names.stream, '*', 'plan', JSON.stringify(plan));
      if (kind === 'hold') pipeline.xadd(names.stream, '*', ...flat({ ...plan, decision: 'HOLD' }));
      if (kind === 'bad-action') pipeline.xadd(names.stream, '*', ...flat({ ...plan, action: 'PARTIAL_99' }));
      if (kind === 'bad-json') pipeline.xadd(names.stream, '*', 'data', `{${plan.plan_id}`);
      if (kind === 'no-symbol') pipeline.xadd(names.stream, '*', 'payload', JSON.stringify({ ...plan, symbol: undefined }));
      if (kind === 'bad-score') pipeline.xadd(names.stream, '*', ...flat({ ...plan, kill_score: 'NaN' }));
    }
    const ids = ((await pipeline.exec()) ?? []).map(([err, id]) => {
      if (err) throw err;
      return String(id);
    });
    const expectedError: Record<string, string> = {
      'bad-action': 'action: action must be one of',
      'bad-json': 'data: not valid JSON',
      'no-symbol': 'symbol: symbol is required',
      'bad-score': 'kill_score: kill_score is required and must be a number',
    };
    kinds.forEach((kind, i) => {
      if (expectedError[kind]) malformed.set(ids[i]!, expectedError[kind]);
    });
    const holds = kinds.filter((k) => k === 'hold').length;

    const started = Date.now();
    const bridge = startBridge(names, { taskQueue, config: { maxInFlight: 32 } });
    await waitFor(() => settled(bridge), (n) => n === 1000, 'all 1,000 entries settled', 90_000);
    const elapsed = Date.now() - started;

    expect(bridge.stats()).toMatchObject({ started: valid.length, duplicates: 0, deadLettered: malformed.size, skipped: holds });
    const workflowIds = await waitFor(() => workflowIdsOn(temporal.client, taskQueue), (l) => l.length >= valid.length, 'workflows listed');
    expect(workflowIds.length).toBe(valid.length);
    expect(new Set(workflowIds)).toEqual(new Set(valid.map((p) => `plan-${p.plan_id}`)));

    const dlq = await readAll(redis, names.dlq);
    expect(dlq.length).toBe(malformed.size);
    for (const letter of dlq) expect(letter.fields.error).toContain(malformed.get(letter.fields.source_id!));
    expect(new Set(dlq.map((l) => l.fields.source_id))).toEqual(new Set(malformed.keys()));

    expect(await pendingCount(redis, names.stream, names.group)).toBe(0);
    expect(await bridge.lag()).toEqual({ pending: 0, behind: 0, length: 1000 });
    console.info(`1,000 entries (${valid.length} valid, ${malformed.size} malformed, ${holds} HOLD) settled in ${elapsed} ms`);
  });

  it('does not acknowledge while starts fail (Temporal down), and starts everything once it is back', async () => {
    const names = streams('down');
    let temporalUp = false;
    const startedIds = new Set<string>();
    let attempts = 0;
    const startPlan: PlanStarter = async (plan) => {
      attempts += 1;
      if (!temporalUp) throw new Error('14 UNAVAILABLE: connection refused');
      const fresh = !startedIds.has(plan.plan_id);
      startedIds.add(plan.plan_id);
      return fresh ? { started: true } : { started: false, reason: 'duplicate' };
    };
    const plans = [newPlan('BTCUSDT'), newPlan('ETHUSDT'), newPlan('BTCUSDT')];
    for (const plan of plans) await publishFlat(redis, names.stream, plan);

    const bridge = startBridge(names, { startPlan });
    await waitFor(() => attempts, (n) => n >= 9, 'several failed attempts');
    expect(await pendingCount(redis, names.stream, names.group)).toBe(3); // read, not acknowledged
    expect(bridge.stats()).toMatchObject({ started: 0, duplicates: 0 });
    expect(bridge.stats().retries).toBeGreaterThanOrEqual(9);

    temporalUp = true;
    await waitFor(() => pendingCount(redis, names.stream, names.group), (n) => n === 0, 'pending list drained');
    expect(bridge.stats()).toMatchObject({ started: 3, duplicates: 0 });
    expect(startedIds).toEqual(new Set(plans.map((p) => p.plan_id)));
  });

  it('takes over the entries a dead consumer read but never acknowledged (XAUTOCLAIM)', async () => {
    const names = streams('claim');
    const taskQueue = uniqueId('tq');
    const plans = [newPlan('BTCUSDT'), newPlan('ETHUSDT')];
    await redis.xgroup('CREATE', names.stream, names.group, '0', 'MKSTREAM');
    for (const plan of plans) await publishJson(redis, names.stream, plan);
    await redis.xreadgroup('GROUP', names.group, 'dead-consumer', 'COUNT', 10, 'STREAMS', names.stream, '>');
    expect(await pendingCount(redis, names.stream, names.group)).toBe(2);

    const bridge = startBridge(names, { taskQueue, config: { claimMinIdleMs: 300, claimIntervalMs: 100 } });
    await waitFor(() => bridge.stats().started, (n) => n === 2, 'stale entries started');
    await waitFor(() => pendingCount(redis, names.stream, names.group), (n) => n === 0, 'pending list drained');
    const listed = await waitFor(() => workflowIdsOn(temporal.client, taskQueue), (l) => l.length >= 2, 'workflows listed');
    expect(listed.sort()).toEqual(plans.map((p) => `plan-${p.plan_id}`).sort());
  });

  it('two bridges on one group share the load without duplicates', async () => {
    const names = streams('two');
    const taskQueue = uniqueId('tq');
    const a = startBridge(names, { taskQueue, config: { batchSize: 5, maxInFlight: 4 } });
    const b = startBridge(names, { taskQueue, config: { batchSize: 5, maxInFlight: 4 } });
    const plans = Array.from({ length: 200 }, (_, i) => newPlan(i % 2 ? 'BTCUSDT' : 'ETHUSDT', 'PARTIAL_50', `two${i}`));
    for (const plan of plans) await publishFlat(redis, names.stream, plan);

    await waitFor(() => a.stats().started + b.stats().started, (n) => n === 200, 'all plans started', 60_000);
    expect(a.stats().started).toBeGreaterThan(0);
    expect(b.stats().started).toBeGreaterThan(0);
    expect(a.stats().duplicates + b.stats().duplicates).toBe(0);
    const ids = await waitFor(() => workflowIdsOn(temporal.client, taskQueue), (l) => l.length >= 200, 'workflows listed');
    expect(ids.length).toBe(200);
    expect(new Set(ids).size).toBe(200);
    await waitFor(() => pendingCount(redis, names.stream, names.group), (n) => n === 0, 'pending list drained');
  });

  it('bounds starts in flight, reports lag, and a stop finishes (and acknowledges) the starts under way', async () => {
    const names = streams('lag');
    const release: Array<() => void> = [];
    const startPlan: PlanStarter = () => new Promise((resolve) => release.push(() => resolve({ started: true })));
    for (let i = 0; i < 10; i += 1) await publishFlat(redis, names.stream, newPlan('BTCUSDT'));

    const bridge = startBridge(names, { startPlan, config: { maxInFlight: 2 } });
    await waitFor(() => release.length, (n) => n === 2, 'two starts in flight');
    await new Promise((r) => setTimeout(r, 300));
    expect(release.length).toBe(2); // the limit holds: nothing more is read
    expect(bridge.stats().inFlight).toBe(2);
    expect(await bridge.lag()).toEqual({ pending: 2, behind: 8, length: 10 });

    const stopped = bridge.stop();
    await new Promise((r) => setTimeout(r, 200));
    release.splice(0).forEach((go) => go());
    await stopped;
    expect(bridge.stats()).toMatchObject({ started: 2, inFlight: 0 });
    expect(await pendingCount(redis, names.stream, names.group)).toBe(0); // finished and acknowledged
    expect(await redis.xlen(names.stream)).toBe(10);
  });

  it('keeps retrying, without throwing, while Redis is unreachable, and stops promptly', async () => {
    const names = streams('noredis');
    const bridge = startBridge(names, { startPlan: async () => ({ started: true }), config: { redisUrl: 'redis://127.0.0.1:1', commandTimeoutMs: 300 } });
    await new Promise((r) => setTimeout(r, 800));
    const t0 = Date.now();
    await bridge.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(bridge.stats()).toMatchObject({ started: 0, inFlight: 0 });
  });
});
