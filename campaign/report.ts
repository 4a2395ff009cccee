// The campaign's human-readable report (without --json): safety figures first, each with its verdict.
import type { CampaignReport } from './campaign.js';
import type { ConcurrencyReport } from './concurrency.js';

const SAFETY_ROWS: Array<{ key: keyof CampaignReport; what: string; ok: (r: CampaignReport) => boolean }> = [
  { key: 'max_orders_per_plan', what: 'executed orders of one plan, at most (exchange orders by client order id)', ok: (r) => r.max_orders_per_plan <= 1 },
  { key: 'unparsable_orders', what: 'executed orders not attributable to a campaign plan', ok: (r) => r.unparsable_orders === 0 },
  { key: 'orders_after_permit_expiry', what: 'orders accepted at/after their earliest permit expiry (exchange time)', ok: (r) => r.orders_after_permit_expiry === 0 },
  { key: 'orders_without_attempt', what: 'executed orders with no recorded attempt/permits/log entry', ok: (r) => r.orders_without_attempt === 0 },
  { key: 'plans_unsettled', what: 'plans still open + attempts still pending in the store', ok: (r) => r.plans_unsettled === 0 },
  { key: 'symbols_ledger_mismatch', what: 'symbols whose ledger ≠ exchange position at the end', ok: (r) => r.symbols_ledger_mismatch === 0 },
  { key: 'double_booked_fills', what: 'orders booked beyond their execution + plans with fills of two orders', ok: (r) => r.double_booked_fills === 0 },
  { key: 'worker_kills', what: 'SIGKILLs of live worker processes', ok: (r) => r.worker_kills >= r.worker_kills_asked },
];

const fmtCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '—';

export function formatReport(r: CampaignReport): string {
  const lines: string[] = [];
  lines.push(`permit-chain fault campaign — ${r.passed ? 'PASSED' : 'FAILED'} (seed ${r.seed}, ${r.mode})`);
  lines.push('');
  lines.push(`plans ${r.plans} (${r.plans_not_submitted} not submitted) · orders executed ${r.orders} · ${r.duration_s} s · ${r.plans_per_s} plans/s`);
  lines.push('');
  const width = Math.max(...SAFETY_ROWS.map((row) => String(row.key).length));
  for (const row of SAFETY_ROWS) {
    const value = row.key === 'worker_kills' ? `${r.worker_kills}/${r.worker_kills_asked}` : String(r[row.key]);
    lines.push(`  ${row.ok(r) ? 'ok  ' : 'FAIL'}  ${String(row.key).padEnd(width)}  ${value.padStart(6)}   ${row.what}`);
  }
  lines.push('');
  lines.push(`outcomes:        ${fmtCounts(r.outcomes)}`);
  lines.push(`reasons:         ${fmtCounts(r.outcome_reasons)}`);
  lines.push(`faults injected: ${fmtCounts(r.faults_injected)}`);
  lines.push(`faults taken:    ${fmtCounts(r.faults_taken)}`);
  lines.push(`clock:           ${r.clock_moves} moves within ${r.clock_offset_range_ms[0]} … ${r.clock_offset_range_ms[1]} ms`);
  lines.push(`kills:           ${fmtCounts(r.kills_by_mode)}`);
  lines.push(`order attempts:  ${r.order_attempts.total} (${fmtCounts(r.order_attempts.by_outcome)}); found by lookup ${r.order_attempts.placed_found_by_lookup}; plans with several ${r.order_attempts.plans_with_several}, at most ${r.order_attempts.max_per_plan}`);
  lines.push(`settle waits:    ${r.settle_waits}; plans with an unclear order step ${r.plans_with_unclear_order_step}; late executions ${r.late_executions}; permit margin at acceptance (ms) ${r.permit_margin_ms ? `min ${r.permit_margin_ms.min}, p1 ${r.permit_margin_ms.p1}, p10 ${r.permit_margin_ms.p10}, p50 ${r.permit_margin_ms.p50}` : '—'}`);
  lines.push(`refills:         ${r.refills}`);
  if (r.failures.length > 0) {
    lines.push('');
    lines.push('failures:');
    for (const f of r.failures) lines.push(`  - ${f}`);
    lines.push('details (JSON):');
    const { kills: _kills, ...details } = r.details;
    lines.push(JSON.stringify(details, null, 2));
  }
  if (r.kept) lines.push(`kept: data ${r.kept.data_dir}, schema ${r.kept.schema}`);
  return lines.join('\n');
}

