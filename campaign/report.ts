// The campaign's human-readable report (without --json): safety figures first, each with its verdict.
import type { CampaignReport } from './campaign.js';

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
