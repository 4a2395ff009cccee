// Keeps the benchmark's code path alive: the quick mode's steps at even smaller sizes, against a real
// embedded stack. Asserts that every figure is there with a sane type, never a timing threshold.
import { describe, expect, it } from 'vitest';
import { benchOptions } from '../../bench/options.js';
import { formatReport } from '../../bench/report.js';
import { runBench, type BenchResult, type PhaseResult } from '../../bench/run.js';

const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown) => v === null || isNum(v);

function expectPhase(p: PhaseResult): void {
  expect(p.submitted).toBeGreaterThan(0);
  for (const k of ['offered_rate', 'arrival_rate', 'window_s', 'executed', 'throughput_per_s', 'starved', 'unfinished'] as const) expect(isNum(p[k]), k).toBe(true);
  for (const k of ['p50_ms', 'p95_ms', 'p99_ms', 'max_ms'] as const) expect(numOrNull(p.latency[k]), k).toBe(true);
  expect(isNum(p.cpu.bench_process_pct)).toBe(true);
  expect(numOrNull(p.cpu_ms_per_plan.bench_process)).toBe(true);
}

describe('npm run bench (test sizes)', () => {
  it('measures every figure and prints valid JSON and a table', { timeout: 420_000 }, async () => {
    const result: BenchResult = await runBench(benchOptions('test'));
    const json = JSON.parse(JSON.stringify(result)) as BenchResult; // what --json prints
    expect(json.bench).toBe('permit-chain');
    expect(isNum(json.machine.nproc) && isNum(json.machine.memory_gb)).toBe(true);
    expect(json.machine.node).toMatch(/^v\d+/);
    expect(json.seed_chain_latency_ms).toBe(978);

    // 1. latency, both chains; the Temporal one from chain_latency_ms
    expectPhase(json.latency.temporal);
    expectPhase(json.latency.direct);
    expect(json.latency.temporal.executed).toBe(json.latency.temporal.submitted);
    expect(json.latency.direct.executed).toBe(json.latency.direct.submitted);
    expect(isNum(json.latency.temporal.latency.p50_ms)).toBe(true);
    expect(isNum(json.latency.direct.latency.p50_ms)).toBe(true);
    expect(isNum(json.latency.ratio_p50)).toBe(true);
    expect(json.latency.source).toContain('chain_latency_ms');

    // 2./3. throughput search, both chains
    for (const search of [json.throughput.temporal, json.throughput.direct]) {
      expect(search.steps.length).toBeGreaterThan(0);
      search.steps.forEach(expectPhase);
      expect(numOrNull(search.best_throughput_per_s)).toBe(true);
      expect(typeof search.stopped_because).toBe('string');
    }
    expect(numOrNull(json.throughput.ratio)).toBe(true);

    // 4. cost per plan from real histories
    for (const cost of [json.cost.happy_path, json.cost.deny_reconcile_execute]) {
      expect(cost.plans).toBeGreaterThan(0);
      expect(cost.events_per_plan.mean).toBeGreaterThan(0);
      expect(cost.actions_per_plan.mean).toBeGreaterThan(0);
      expect(cost.actions_by_kind['workflow_started']).toBe(1);
    }
    expect(json.cost.happy_path.actions_by_kind['activity:placeOrder']).toBe(1);
    // Permit checks and booking are local activities: markers, one action per workflow task that has any.
    expect(json.cost.happy_path.actions_by_kind['activity:issueGovernorPermit']).toBeUndefined();
    expect(json.cost.happy_path.actions_by_kind['local_activities']).toBeGreaterThan(0);
    expect(json.cost.deny_reconcile_execute.actions_by_kind['signal']).toBe(1);
    expect(json.cost.deny_reconcile_execute.actions_per_plan.mean!).toBeGreaterThan(json.cost.happy_path.actions_per_plan.mean!);
    expect(json.cost.rules.length).toBeGreaterThan(3);

    // 5. footprint of a separate worker process
    expect('error' in json.footprint ? json.footprint.error : null).toBeNull();
    if (!('error' in json.footprint)) {
      expect(json.footprint.plans_waiting).toBeGreaterThan(0);
      expect(isNum(json.footprint.peak_rss_mb) && isNum(json.footprint.idle_rss_mb) && isNum(json.footprint.waiting_rss_mb)).toBe(true);
      expect(json.footprint.cleaned_up).toBe(20); // every plan started is cleaned up, waiting or not
    }

    // profile and targets
    expect(json.profile.timeline_at_latency_rate.plans).toBeGreaterThan(0);
    expect(isNum(json.profile.timeline_at_latency_rate.workflow_tasks_per_plan)).toBe(true);
    expect(isNum(json.profile.cpu_per_plan_ms.temporal_bench_process) && isNum(json.profile.cpu_per_plan_ms.direct_bench_process)).toBe(true);
    // Default layout: the paper exchange in its own process (its CPU reported apart), the ledger in PostgreSQL.
    expect(isNum(json.profile.cpu_per_plan_ms.temporal_paper_exchange) && isNum(json.profile.cpu_per_plan_ms.direct_paper_exchange)).toBe(true);
    expect(json.setup.store).toMatch(/^PostgreSQL .*schema bench_[0-9a-f]{12}/);
    expect(json.setup.exchange).toContain('its own process');
    expect(json.targets.map((t) => t.name)).toHaveLength(5);
    for (const t of json.targets) expect(t.met === null || typeof t.met === 'boolean').toBe(true);

    const table = formatReport(result);
    for (const heading of ['1. Latency', 'Throughput', '4. Cost', '5. Footprint', 'Targets']) expect(table).toContain(heading);
  });
});
