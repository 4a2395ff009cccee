/**
 * The bench's footprint phase alone (a separate `permitctl worker` with N plans waiting for a reconcile),
 * without the latency and throughput phases, to iterate on the worker's memory:
 *   node --import tsx bench/footprint-main.ts [--plans 150,1000] [--env KEY=VALUE]... [--on-settled CMD]
 * Starts a headless dev server and the paper exchange, builds the workflow bundle, runs measureFootprint
 * once per plan count (a fresh worker each time) and prints one JSON line per run. `--env` is passed to
 * the worker only (e.g. NODE_OPTIONS=--max-semi-space-size=1, WORKER_MAX_CACHED_WORKFLOWS=20).
 * `--on-settled CMD` runs CMD through sh with WORKER_PID set, while the plans are still waiting.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../temporal/dev-server.js';
import { loadScenarioFile, startPaperExchange } from '../src/exchange/paper/index.js';
import { chainPolicyFromEnv } from '../src/config/chain.js';
import { measureFootprint } from './footprint.js';
import { benchEnv } from './run.js';
import { benchSymbols, writeBenchScenario } from './markets.js';
import { WORKFLOWS_PATH } from '../src/workers/plan-worker.js';


function parseArgs(argv: string[]): { plans: number[]; env: Record<string, string>; onSettled: string | null } {
  let plans = [150, 1000];
  const env: Record<string, string> = {};
  let onSettled: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === '--plans') plans = value.split(',').map(Number);
    else if (arg === '--env') {
      const eq = value.indexOf('=');
      if (eq < 1) throw new Error(`--env wants KEY=VALUE, got ${value}`);
      env[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (arg === '--on-settled') onSettled = value;
    else throw new Error(`unknown option ${arg}`);
  }
  if (plans.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--plans wants positive integers, e.g. 150,1000');
  return { plans, env, onSettled };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const dataDir = mkdtempSync(join(tmpdir(), 'permit-chain-footprint-'));
  const symbols = benchSymbols(8);
  const scenarioPath = writeBenchScenario(dataDir, symbols);
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
  const bundlePath = join(dataDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  log(`footprint: workflow bundle ${(code.length / 1024).toFixed(0)} KB`);
  const env = benchEnv(args.env);
  // Its own dev server: no cluster address, namespace or credentials from the shell.
  for (const k of Object.keys(env)) if (k.startsWith('TEMPORAL_') && !(k in args.env)) delete env[k];
  const server = await startDevServer({ dataDir: join(dataDir, 'temporal'), uiPort: false });
  const paper = await startPaperExchange({ port: 0, scenario: await loadScenarioFile(scenarioPath) });
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection, namespace: server.namespace });
    for (const plans of args.plans) {
      const result = await measureFootprint({
        client,
        temporalAddress: server.address,
        namespace: server.namespace,
        paperUrl: paper.url,
        bundlePath,
        dataDir,
        policy: chainPolicyFromEnv({}),
        plans,
        symbols,
        env,
        log,
        settleTimeoutMs: Math.max(60_000, plans * 300),
        ...(args.onSettled ? { onSettled: async (pid: number) => void execSync(args.onSettled!, { stdio: 'inherit', env: { ...process.env, WORKER_PID: String(pid) } }) } : {}),
      });
      process.stdout.write(`${JSON.stringify({ env: args.env, ...result })}\n`);
    }
  } finally {
    await connection.close();
    await paper.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`footprint failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
