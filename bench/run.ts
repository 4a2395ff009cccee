// One benchmark run, start to finish: brings up the embedded stack (or uses TEMPORAL_ADDRESS), measures
// latency, throughput, the direct baseline, cost per plan and the worker's footprint, then stops it all.
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { chainStateOf } from '../src/client/plans.js';
import { startPlanWorkflow } from '../src/client/start-plan.js';
import { startEmbeddedStack, type EmbeddedStack } from '../src/stack/embedded-stack.js';
import { WORKFLOWS_PATH } from '../src/workers/plan-worker.js';
import { reconcileSignal } from '../src/workflows/contract.js';
import type { ChainState } from '../src/domain/chain.js';
import { readHistories, summarizeCosts, summarizeTimelines, type CostSummary, type TimelineSummary } from './analysis.js';
import { findPidByArg, memoryOf } from './cpu.js';
import { profileDuring, type CpuProfileSummary } from './cpu-profile.js';
import { measureFootprint, type FootprintResult } from './footprint.js';
import { BILLING_RULES, countActions, planTimeline, type PlanCost, type PlanTimeline } from './history.js';
import { benchPlan, runOpenLoop, type LoadResult, type PlanOutcome, type PlanRunner } from './load.js';
import { benchSymbols, refill, skewLedger, SymbolPool, writeBenchScenario, type MarketAdmin } from './markets.js';
import type { BenchOptions } from './options.js';
import { directRunner, temporalRunner, type DirectStepTimes } from './runners.js';
import { DEFAULT_BENCH_DATABASE_URL, displayUrl, dropBenchSchema, newBenchSchema, postgresReachable, startPaperProcess, type PaperProcess } from './services.js';
import { median, ratio } from './stats.js';

/** Lowest offered rate the throughput search tries when stepping down. */
const MIN_SEARCH_RATE = 2;

export const SEED_CHAIN_LATENCY_MS = 978;

export type PhaseResult = Omit<LoadResult, 'outcomes'> & { cpu_profile?: CpuProfileSummary };

export interface ThroughputSearch {
  /** Highest step that passed (p99 ≤ limit, every plan executed, none left over). */
  best_offered_rate: number | null;
  best_throughput_per_s: number | null;
  /** Why the search stopped. */
  stopped_because: string;
  steps: PhaseResult[];
}

export interface Target {
  name: string;
  target: string;
  measured: number | null;
  met: boolean | null;
}

export interface BenchResult {
  bench: 'permit-chain';
  mode: BenchOptions['mode'];
  started_at: string;
  duration_s: number;
  machine: { nproc: number; cpu_model: string; memory_gb: number; free_memory_gb: number; node: string; platform: string; load_avg_1m_at_start: number };
  setup: {
    temporal: string;
    store: string;
    exchange: string;
    symbols: number;
    notes: string[];
  };
  seed_chain_latency_ms: number;
  latency: {
    source: string;
    rate: number;
    plans: number;
    temporal: PhaseResult;
    direct: PhaseResult;
    ratio_p50: number | null;
    ratio_p99: number | null;
    vs_seed_p50: number | null;
  };
  throughput: {
    step_seconds: number;
    p99_limit_ms: number;
    note: string;
    temporal: ThroughputSearch;
    direct: ThroughputSearch;
    ratio: number | null;
  };
  cost: {
    rules: readonly string[];
    happy_path: CostSummary;
    deny_reconcile_execute: CostSummary;
  };
  footprint: FootprintResult | { error: string };
  profile: {
    timeline_at_latency_rate: TimelineSummary;
    timeline_at_best_rate: TimelineSummary | null;
    timeline_at_first_failing_rate: TimelineSummary | null;
    direct_steps_ms: { permits_p50: number | null; order_p50: number | null; book_p50: number | null };
    /** CPU time per executed plan in the latency phase (ms): robust to the machine's other load, unlike latency. */
    cpu_per_plan_ms: {
      temporal_bench_process: number | null;
      temporal_dev_server: number | null;
      /** Bench process + dev server: what the Temporal chain costs, the exchange left out. */
      temporal_total: number | null;
      direct_bench_process: number | null;
      /** The paper exchange's own process (null when it runs inside the bench process). */
      temporal_paper_exchange: number | null;
      direct_paper_exchange: number | null;
    };
    /** What the machine could do if CPU were the only bound: Temporal = cores × 1000 / total; direct = 1000 / its ms (one JS thread). */
    cpu_bound_plans_per_s: { temporal: number | null; direct: number | null };
    bench_process_peak_rss_mb: number | null;
  };
  targets: Target[];
}

