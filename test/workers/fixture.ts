// What the worker-process tests share: a Temporal dev server, the paper exchange (one market per plan),
// a fresh PostgreSQL schema for the ledger (several worker processes share it), a client, and
// `permitctl worker` child processes that are always stopped by pid, also on failure.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import { loadScenarioFile, startPaperExchange, type OrderLogEntry, type PaperExchange } from '../../src/exchange/paper/index.js';
import { startPlanWorkflow } from '../../src/client/start-plan.js';
import type { Plan } from '../../src/domain/plan.js';
import { openStore, type Store } from '../../src/store/index.js';
import { PaperAdmin } from '../support/paper-admin.js';
import { sleep } from '../support/plans.js';
import { checkPostgres, dropSchema, newSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';
import { spawnWorker, type WorkerProcess } from '../support/processes.js';
import { writeScenario, type TestMarket } from '../support/scenario.js';
import { cleanEnv, tempDir, TEST_PAYLOAD_CODEC_KEYS } from '../support/stack.js';
import { dataConverterFromEnv } from '../../src/codec/data-converter.js';
import { DEFAULT_CHAIN_POLICY } from '../../src/domain/chain-policy.js';

export interface WorkerFixture {
  dataDir: string;
  paper: PaperAdmin;
  store: Store;
  client: Client;
  taskQueue: string;
  /** Environment of a worker process: the fixture's Temporal, store and exchange, plus `extra`. */
  workerEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
  spawn(extra?: Record<string, string>): WorkerProcess;
  submit(plan: Plan): Promise<unknown>;
  /** Every request to the order endpoint (all symbols). */
  orderLog(): Promise<OrderLogEntry[]>;
  stop(): Promise<void>;
}

export async function startWorkerFixture(opts: { prefix: string; markets: TestMarket[]; ledger?: Record<string, string> }): Promise<WorkerFixture> {
  await checkPostgres();
  const dataDir = tempDir(opts.prefix);
  const schema = newSchemaName();
  const taskQueue = `permit-chain-${opts.prefix}`;
  const workers: WorkerProcess[] = [];
  const stops: Array<() => Promise<unknown>> = [async () => rmSync(dataDir, { recursive: true, force: true }), () => dropSchema(schema)];
  const stop = async () => {
    for (const w of workers) await w.kill().catch(() => undefined); // SIGKILL by pid: nothing outlives the file
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const devServer: DevServer = await startDevServer({ dataDir: join(dataDir, 'temporal'), uiPort: false });
    stops.push(() => devServer.stop());
    const paperExchange: PaperExchange = await startPaperExchange({ port: 0, scenario: await loadScenarioFile(writeScenario(dataDir, opts.markets)) });
    stops.push(() => paperExchange.close());
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
    stops.push(() => store.close());
    for (const [symbol, amount] of Object.entries(opts.ledger ?? {})) {
      await store.adjustLedger({ venue: 'paper', symbol, target: amount, who: 'worker tests', why: 'set-up', command: 'test' });
    }
    const connection = await Connection.connect({ address: devServer.address });
    stops.push(() => connection.close());
    // Workers of a cluster encrypt their payloads; this client holds the same keys.
    const client = new Client({ connection, namespace: devServer.namespace, dataConverter: dataConverterFromEnv({ PAYLOAD_CODEC_KEYS: TEST_PAYLOAD_CODEC_KEYS }) });
    const paper = new PaperAdmin(paperExchange.url);
    const workerEnv = (extra: Record<string, string> = {}) =>
      cleanEnv({
        TEMPORAL_ADDRESS: devServer.address,
        PAYLOAD_CODEC_KEYS: TEST_PAYLOAD_CODEC_KEYS,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        EXCHANGE_VENUE: 'paper',
        PAPER_EXCHANGE_URL: paperExchange.url,
        LOG_LEVEL: 'debug',
        ...extra,
      });
    return {
      dataDir,
      paper,
      store,
      client,
      taskQueue,
      workerEnv,
      spawn: (extra) => {
        const worker = spawnWorker(workerEnv(extra), 90_000);
        workers.push(worker);
        return worker;
      },
      submit: (plan) => startPlanWorkflow(client, plan, { taskQueue, policy: { ...DEFAULT_CHAIN_POLICY, orderAttemptTimeoutMs: 5000 } }),
      orderLog: () => paper.request<OrderLogEntry[]>('GET', '/_paper/orders'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** HTTP status of GET url, or null when nothing listens yet. */
export async function httpStatus(url: string): Promise<number | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Sum of the samples of `name` whose labels include `labels` (Prometheus text format). */
export function metricSum(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const sample = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => sample[k] === v)) sum += Number(match[4]);
  }
  return sum;
}

export interface LogLine {
  level: string;
  time: string;
  msg: string;
  planId?: string | null;
  workflowId?: string;
  activityType?: string;
  activityId?: string;
  workflowRunId?: string;
  attempt?: number;
  outcome?: string;
  [key: string]: unknown;
}

/** The worker's JSON log lines (anything else it printed is ignored). */
export function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
}

/** Activity executions of the worker, from its "activity started" / "activity finished" lines. */
export function activityRuns(lines: LogLine[]): Array<{ key: string; type: string; planId: string | null; started: number; finished: number | null; outcome: string | null }> {
  const runs = new Map<string, { key: string; type: string; planId: string | null; started: number; finished: number | null; outcome: string | null }>();
  for (const line of lines) {
    const key = `${line.workflowRunId}/${line.activityId}/${line.attempt}`;
    if (line.msg === 'activity started') {
      runs.set(key, { key, type: String(line.activityType), planId: line.planId ?? null, started: Date.parse(line.time), finished: null, outcome: null });
    } else if (line.msg === 'activity finished') {
      const run = runs.get(key);
      if (run) Object.assign(run, { finished: Date.parse(line.time), outcome: String(line.outcome) });
    }
  }
  return [...runs.values()];
}
