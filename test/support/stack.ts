// One embedded stack per test file: a real Temporal dev server, the paper exchange (real ccxt client),
// the store (PGlite in a temp data dir, or a fresh PostgreSQL schema) and an in-process worker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainState } from '../../src/domain/chain.js';
import type { Plan } from '../../src/domain/plan.js';
import { startPlanWorkflow, type StartedPlan } from '../../src/client/start-plan.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/stack/embedded-stack.js';
import { PaperAdmin } from './paper-admin.js';
import { planResult } from './plans.js';
import { checkPostgres, dropSchema, newSchemaName, TEST_DATABASE_URL } from './postgres.js';
import { writeScenario, type TestMarket } from './scenario.js';

/** Settings the chain reads from the environment: never inherited from the shell running the tests. */
const CHAIN_ENV = /^(TEMPORAL_|DATABASE_|REDIS_|PLAN_|EXCHANGE_|PAPER_|PERMIT_|RECONCILE_WAIT|MAX_|MIN_ORDER|ORDER_|PAUSE_POLL|POSITION_TOLERANCE|DRIFT_|TURN_CHECK|WORKFLOW_BUNDLE|WORKER_|REDIS_URL|HEALTH_PORT|METRICS_PORT|LISTEN_HOST|LOG_LEVEL)/;

/**
 * The payload keys of the suites that run worker processes against a dev server (a cluster's worker must
 * encrypt): a key for tests only, 32 bytes.
 */
export const TEST_PAYLOAD_CODEC_KEYS = `test-1=${Buffer.alloc(32, 7).toString('base64')}`;

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!CHAIN_ENV.test(k)) env[k] = v;
  // Activity retries log a WARN each; the tests look at outcomes instead.
  return { ...env, TEMPORAL_LOG_LEVEL: 'ERROR', ...extra };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `permit-chain-${prefix}-`));
}

export interface ChainStackOptions {
  /** One market per test (written as the paper scenario), or `scenarioPath` for a ready scenario file. */
  markets?: TestMarket[];
  scenarioPath?: string;
  /** Chain settings (PERMIT_TTL_SECONDS, RECONCILE_WAIT_SECONDS, EXCHANGE_TIMEOUT_MS …). */
  env?: Record<string, string>;
  database?: 'embedded' | 'postgres';
  /** Serve the Temporal Web UI (on a free port); off by default. */
  ui?: boolean;
}

export interface ChainStack {
  stack: EmbeddedStack;
  paper: PaperAdmin;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  submit(plan: Plan): Promise<StartedPlan>;
  result(planId: string): Promise<ChainState>;
  setLedger(symbol: string, amount: string): Promise<void>;
  ledger(symbol: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startChainStack(opts: ChainStackOptions): Promise<ChainStack> {
  const dataDir = tempDir('stack');
  const schema = opts.database === 'postgres' ? newSchemaName() : null;
  if (schema) await checkPostgres();
  const env = cleanEnv({ ...opts.env, ...(schema ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}) });
  const cleanup = async () => {
    if (schema) await dropSchema(schema).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  let stack: EmbeddedStack;
  try {
    const scenarioPath = opts.scenarioPath ?? writeScenario(dataDir, opts.markets ?? []);
    stack = await startEmbeddedStack({ dataDir, scenarioPath, env, uiPort: opts.ui ? 0 : false });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const { store, settings } = stack.services;
  return {
    stack,
    paper: new PaperAdmin(stack.paper!.url),
    dataDir,
    env,
    submit: (plan) => startPlanWorkflow(stack.client, plan, { taskQueue: stack.taskQueue, policy: stack.policy, eager: stack.eagerStart }),
    result: (planId) => planResult(stack.client, planId),
    setLedger: async (symbol, amount) => {
      await store.adjustLedger({ venue: settings.venueName, symbol, target: amount, who: 'chain test', why: 'test set-up', command: 'test' });
    },
    ledger: (symbol) => store.ledgerPosition(settings.venueName, symbol),
    stop: async () => {
      await stack.stop();
      await cleanup();
    },
  };
}
