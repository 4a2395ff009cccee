// Worker footprint: a separate `permitctl worker` process (so the figure is the worker's alone) on its
// own task queue, N plans left waiting for a reconcile signal, its VmRSS/VmHWM read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { startPlanWorkflow } from '../src/client/start-plan.js';
import { benchPlan } from './load.js';
import { memoryOf } from './cpu.js';
import { DEFAULT_BENCH_DATABASE_URL, displayUrl, dropBenchSchema, newBenchSchema, postgresReachable } from './services.js';
import { stopChild } from '../temporal/dev-server.js';
import { WORKER_NODE_FLAGS } from '../src/workers/worker-command.js';
import type { ChainPolicy } from '../src/domain/chain-policy.js';

const PERMITCTL = fileURLToPath(new URL('../bin/permitctl.js', import.meta.url));

export interface FootprintResult {
  plans_waiting: number;
  /** How the worker was run: the image's ENTRYPOINT (WORKER_NODE_FLAGS included). */
  worker: string;
  store: string;
  idle_rss_mb: number | null;
  waiting_rss_mb: number | null;
  /** VmHWM of the worker process: its peak resident set over its whole life (start-up included). */
  peak_rss_mb: number | null;
  /** (waiting − idle) / plans: the memory one waiting plan costs the worker. */
  per_plan_kb: number | null;
  /** idle + 1000 × per-plan, when fewer than 1,000 plans were left waiting. */
  extrapolated_1000_mb: number | null;
  submit_s: number;
  settle_s: number;
  cleaned_up: number;
}

