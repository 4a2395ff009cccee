// The human-readable table of a benchmark run.
import type { BenchResult, PhaseResult, ThroughputSearch } from './run.js';
import type { TimelineSummary } from './analysis.js';

const f = (v: number | null | undefined, unit = '') => (v === null || v === undefined ? '—' : `${v}${unit}`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function latencyRow(name: string, p: PhaseResult): string[] {
  const l = p.latency;
  return [name, f(l.p50_ms), f(l.p95_ms), f(l.p99_ms), f(l.max_ms), `${p.executed}/${p.submitted}`, f(p.cpu_ms_per_plan.bench_process), f(p.cpu_ms_per_plan.others['dev_server']), f(p.cpu.machine_busy_pct, '%')];
}

function searchRows(name: string, s: ThroughputSearch): string[][] {
  return s.steps.map((st) => [name, f(st.offered_rate), f(st.throughput_per_s), f(st.latency.p50_ms), f(st.latency.p99_ms), `${st.executed}/${st.submitted}`, f(st.cpu.bench_process_pct, '%'), f(st.cpu.other_pct['dev_server'], '%'), f(st.cpu_ms_per_plan.bench_process), f(st.cpu_ms_per_plan.others['dev_server']), f(st.cpu.machine_busy_pct, '%')]);
}

function timeline(name: string, t: TimelineSummary | null): string {
  if (!t) return '';
  const acts = Object.keys(t.activity_start_to_close_ms)
    .map((k) => `${k} wait ${f(t.activity_schedule_to_start_ms[k])} / run ${f(t.activity_start_to_close_ms[k])}`)
    .join('; ');
  return [
    `  ${name} (${t.plans} plans, medians in ms):`,
    `    client start RPC ${f(t.accept_to_started_ms)} · workflow tasks/plan ${f(t.workflow_tasks_per_plan)} · WFT queue wait p50 ${f(t.wft_schedule_to_start_ms.p50)} (p95 ${f(t.wft_schedule_to_start_ms.p95)}) · WFT processing p50 ${f(t.wft_start_to_complete_ms.p50)} (p95 ${f(t.wft_start_to_complete_ms.p95)})`,
    `    activities: ${acts}`,
    `    order done → next WFT ${f(t.order_completed_to_next_wft_ms)} · started → order seen ${f(t.started_to_order_seen_ms)} · started → closed ${f(t.started_to_closed_ms)}`,
  ].join('\n');
}

export function formatReport(r: BenchResult): string {
  const out: string[] = [];
  out.push(`permit-chain benchmark (${r.mode}) · ${r.started_at} · ${r.duration_s} s`);
  out.push(`machine: ${r.machine.nproc} cores (${r.machine.cpu_model}), ${r.machine.memory_gb} GB, node ${r.machine.node}, load ${r.machine.load_avg_1m_at_start} at start`);
  out.push(`stack: ${r.setup.temporal}; ${r.setup.store}; ${r.setup.exchange}; ${r.setup.symbols} symbols`);
  for (const n of r.setup.notes) out.push(`  - ${n}`);
  out.push('');
  out.push(`1. Latency, plan accepted → order acknowledged (${r.latency.plans} plans at ${r.latency.rate}/s; ms; seed chain: ${r.seed_chain_latency_ms} ms)`);
  out.push(table([['chain', 'p50', 'p95', 'p99', 'max', 'executed', 'CPU ms/plan bench', 'CPU ms/plan dev server', 'machine busy'], latencyRow('Temporal', r.latency.temporal), latencyRow('direct', r.latency.direct)]));
  out.push(`   Temporal / direct: p50 ×${f(r.latency.ratio_p50)}, p99 ×${f(r.latency.ratio_p99)}; Temporal p50 vs seed 978 ms: ×${f(r.latency.vs_seed_p50)}`);
  out.push('');
  out.push(`2./3. Throughput (steps of ${r.throughput.step_seconds} s, pass while p99 ≤ ${r.throughput.p99_limit_ms} ms)`);
  out.push(table([['chain', 'offered/s', 'done/s', 'p50', 'p99', 'executed', 'bench CPU', 'dev server CPU', 'CPU ms/plan bench', 'CPU ms/plan server', 'machine busy'], ...searchRows('Temporal', r.throughput.temporal), ...searchRows('direct', r.throughput.direct)]));
  out.push(`   Temporal: ${f(r.throughput.temporal.best_throughput_per_s)} plans/s sustained (stopped: ${r.throughput.temporal.stopped_because})`);
  out.push(`   direct:   ${f(r.throughput.direct.best_throughput_per_s)} plans/s sustained (stopped: ${r.throughput.direct.stopped_because})`);
  out.push(`   Temporal / direct: ×${f(r.throughput.ratio)}`);
  out.push('');
  const c = r.cost;
  out.push('4. Cost per executed plan (from the real histories, Temporal Cloud action rules)');
  out.push(table([
    ['path', 'plans', 'events', 'actions', 'actions by kind'],
    ['happy', String(c.happy_path.plans), f(c.happy_path.events_per_plan.mean), f(c.happy_path.actions_per_plan.mean), JSON.stringify(c.happy_path.actions_by_kind)],
    ['deny→reconcile→execute', String(c.deny_reconcile_execute.plans), f(c.deny_reconcile_execute.events_per_plan.mean), f(c.deny_reconcile_execute.actions_per_plan.mean), JSON.stringify(c.deny_reconcile_execute.actions_by_kind)],
  ]));
  out.push('   rules: ' + c.rules.slice(1).join('; '));
  out.push('');
  out.push('5. Footprint');
  if ('error' in r.footprint) out.push(`   failed: ${r.footprint.error}`);
  else {
    const fp = r.footprint;
    out.push(`   ${fp.worker}, ${fp.store}: ${fp.plans_waiting} plans waiting → RSS ${f(fp.waiting_rss_mb, ' MB')} (idle ${f(fp.idle_rss_mb, ' MB')}, peak VmHWM ${f(fp.peak_rss_mb, ' MB')}, ${f(fp.per_plan_kb, ' KB')}/plan${fp.extrapolated_1000_mb !== null ? `, ≈ ${fp.extrapolated_1000_mb} MB at 1,000 extrapolated` : ''}); ${fp.cleaned_up} cleaned up`);
  }
  out.push('');
  out.push('Profile (from history event timestamps)');
  out.push(timeline(`at ${r.latency.rate}/s`, r.profile.timeline_at_latency_rate));
  if (r.profile.timeline_at_best_rate) out.push(timeline(`at the best passing rate ${f(r.throughput.temporal.best_offered_rate)}/s`, r.profile.timeline_at_best_rate));
  if (r.profile.timeline_at_first_failing_rate) out.push(timeline('at the first failing rate', r.profile.timeline_at_first_failing_rate));
  const c2 = r.profile.cpu_per_plan_ms;
  out.push(`  CPU per plan (ms): Temporal ${f(c2.temporal_bench_process)} in the bench process + ${f(c2.temporal_dev_server)} in the dev server = ${f(c2.temporal_total)}; direct ${f(c2.direct_bench_process)}${c2.temporal_paper_exchange === null ? '' : `; paper exchange process ${f(c2.temporal_paper_exchange)} (Temporal) / ${f(c2.direct_paper_exchange)} (direct)`}. CPU-bound ceiling: Temporal ≈ ${f(r.profile.cpu_bound_plans_per_s.temporal)}/s, direct ≈ ${f(r.profile.cpu_bound_plans_per_s.direct)}/s`);
  const d = r.profile.direct_steps_ms;
  out.push(`  direct chain steps (p50 ms): permits ${f(d.permits_p50)} · order ${f(d.order_p50)} · book ${f(d.book_p50)}`);
  for (const st of r.throughput.temporal.steps) {
    if (!st.cpu_profile) continue;
    out.push(`  CPU profile at ${st.offered_rate}/s: ${Object.entries(st.cpu_profile.by_package_pct).slice(0, 8).map(([k, v]) => `${k} ${v}%`).join(', ')}`);
  }
  out.push('');
  out.push('Targets (reported, not asserted)');
  out.push(table([['target', 'wanted', 'measured', 'met'], ...r.targets.map((t) => [t.name, t.target, f(t.measured), t.met === null ? '—' : t.met ? 'yes' : 'NO'])]));
  return out.join('\n');
}
