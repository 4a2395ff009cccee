// Encrypted histories against a real worker process: what Temporal stores (as `temporal workflow show`
// prints it) holds no plan field, amount, operator name or reason in clear, while permitctl with the keys
// reads the plan as before (status, trace); without them it says which key it lacks; after a key rotation
// plans sealed with the old key stay readable.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payload } from '@temporalio/common';
import { payloadCodecFromEnv } from '../../src/codec/data-converter.js';
import { isEncrypted } from '../../src/codec/payload-codec.js';
import { temporalCliPath } from '../../temporal/cli-path.js';
import { newPlan, planResult } from '../support/plans.js';
import { runCli } from '../support/processes.js';
import { cleanEnv, TEST_PAYLOAD_CODEC_KEYS } from '../support/stack.js';
import type { WorkerProcess } from '../support/processes.js';
import { startWorkerFixture, type WorkerFixture } from '../workers/fixture.js';

const SYMBOL = 'CRYPTUSDT';

/**
 * Payloads that are not ours: search attributes (indexed by the server, never encrypted) and the SDK core's
 * own marker data (a patch's id; a local activity call's type, attempt and times; its result is ours).
 */
const SDK_OWN = new Set(['searchAttributes', 'patch_data', 'patch-data', 'data']);

/** Every payload of a history as `temporal workflow show --output json` prints it (bytes in base64), but the SDK's own. */
function payloadsOf(json: string): Payload[] {
  const found: Payload[] = [];
  const bytes = (b64: string) => Buffer.from(b64, 'base64');
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const record = node as Record<string, unknown>;
    const metadata = record['metadata'] as Record<string, string> | undefined;
    if (metadata && typeof metadata === 'object' && 'encoding' in metadata && 'data' in record) {
      found.push({ metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, bytes(v)])), data: bytes(String(record['data'])) });
      return;
    }
    for (const [key, value] of Object.entries(record)) if (!SDK_OWN.has(key)) visit(value);
  };
  visit(JSON.parse(json));
  return found;
}

describe('payload encryption with a worker of a cluster', { timeout: 180_000 }, () => {
  let fx: WorkerFixture;
  let worker: WorkerProcess;
  let address: string;

  beforeAll(async () => {
    fx = await startWorkerFixture({ prefix: 'codec', markets: [{ symbol: SYMBOL, position: '0.062', markPrice: '60000' }], ledger: { [SYMBOL]: '0.062' } });
    address = fx.workerEnv()['TEMPORAL_ADDRESS']!;
    worker = fx.spawn();
    await worker.ready;
  });
  afterAll(async () => {
    await worker?.stop();
    await fx?.stop();
  });

  function workflowShow(workflowId: string): string {
    const run = spawnSync(temporalCliPath(), ['workflow', 'show', '--address', address, '--namespace', 'default', '--workflow-id', workflowId, '--output', 'json'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout;
  }

  it('Temporal holds the plan sealed; permitctl with the keys reads it, without them names the key it lacks', async () => {
    const plan = newPlan(SYMBOL, 'PARTIAL_75', 'crypt');
    await fx.submit(plan);
    const final = await planResult(fx.client, plan.plan_id);
    expect(final).toMatchObject({ state: 'EXECUTED', order: { filled_qty: '0.046' } });

    const stored = payloadsOf(workflowShow(`plan-${plan.plan_id}`));
    expect(stored.length).toBeGreaterThan(10);
    // Inputs, results, the chain state and the summaries are payloads: every one sealed, none of their
    // fields in clear. (Search attributes are indexed by the server and stay readable: symbol, action,
    // stage, outcome.)
    expect(stored.filter((p) => !isEncrypted(p)).map((p) => Buffer.from(p.data ?? []).toString("utf8"))).toEqual([]);
    const CLEAR = ['kill_score', 'computed_qty', '0.046', 'Governor (P3.2)', 'reduce-only MARKET', 'EXECUTED'];
    const asText = (payloads: Payload[]) => payloads.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
    for (const clear of CLEAR) expect(asText(stored), clear).not.toContain(clear);
    // The check can see them: opened with the keys, the same payloads hold every one.
    const opened = asText(stored.map((p) => payloadCodecFromEnv({ PAYLOAD_CODEC_KEYS: TEST_PAYLOAD_CODEC_KEYS }).open(p)));
    for (const clear of CLEAR) expect(opened, clear).toContain(clear);

    const withKeys = cleanEnv({ TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: fx.taskQueue, PAYLOAD_CODEC_KEYS: TEST_PAYLOAD_CODEC_KEYS });
    const status = await runCli(['status', plan.plan_id, '--json'], withKeys);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'EXECUTED', permits: { governor: { computed_qty: 0.046 } } });
    const trace = await runCli(['trace', plan.plan_id], withKeys);
    expect(trace.code, trace.stderr).toBe(0);
    expect(trace.stdout).toMatch(/Governor: granted SELL 0\.046 CRYPTUSDT/);

    const withoutKeys = await runCli(['status', plan.plan_id], cleanEnv({ TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: fx.taskQueue }));
    expect(withoutKeys.code).toBe(1);
    expect(withoutKeys.stderr).toMatch(/a payload is encrypted with key test-1, and no key is configured \(PAYLOAD_CODEC_KEYS\)/);
  });

  it('after a key rotation new plans are sealed with the new key and old ones still read', async () => {
    const before = newPlan(SYMBOL, 'PARTIAL_25', 'rot-old');
    await fx.submit(before);
    await planResult(fx.client, before.plan_id);

    const rotated = `test-2=${randomBytes(32).toString('base64')},${TEST_PAYLOAD_CODEC_KEYS}`;
    await worker.stop();
    worker = fx.spawn({ PAYLOAD_CODEC_KEYS: rotated });
    await worker.ready;
    const env = cleanEnv({ TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: fx.taskQueue, PAYLOAD_CODEC_KEYS: rotated });
    const after = newPlan(SYMBOL, 'PARTIAL_25', 'rot-new');
    const file = `${fx.dataDir}/rotated-plan.json`;
    (await import('node:fs')).writeFileSync(file, JSON.stringify(after));
    const submitted = await runCli(['submit', file, '--wait'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const keyIds = new Set(payloadsOf(workflowShow(`plan-${after.plan_id}`)).map((p) => Buffer.from(p.metadata?.['encryption-key-id'] ?? []).toString()));
    expect([...keyIds]).toEqual(['test-2']);
    for (const planId of [before.plan_id, after.plan_id]) {
      const status = await runCli(['status', planId, '--json'], env);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ state: 'EXECUTED' });
    }
  });
});
