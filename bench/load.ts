// Open-loop load: plans arrive on a fixed schedule whatever the system's answer time (so a slow system
// builds a backlog and shows it in its latency, instead of slowing the arrivals down).
import { randomBytes } from 'node:crypto';
import { parsePlan, type Plan } from '../src/domain/plan.js';
import type { SymbolPool } from './markets.js';
import { summarize, type LatencySummary } from './stats.js';
import { cpuSnapshot, cpuSince, type CpuUse } from './cpu.js';

export interface PlanOutcome {
  state: string;
  /** plan accepted → order acknowledged (ms): the workflow's chain_latency_ms, or the direct chain's own. */
  latencyMs: number | null;
  /** plan accepted → the caller holds the final result (ms). */
  endToEndMs: number;
  completedAt: number;
  workflowId?: string;
  runId?: string;
  acceptedAt: number;
  error?: string;
}

export type PlanRunner = (plan: Plan, acceptedAt: number) => Promise<PlanOutcome>;

let sequence = 0;
export function benchPlan(symbol: string, prefix: string): Plan {
  sequence += 1;
  const now = Date.now();
  const parsed = parsePlan({
    plan_id: `${prefix}-${randomBytes(4).toString('hex')}${sequence.toString(36)}`,
    symbol,
    action: 'PARTIAL_25',
    kill_score: 0.539,
    decision: 'EXECUTE',
    timestamp: Math.floor(now / 1000),
  }, { now });
  if (!parsed.ok) throw new Error(`bench plan does not validate: ${JSON.stringify(parsed.errors)}`);
  return parsed.plan;
}

export interface LoadResult {
  offered_rate: number;
  /** Plans actually submitted per second (below offered when the event loop could not keep up). */
  arrival_rate: number;
  window_s: number;
  submitted: number;
  executed: number;
  not_executed: number;
  /** Arrivals dropped because every symbol carried a plan in flight (the load outran the pool). */
  starved: number;
  /** Plans still running when the drain deadline passed. */
  unfinished: number;
  /** Plans completed per second: executed / (last completion − first arrival). */
  throughput_per_s: number;
  latency: LatencySummary;
  end_to_end: LatencySummary;
  /** CPU time per executed plan (ms): the bench process (all its threads) and each sampled pid (dev server). */
  cpu_ms_per_plan: { bench_process: number | null; others: Record<string, number> };
  states: Record<string, number>;
  cpu: CpuUse;
  outcomes: PlanOutcome[];
}

export interface LoadSpec {
  rate: number;
  count: number;
  pool: SymbolPool;
  runner: PlanRunner;
  prefix: string;
  /** After the last arrival, how long to wait for answers before counting the rest as unfinished. */
  drainMs: number;
  /** Processes whose CPU is sampled besides this one, by label ({ dev_server: pid }). */
  cpuPids?: Record<string, number>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runOpenLoop(spec: LoadSpec): Promise<{ result: LoadResult; settled: Promise<unknown> }> {
  const interval = 1000 / spec.rate;
  const pending: Array<Promise<PlanOutcome>> = [];
  let starved = 0;
  const cpu0 = cpuSnapshot(spec.cpuPids ?? {});
  const t0 = Date.now();
  for (let i = 0; i < spec.count; i++) {
    const due = t0 + i * interval;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const symbol = spec.pool.take();
    if (symbol === null) {
      starved += 1;
      continue;
    }
    const plan = benchPlan(symbol, spec.prefix);
    const acceptedAt = Date.now();
    pending.push(
      spec.runner(plan, acceptedAt)
        .catch((err: unknown): PlanOutcome => ({ state: 'ERROR', latencyMs: null, endToEndMs: Date.now() - acceptedAt, completedAt: Date.now(), acceptedAt, error: String(err) }))
        .finally(() => spec.pool.give(symbol)),
    );
  }
  const lastArrival = Date.now();
  const outcomes: PlanOutcome[] = [];
  const collected = pending.map((p) => p.then((o) => outcomes.push(o)));
  const settled = Promise.all(collected);
  await Promise.race([settled, sleep(spec.drainMs)]);
  const cpu = cpuSince(cpu0);
  const done = [...outcomes];
  const executed = done.filter((o) => o.state === 'EXECUTED');
  const lastCompletion = executed.reduce((m, o) => Math.max(m, o.completedAt), t0);
  const states: Record<string, number> = {};
  for (const o of done) states[o.state] = (states[o.state] ?? 0) + 1;
  const windowS = Math.max(0.001, (lastArrival - t0) / 1000);
  return {
    result: {
      offered_rate: Math.round(spec.rate * 10) / 10,
      arrival_rate: Math.round((pending.length / Math.max(windowS, interval / 1000)) * 10) / 10,
      window_s: Math.round(windowS * 10) / 10,
      submitted: pending.length,
      executed: executed.length,
      not_executed: done.length - executed.length,
      starved,
      unfinished: pending.length - done.length,
      throughput_per_s: executed.length ? Math.round((executed.length / Math.max(0.001, (lastCompletion - t0) / 1000)) * 10) / 10 : 0,
      latency: summarize(executed.map((o) => o.latencyMs).filter((v): v is number => v !== null)),
      end_to_end: summarize(executed.map((o) => o.endToEndMs)),
      cpu_ms_per_plan: {
        bench_process: executed.length ? Math.round((cpu.bench_process_ms / executed.length) * 10) / 10 : null,
        others: Object.fromEntries(Object.entries(cpu.other_ms).map(([pid, ms]) => [pid, executed.length ? Math.round((ms / executed.length) * 10) / 10 : 0])),
      },
      states,
      cpu,
      outcomes: done,
    },
    settled,
  };
}