/** Settings the chain reads from the environment: never inherited from the shell running the bench. */
const CHAIN_ENV = /^(DATABASE_|EXCHANGE_|PAPER_|PERMIT_|RECONCILE_WAIT|MAX_|MIN_ORDER|ORDER_ATTEMPT|PAUSE_POLL|POSITION_TOLERANCE|DRIFT_|TURN_CHECK|WORKFLOW_BUNDLE|WORKER_|REDIS_URL|TEMPORAL_TASK_QUEUE)/;

export function benchEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!CHAIN_ENV.test(k)) env[k] = v;
  return { ...env, TEMPORAL_LOG_LEVEL: 'ERROR', ...extra };
}

function phase(result: LoadResult, profile?: CpuProfileSummary): PhaseResult {
  const { outcomes: _outcomes, ...rest } = result;
  return profile ? { ...rest, cpu_profile: profile } : rest;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runBench(opts: BenchOptions, out: (line: string) => void = () => undefined): Promise<BenchResult> {
  const startedAt = Date.now();
  const log = (line: string) => out(`[+${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${line}`);
  /** Seconds left of the run's budget, keeping `reserve` s for what follows (footprint, shutdown). */
  const left = (reserve: number) => opts.budgetSeconds - reserve - (Date.now() - startedAt) / 1000;
  const dataDir = mkdtempSync(join(tmpdir(), 'permit-chain-bench-'));
  const symbols = benchSymbols(opts.symbols);
  const scenarioPath = writeBenchScenario(dataDir, symbols);
  const machine = {
    nproc: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    free_memory_gb: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    load_avg_1m_at_start: Math.round(loadavg()[0]! * 100) / 100,
  };
  log(`bench (${opts.mode}): bundling the workflow code`);
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
  const bundlePath = join(dataDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  const env = benchEnv({ WORKFLOW_BUNDLE_PATH: bundlePath, TEMPORAL_TASK_QUEUE: `permit-chain-bench-${process.pid}` });
  const databaseUrl = process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL;
  const schema = opts.store === 'postgres' ? newBenchSchema() : null;
  let stack: EmbeddedStack | null = null;
  let paperProcess: PaperProcess | null = null;
  try {
    if (schema) {
      if (!(await postgresReachable(databaseUrl))) {
        throw new Error(`PostgreSQL is not reachable at ${displayUrl(databaseUrl)} (set BENCH_DATABASE_URL, or run with --store embedded)`);
      }
      Object.assign(env, { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema });
    }
    if (opts.exchange === 'process') {
      log('bench: starting the paper exchange as its own process');
      paperProcess = await startPaperProcess(scenarioPath, env);
      Object.assign(env, { EXCHANGE_VENUE: 'paper', PAPER_EXCHANGE_URL: paperProcess.url });
    }
    log(`bench: starting the stack (Temporal dev server unless TEMPORAL_ADDRESS, ${schema ? 'PostgreSQL' : 'embedded'} ledger, worker${paperProcess ? '' : ', paper exchange'})`);
    stack = await startEmbeddedStack({ dataDir, scenarioPath, env, uiPort: false });
    const s = stack;
    const { store, settings, activities } = s.services;
    const paperUrl = s.paper?.url ?? paperProcess!.url;
    const admin: MarketAdmin = { paperUrl, store, venueName: settings.venueName };
    await refill(admin, symbols, true);
    const devServerPid = env.TEMPORAL_ADDRESS ? null : findPidByArg(dataDir);
    const cpuPids: Record<string, number> = {
      ...(devServerPid ? { dev_server: devServerPid } : {}),
      ...(paperProcess ? { paper_exchange: paperProcess.pid } : {}),
    };
    const pool = new SymbolPool(symbols);
    const temporal = temporalRunner(s.client, s.taskQueue, s.policy, s.eagerStart);
    const directTimes: DirectStepTimes = { permits: [], order: [], book: [] };
    const direct = directRunner(activities, s.policy);
    const directTimed = directRunner(activities, s.policy, directTimes);
    let benchPeakRss = 0;
    const rssSampler = setInterval(() => (benchPeakRss = Math.max(benchPeakRss, memoryOf('self')?.rss_mb ?? 0)), 500);

    const tidy = async (settled: Promise<unknown>, maxWaitMs = opts.mode === 'full' ? 120_000 : 12_000) => {
      await Promise.race([settled, sleep(maxWaitMs)]);
      await refill(admin, pool.takeUsed());
    };
    const load = async (runner: PlanRunner, rate: number, count: number, prefix: string, drainMs = 30_000, profile = false) => {
      const run = () => runOpenLoop({ rate, count, pool, runner, prefix, drainMs, cpuPids });
      if (!profile) {
        const { result, settled } = await run();
        await tidy(settled);
        return { result, profile: undefined };
      }
      const file = join(tmpdir(), `permit-chain-bench-${prefix}-${Date.now()}.cpuprofile`);
      const { value, profile: summary } = await profileDuring(run, file);
      await tidy(value.settled);
      log(`bench: CPU profile written to ${file}`);
      return { result: value.result, profile: summary };
    };

    try {
      log(`bench: warm-up (${opts.warmupPlans} plans each way)`);
      await load(temporal, 10, opts.warmupPlans, 'wt');
      await load(direct, 10, opts.warmupPlans, 'wd');

      log(`bench: latency, ${opts.plans} plans at ${opts.rate}/s through Temporal`);
      const latencyDrainMs = opts.mode === 'full' ? 60_000 : 15_000;
      const latT = await load(temporal, opts.rate, opts.plans, 'lt', latencyDrainMs);
      log(`bench: latency, ${opts.plans} plans at ${opts.rate}/s direct (no Temporal)`);
      const latD = await load(directTimed, opts.rate, opts.plans, 'ld', latencyDrainMs);

      log('bench: cost per plan, happy path (histories of the latency phase)');
      const happy = await readHistories(s.client, latT.result.outcomes, opts.costPlans);
      log(`bench: cost per plan, deny → reconcile → execute (${opts.denyPathPlans} plans)`);
      const deny = await denyPath(s, admin, pool, opts.denyPathPlans);

      const search = async (runner: PlanRunner, prefix: string, withTimelines: boolean, reserve: number) => {
        const steps: PhaseResult[] = [];
        let best: PhaseResult | null = null;
        let bestOutcomes: PlanOutcome[] = [];
        let failOutcomes: PlanOutcome[] = [];
        let stopped = `reached the cap of ${opts.maxRate}/s`;
        // Answers still missing this long after the last arrival fail the step (p99 would exceed the limit anyway).
        const drainMs = opts.mode === 'full' ? Math.max(10_000, opts.p99LimitMs * 10) : opts.p99LimitMs * 3;
        // Up from startRate while steps pass; if the very first step fails, down from it until one passes,
        // so that a chain slower than startRate still gets a sustained figure.
        let descending = false;
        for (let rate = opts.startRate; rate >= MIN_SEARCH_RATE && rate <= opts.maxRate; ) {
          if (steps.length > 0 && left(reserve) < opts.stepSeconds + 5) {
            stopped = `time budget of ${opts.budgetSeconds} s (${opts.mode} mode) used up before the ${rate}/s step`;
            break;
          }
          const count = Math.max(2, Math.round(rate * opts.stepSeconds));
          log(`bench: throughput (${prefix === 'tt' ? 'Temporal' : 'direct'}) at ${rate}/s for ${opts.stepSeconds} s (${count} plans)`);
          const { result, profile } = await load(runner, rate, count, prefix, drainMs, opts.cpuProfile);
          const step = phase(result, profile);
          steps.push(step);
          const failure =
            result.starved > 0 ? `${result.starved} arrivals found every symbol in flight (in-flight > ${opts.symbols})`
            : result.unfinished > 0 ? `${result.unfinished} plans unfinished ${drainMs / 1000} s after the last arrival`
            : result.executed < result.submitted ? `${result.submitted - result.executed} plans not executed (${JSON.stringify(result.states)})`
            : (result.latency.p99_ms ?? Infinity) > opts.p99LimitMs ? `p99 ${result.latency.p99_ms} ms > ${opts.p99LimitMs} ms at ${rate}/s`
            : result.arrival_rate < rate * 0.9 ? `the bench could only submit ${result.arrival_rate}/s of the offered ${rate}/s`
            : null;
          if (failure) {
            stopped = failure;
            if (failOutcomes.length === 0) failOutcomes = result.outcomes;
            if (best !== null) break;
            descending = true;
            rate = Math.floor(rate / opts.rateFactor);
            continue;
          }
          best = step;
          bestOutcomes = result.outcomes;
          if (descending) {
            stopped = `stepping down from ${opts.startRate}/s (${stopped}): ${rate}/s is the first rate that held`;
            break;
          }
          rate = Math.round(rate * opts.rateFactor);
        }
        const timelines = async (outcomes: PlanOutcome[]) => (withTimelines && outcomes.length ? summarizeTimelines((await readHistories(s.client, outcomes, 30)).timelines) : null);
        return {
          search: { best_offered_rate: best?.offered_rate ?? null, best_throughput_per_s: best?.throughput_per_s ?? null, stopped_because: stopped, steps } satisfies ThroughputSearch,
          bestTimeline: await timelines(bestOutcomes),
          failTimeline: await timelines(failOutcomes),
        };
      };
      // The budget is shared: the Temporal search leaves room for the direct one and the footprint.
      const footprintReserve = opts.mode === 'full' ? 0 : 25;
      const thrT = await search(temporal, 'tt', true, footprintReserve + Math.max(0, left(footprintReserve)) / 2);
      const thrD = await search(direct, 'td', false, footprintReserve);

      log(`bench: footprint, ${opts.footprintPlans} plans waiting on a separate worker process`);
      let footprint: FootprintResult | { error: string };
      try {
        footprint = await measureFootprint({
          client: s.client,
          temporalAddress: s.temporalAddress,
          namespace: s.namespace,
          paperUrl,
          bundlePath,
          dataDir,
          policy: s.policy,
          plans: opts.footprintPlans,
          symbols: symbols.slice(0, 8),
          env,
          log,
          settleTimeoutMs: opts.mode === 'full' ? Math.max(120_000, opts.footprintPlans * 200) : 25_000,
        });
      } catch (err) {
        footprint = { error: String(err) };
      }

      const lt = phase(latT.result);
      const ld = phase(latD.result);
      const happyCost = summarizeCosts(happy.costs);
      const tServer = lt.cpu_ms_per_plan.others['dev_server'] ?? null;
      const cpuPerPlan = {
        temporal_bench_process: lt.cpu_ms_per_plan.bench_process,
        temporal_dev_server: tServer,
        temporal_total: lt.cpu_ms_per_plan.bench_process !== null && tServer !== null ? Math.round((lt.cpu_ms_per_plan.bench_process + tServer) * 10) / 10 : null,
        direct_bench_process: ld.cpu_ms_per_plan.bench_process,
        temporal_paper_exchange: lt.cpu_ms_per_plan.others['paper_exchange'] ?? null,
        direct_paper_exchange: ld.cpu_ms_per_plan.others['paper_exchange'] ?? null,
      };
      const result: BenchResult = {
        bench: 'permit-chain',
        mode: opts.mode,
        started_at: new Date(startedAt).toISOString(),
        duration_s: 0,
        machine,
        setup: {
          temporal: env.TEMPORAL_ADDRESS ? `TEMPORAL_ADDRESS ${s.temporalAddress}` : `embedded Temporal CLI dev server (SQLite) on ${s.temporalAddress}`,
          store: schema ? `PostgreSQL ${displayUrl(databaseUrl)} (schema ${schema}, dropped afterwards)` : `embedded ledger (${store.kind}) in the bench process`,
          exchange: `paper exchange (Binance USDⓈ-M wire format) through the real ccxt client, ${paperProcess ? `its own process (${paperUrl})` : 'in the bench process'}`,
          symbols: opts.symbols,
          notes: [
            paperProcess || schema
              ? `The bench process holds the client (plans started eagerly on its worker, as the embedded stack's intake does) and the worker${paperProcess ? '' : ', the paper exchange'}${schema ? '' : ', the embedded ledger'}; the dev server${paperProcess ? ', the paper exchange' : ''}${schema ? ' and PostgreSQL' : ''} are other processes (PostgreSQL's CPU is not counted).`
              : 'Client, worker, paper exchange and ledger share the bench process (the embedded stack); the dev server is a separate process.',
            'Plans are PARTIAL_25 closes of 1000-lot positions; a symbol carries one plan at a time, positions and ledger are topped up between phases.',
            'Arrivals are open-loop at a fixed rate; latency is the workflow\'s chain_latency_ms (plan accepted → order acknowledged, as seen by the workflow task that receives placeOrder\'s result); the direct chain measures the same span with Date.now() after placeOrder returns.',
            ...(opts.stepSeconds < 30 ? [`Throughput steps last ${opts.stepSeconds} s (the issue asks for ≥ 30 s: run without --quick for that).`] : []),
            ...(machine.load_avg_1m_at_start > machine.nproc * 0.5 ? [`The machine was busy at start (load ${machine.load_avg_1m_at_start} on ${machine.nproc} cores): figures are noisy.`] : []),
          ],
        },
        seed_chain_latency_ms: SEED_CHAIN_LATENCY_MS,
        latency: {
          source: 'chain_latency_ms from each plan workflow\'s result (accepted → order acknowledged); direct: same span measured in-process',
          rate: opts.rate,
          plans: opts.plans,
          temporal: lt,
          direct: ld,
          ratio_p50: ratio(lt.latency.p50_ms, ld.latency.p50_ms),
          ratio_p99: ratio(lt.latency.p99_ms, ld.latency.p99_ms),
          vs_seed_p50: ratio(lt.latency.p50_ms, SEED_CHAIN_LATENCY_MS),
        },
        throughput: {
          step_seconds: opts.stepSeconds,
          p99_limit_ms: opts.p99LimitMs,
          note: `Offered rate starts at ${opts.startRate}/s and grows ×${opts.rateFactor} per step until a step fails (if the first step fails, it shrinks ÷${opts.rateFactor} per step until one holds, down to ${MIN_SEARCH_RATE}/s); throughput = executed plans / (last completion − first arrival) of the best passing step.${opts.stepSeconds < 30 ? ` Quick mode: ${opts.stepSeconds}-s steps, not the ≥ 30 s the issue asks for.` : ''}`,
          temporal: thrT.search,
          direct: thrD.search,
          ratio: ratio(thrT.search.best_throughput_per_s, thrD.search.best_throughput_per_s),
        },
        cost: {
          rules: BILLING_RULES,
          happy_path: happyCost,
          deny_reconcile_execute: summarizeCosts(deny.costs),
        },
        footprint,
        profile: {
          timeline_at_latency_rate: summarizeTimelines(happy.timelines),
          timeline_at_best_rate: thrT.bestTimeline,
          timeline_at_first_failing_rate: thrT.failTimeline,
          direct_steps_ms: { permits_p50: median(directTimes.permits), order_p50: median(directTimes.order), book_p50: median(directTimes.book) },
          cpu_per_plan_ms: cpuPerPlan,
          cpu_bound_plans_per_s: {
            temporal: cpuPerPlan.temporal_total ? Math.round((machine.nproc * 1000) / cpuPerPlan.temporal_total) : null,
            direct: cpuPerPlan.direct_bench_process ? Math.round(1000 / cpuPerPlan.direct_bench_process) : null,
          },
          bench_process_peak_rss_mb: Math.max(benchPeakRss, memoryOf('self')?.peak_rss_mb ?? 0) || null,
        },
        targets: [],
      };
      result.targets = targets(result);
      result.duration_s = Math.round((Date.now() - startedAt) / 1000);
      return result;
    } finally {
      clearInterval(rssSampler);
    }
  } finally {
    log('bench: stopping the stack');
    await stack?.stop().catch(() => undefined);
    await paperProcess?.stop().catch(() => undefined);
    if (schema) await dropBenchSchema(databaseUrl, schema).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Plans whose ledger disagrees with the exchange: denied, reconciled by a signal, then executed. */
async function denyPath(stack: EmbeddedStack, admin: MarketAdmin, pool: SymbolPool, count: number): Promise<{ costs: PlanCost[]; timelines: PlanTimeline[] }> {
  const one = async (): Promise<{ cost: PlanCost; timeline: PlanTimeline }> => {
    const symbol = pool.take();
    if (!symbol) throw new Error('no free symbol for the deny path');
    try {
      await skewLedger(admin, symbol);
      const plan = benchPlan(symbol, 'dr');
      const acceptedAt = Date.now();
      const started = await startPlanWorkflow(stack.client, plan, { taskQueue: stack.taskQueue, policy: stack.policy, acceptedAt, eager: stack.eagerStart });
      const deadline = Date.now() + 60_000;
      let state: ChainState | null = null;
      while (Date.now() < deadline) {
        state = await chainStateOf(stack.client, plan.plan_id).catch(() => null);
        if (state && (state.stage === 'awaiting_reconcile' || state.state !== 'RUNNING')) break;
        await sleep(100);
      }
      if (state?.stage !== 'awaiting_reconcile') throw new Error(`deny path: plan ${plan.plan_id} did not wait for a reconcile (${state?.state}/${state?.stage})`);
      const handle = stack.client.workflow.getHandle(started.workflowId, started.runId ?? undefined);
      await handle.signal(reconcileSignal, { who: 'bench', why: 'benchmark: deny → reconcile → execute' });
      const final = (await handle.result()) as ChainState;
      if (final.state !== 'EXECUTED') throw new Error(`deny path: plan ${plan.plan_id} ended ${final.state} (${final.reason})`);
      const history = await handle.fetchHistory();
      return { cost: countActions(history), timeline: planTimeline(history, acceptedAt) };
    } finally {
      pool.give(symbol);
    }
  };
  const results = await Promise.all(Array.from({ length: count }, one));
  await refill(admin, pool.takeUsed(), true);
  return { costs: results.map((r) => r.cost), timelines: results.map((r) => r.timeline) };
}

function targets(r: BenchResult): Target[] {
  const t = (name: string, target: string, measured: number | null, ok: (v: number) => boolean): Target => ({ name, target, measured, met: measured === null ? null : ok(measured) });
  const fp = 'peak_rss_mb' in r.footprint ? r.footprint : null;
  const fpFigure = fp ? (fp.plans_waiting >= 1000 ? fp.peak_rss_mb : fp.extrapolated_1000_mb ?? fp.peak_rss_mb) : null;
  return [
    t(`p50 latency at ${r.latency.rate}/s`, '≤ 50 ms', r.latency.temporal.latency.p50_ms, (v) => v <= 50),
    t(`p99 latency at ${r.latency.rate}/s`, '≤ 200 ms', r.latency.temporal.latency.p99_ms, (v) => v <= 200),
    t('sustained throughput (p99 ≤ 1 s)', '≥ 100 plans/s', r.throughput.temporal.best_throughput_per_s, (v) => v >= 100),
    t('billable actions per happy-path plan', '≤ 6', r.cost.happy_path.actions_per_plan.mean, (v) => v <= 6),
    t('worker RSS with 1,000 waiting plans', '≤ 300 MB', fpFigure, (v) => v <= 300),
  ];
}