const CONCURRENCY_ROWS: Array<{ key: keyof ConcurrencyReport; what: string; ok: (r: ConcurrencyReport) => boolean }> = [
  { key: 'symbols_over_closed', what: 'symbols where a plan closed more than after the plans before it (exchange record)', ok: (r) => r.symbols_over_closed === 0 },
  { key: 'double_counted_fills', what: 'fills counted in a sync target and again as a delta', ok: (r) => r.double_counted_fills === 0 },
  { key: 'lost_fills', what: 'fills booked, then overwritten by a sync that did not read them', ok: (r) => r.lost_fills === 0 },
  { key: 'symbols_ledger_mismatch_at_end', what: 'symbols whose ledger ≠ exchange position at the end', ok: (r) => r.symbols_ledger_mismatch_at_end === 0 },
  { key: 'drift_missed', what: 'injected drifts the sweep did not find', ok: (r) => r.drift_missed === 0 && r.drift_injected > 0 },
  { key: 'false_drift', what: 'drift findings with no injected drift behind them', ok: (r) => r.false_drift === 0 },
  { key: 'max_orders_per_plan', what: 'executed orders of one plan, at most', ok: (r) => r.max_orders_per_plan <= 1 },
  { key: 'orders_after_permit_expiry', what: 'orders accepted at/after their earliest permit expiry', ok: (r) => r.orders_after_permit_expiry === 0 },
  { key: 'plans_unsettled', what: 'plans still open + attempts still pending', ok: (r) => r.plans_unsettled === 0 },
  { key: 'double_booked_fills', what: 'orders booked beyond their execution', ok: (r) => r.double_booked_fills === 0 },
];

export function formatConcurrencyReport(r: ConcurrencyReport): string {
  const lines: string[] = [];
  lines.push(`permit-chain concurrency campaign — ${r.passed ? 'PASSED' : 'FAILED'} (seed ${r.seed}, ${r.mode})`);
  lines.push('');
  lines.push(`plans ${r.plans} on ${r.symbols} symbols in ${r.bursts} bursts (up to ${r.max_plans_of_a_symbol_at_once} of a symbol at once) · orders ${r.orders} · ${r.duration_s} s`);
  lines.push(`drift injected ${r.drift_injected}, detected ${r.drift_detected} · over-closed ${r.over_closed_qty} · kills ${r.worker_kills}/${r.worker_kills_asked}`);
  lines.push('');
  const width = Math.max(...CONCURRENCY_ROWS.map((row) => String(row.key).length));
  for (const row of CONCURRENCY_ROWS) lines.push(`  ${row.ok(r) ? 'ok  ' : 'FAIL'}  ${String(row.key).padEnd(width)}  ${String(r[row.key]).padStart(6)}   ${row.what}`);
  lines.push('');
  lines.push(`outcomes:        ${fmtCounts(r.outcomes)}`);
  lines.push(`turns:           ${r.plans_waited_for_turn} plans waited, longest ${r.max_turn_wait_ms} ms`);
  lines.push(`reconciles:      ${r.reconciles.during_bursts} during bursts (${r.reconciles.aimed} aimed at an unbooked fill), ${r.reconciles.for_drift} for drifts, ${r.reconciles.failed} failed, ${r.reconciles.syncs_recorded} syncs recorded`);
  lines.push(`partial fills:   ${r.partial_fills.injected} injected, ${r.partial_fills.taken} taken`);
  lines.push(`sweeps:          ${r.sweeps.total} (${r.sweeps.failed} failed), ${r.sweeps.busy_symbols} symbol checks skipped as busy; findings ${r.drift_findings}`);
  if (r.failures.length > 0) {
    lines.push('');
    lines.push('failures:');
    for (const f of r.failures) lines.push(`  - ${f}`);
    lines.push('details (JSON):');
    lines.push(JSON.stringify(r.details, null, 2));
  }
  if (r.kept) lines.push(`kept: data ${r.kept.data_dir}, schema ${r.kept.schema}`);
  return lines.join('\n');
}
