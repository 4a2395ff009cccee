// A worker process killed (SIGKILL) with an order in flight; a new worker process takes over and the
// plan completes with exactly one order. Workers are `permitctl worker` child processes sharing the
// ledger through PostgreSQL; Temporal is the dev server, the exchange the paper exchange.
import { rmSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import { loadScenarioFile, startPaperExchange, type PaperExchange } from '../../src/exchange/paper/index.js';
import { startPlanWorkflow } from '../../src/client/start-plan.js';
import { openStore, type Store } from '../../src/store/index.js';
import { PaperAdmin } from '../support/paper-admin.js';
import { newPlan, planResult, sleep } from '../support/plans.js';
import { checkPostgres, dropSchema, newSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';
import { spawnWorker, type WorkerProcess } from '../support/processes.js';
import { writeScenario } from '../support/scenario.js';
import { cleanEnv, tempDir, TEST_PAYLOAD_CODEC_KEYS } from '../support/stack.js';
import { dataConverterFromEnv } from '../../src/codec/data-converter.js';
import { DEFAULT_CHAIN_POLICY } from '../../src/domain/chain-policy.js';

const TASK_QUEUE = 'permit-chain-kill-test';
const SYMBOL = 'KILLUSDT';

describe('worker killed mid-chain', () => {
  const dataDir = tempDir('kill');
  const schema = newSchemaName();
  const workers: WorkerProcess[] = [];
  let devServer: DevServer | undefined;
  let paperExchange: PaperExchange | undefined;
  let paper: PaperAdmin;
  let store: Store | undefined;
  let connection: Connection | undefined;
  let client: Client;
  let workerEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await checkPostgres();
    devServer = await startDevServer({ dataDir, uiPort: false });
    const scenario = await loadScenarioFile(writeScenario(dataDir, [{ symbol: SYMBOL, position: '2', markPrice: '100' }]));
    paperExchange = await startPaperExchange({ port: 0, scenario });
    paper = new PaperAdmin(paperExchange.url);
    store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
    await store.adjustLedger({ venue: 'paper', symbol: SYMBOL, target: '2', who: 'kill test', why: 'set-up' });
    connection = await Connection.connect({ address: devServer.address });
    client = new Client({ connection, namespace: devServer.namespace, dataConverter: dataConverterFromEnv({ PAYLOAD_CODEC_KEYS: TEST_PAYLOAD_CODEC_KEYS }) });
    workerEnv = cleanEnv({
      TEMPORAL_ADDRESS: devServer.address,
      PAYLOAD_CODEC_KEYS: TEST_PAYLOAD_CODEC_KEYS,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      EXCHANGE_VENUE: 'paper',
      PAPER_EXCHANGE_URL: paperExchange.url,
      PERMIT_TTL_SECONDS: '30',
      WORKER_SHUTDOWN_GRACE: '2s',
      // Health and metrics servers on free loopback ports: several workers run side by side.
      HEALTH_PORT: '0',
      METRICS_PORT: '0',
      LISTEN_HOST: '127.0.0.1',
    });
  });

  afterAll(async () => {
    for (const w of workers) await w.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await paperExchange?.close().catch(() => undefined);
    await devServer?.stop().catch(() => undefined);
    await dropSchema(schema).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  function startWorker(): WorkerProcess {
    const worker = spawnWorker(workerEnv);
    workers.push(worker);
    return worker;
  }

  it('a new worker finds the order the killed one sent and completes the plan with one order', async () => {
    const first = startWorker();
    await first.ready;
    // The exchange takes 3 s to answer the order: the worker dies while it waits for the answer.
    await paper.addFault({ method: 'POST', path: '/fapi/v1/order', count: 1, action: { type: 'latency', ms: 3000 } });
    const plan = newPlan(SYMBOL, 'PARTIAL_50', 'kill');
    await startPlanWorkflow(client, plan, { taskQueue: TASK_QUEUE, policy: { ...DEFAULT_CHAIN_POLICY, orderAttemptTimeoutMs: 5000 } });

    const deadline = Date.now() + 20_000;
    while ((await paper.orderPosts(SYMBOL)).length === 0) {
      if (Date.now() > deadline) throw new Error(`the order never reached the exchange; worker output: ${first.output()}`);
      await sleep(50);
    }
    await first.kill();

    const second = startWorker();
    await second.ready;
    const final = await planResult(client, plan.plan_id);

    expect(final.state).toBe('EXECUTED');
    expect(final.order).toMatchObject({ client_order_id: `pc1-${plan.plan_id}`, filled_qty: '1' });
    expect(final.events.find((e) => e.kind === 'order_placed')).toMatchObject({ found_by_lookup: true });
    expect(await paper.orderPosts(SYMBOL)).toHaveLength(1);
    expect(await paper.bookedOrders(SYMBOL)).toHaveLength(1);
    expect(await paper.position(SYMBOL)).toBe('1');
    expect(await store!.ledgerPosition('paper', SYMBOL)).toBe('1');
    expect(await store!.fillsForPlan(plan.plan_id)).toHaveLength(1);
  });
});