export interface FootprintSpec {
  client: Client;
  temporalAddress: string;
  namespace: string;
  paperUrl: string;
  bundlePath: string;
  dataDir: string;
  policy: ChainPolicy;
  plans: number;
  symbols: readonly string[];
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Longest wait for all plans to reach awaiting_reconcile (ms). */
  settleTimeoutMs: number;
  /** Called with the worker's pid once the waiting reading is taken, before clean-up (diagnostics). */
  onSettled?: (workerPid: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves on the worker's "worker ready" log line (JSON on stdout; plain text on stderr in older builds). */
async function waitForReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`worker not ready after ${timeoutMs} ms: ${output.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000); // keep reading (a full pipe would block the worker)
      if (!ready && output.includes('worker ready')) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`worker exited (${code}) before it was ready: ${output.slice(-2000)}`));
    });
  });
}

/** Runs `fn` over items with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function measureFootprint(spec: FootprintSpec): Promise<FootprintResult> {
  const taskQueue = `bench-footprint-${process.pid}-${Date.now().toString(36)}`;
  const dataDir = join(spec.dataDir, 'footprint-worker');
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...spec.env,
    TEMPORAL_ADDRESS: spec.temporalAddress,
    // The footprint of waiting plans, measured without payload encryption (the benchmark's client does not seal).
    PAYLOAD_CODEC: 'off',
    TEMPORAL_NAMESPACE: spec.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_LOG_LEVEL: 'ERROR',
    PAPER_EXCHANGE_URL: spec.paperUrl,
    EXCHANGE_VENUE: 'paper',
    WORKFLOW_BUNDLE_PATH: spec.bundlePath,
    WORKER_SHUTDOWN_GRACE: '2s',
    // Its health and metrics servers on free loopback ports (the defaults 8080/9464 may be taken).
    HEALTH_PORT: '0',
    METRICS_PORT: '0',
    LISTEN_HOST: '127.0.0.1',
    LOG_LEVEL: 'info', // "worker ready" is an info line
    // An empty ledger: every plan's position check finds a mismatch and the plan waits for a reconcile.
    PERMIT_CHAIN_DATA_DIR: dataDir,
  };
  delete env.DATABASE_URL;
  delete env.DATABASE_SCHEMA;
  delete env.REDIS_URL;
  // The worker's ledger: PostgreSQL (production's ledger; FOOTPRINT_DATABASE_URL, default the machine's
  // 127.0.0.1:5432/test) in a fresh schema dropped afterwards, so the figure is the worker's own. When it
  // is unreachable, the worker opens its own embedded PGlite, whose WebAssembly heap alone is ~700 MB RSS.
  const databaseUrl = spec.env.FOOTPRINT_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL;
  const schema = newBenchSchema();
  const postgres = await postgresReachable(databaseUrl);
  if (postgres) {
    env.DATABASE_URL = databaseUrl;
    env.DATABASE_SCHEMA = schema;
  }
  const storeLabel = postgres ? `PostgreSQL ${displayUrl(databaseUrl)} (schema ${schema}, dropped afterwards)` : 'its own embedded ledger (PGlite: ~700 MB of it is the WebAssembly heap)';
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, PERMITCTL, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const workflowIds: string[] = [];
  let result: FootprintResult | null = null;
  try {
    await waitForReady(child, 120_000);
    await sleep(1000);
    const pid = child.pid!;
    const idle = memoryOf(pid);
    let peakRss = idle?.rss_mb ?? 0;
    const sampler = setInterval(() => {
      const m = memoryOf(pid);
      if (m) peakRss = Math.max(peakRss, m.rss_mb);
    }, 200);
    try {
      const policy: ChainPolicy = { ...spec.policy, reconcileWaitSeconds: 3600 };
      const t0 = Date.now();
      const plans = Array.from({ length: spec.plans }, (_, i) => benchPlan(spec.symbols[i % spec.symbols.length]!, 'fp'));
      await pool(plans, 32, async (plan) => {
        const started = await startPlanWorkflow(spec.client, plan, { taskQueue, policy });
        workflowIds.push(started.workflowId);
      });
      const submitS = (Date.now() - t0) / 1000;
      spec.log(`footprint: ${spec.plans} plans submitted in ${submitS.toFixed(1)} s; waiting for all to await a reconcile`);
      const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND PermitStage = 'awaiting_reconcile'`;
      const deadline = Date.now() + spec.settleTimeoutMs;
      let waiting = 0;
      while (Date.now() < deadline) {
        waiting = (await spec.client.workflow.count(query)).count;
        if (waiting >= spec.plans) break;
        await sleep(500);
      }
      const settleS = (Date.now() - t0) / 1000 - submitS;
      await sleep(2000); // let the worker go quiet (polls, GC) before reading its resident set
      const loaded = memoryOf(pid);
      const perPlanKb = idle && loaded && waiting > 0 ? Math.round(((loaded.rss_mb - idle.rss_mb) * 1024) / waiting) : null;
      result = {
        plans_waiting: waiting,
        worker: `separate process: node ${WORKER_NODE_FLAGS.join(' ')} bin/permitctl.js worker (the image's ENTRYPOINT)`,
        store: storeLabel,
        idle_rss_mb: idle?.rss_mb ?? null,
        waiting_rss_mb: loaded?.rss_mb ?? null,
        peak_rss_mb: loaded ? Math.max(loaded.peak_rss_mb, peakRss) : null,
        per_plan_kb: perPlanKb,
        extrapolated_1000_mb: waiting < 1000 && idle && perPlanKb !== null ? Math.round(idle.rss_mb + (perPlanKb * 1000) / 1024) : null,
        submit_s: Math.round(submitS * 10) / 10,
        settle_s: Math.round(settleS * 10) / 10,
        cleaned_up: 0,
      };
      if (spec.onSettled) await spec.onSettled(pid);
      return result;
    } finally {
      clearInterval(sampler);
    }
  } finally {
    // Clean up: end every plan left waiting (terminate: no worker work, no order was ever sent), then the worker.
    let cleaned = 0;
    await pool(workflowIds, 32, async (id) => {
      await spec.client.workflow.getHandle(id).terminate('benchmark footprint clean-up').then(() => (cleaned += 1), () => undefined);
    });
    if (result) result.cleaned_up = cleaned;
    spec.log(`footprint: terminated ${cleaned} waiting plans`);
    await stopChild(child);
    if (postgres) await dropBenchSchema(databaseUrl, schema).catch(() => undefined);
  }
}
