// How `permitctl drift`, `drift-sweep` and `drift-schedule` print.
import type { DriftReport, DriftSweepResult } from '../client/drift.js';
import type { DriftScheduleState } from '../client/drift.js';
import { renderTable } from './format.js';

export function renderDriftReport(report: DriftReport): string {
  const lines: string[] = [];
  if (report.findings.length === 0) lines.push('no drift findings');
  else {
    lines.push(renderTable([
      ['FINDING', 'SYMBOL', 'EXCHANGE', 'LEDGER', 'DIFF', 'TOLERANCE', 'ACTION', 'DETECTED (UTC)', 'SEEN', 'STATE'],
      ...report.findings.map((f) => [
        f.finding_id, f.symbol, f.exchange_amt, f.ledger_amt, f.diff, f.tolerance, f.action, f.detected_at.slice(0, 23), `${f.seen_count}×`,
        f.resolved_at === null ? 'OPEN' : `resolved ${f.resolved_at.slice(0, 19)}: ${f.resolution}`,
      ]),
    ]));
  }
  const last = report.sweeps[0];
  lines.push('');
  if (last === undefined) lines.push('no drift sweep has run yet: `permitctl drift-schedule` creates its Schedule, `permitctl drift-sweep` runs one now');
  else if (last.error !== null) lines.push(`last sweep ${last.sweep_id} at ${last.started_at}: FAILED: ${last.error}`);
  else {
    const unreadable = last.unreadable.length > 0 ? `; unreadable: ${last.unreadable.map((u) => `${u.symbol} (${u.error})`).join(', ')}` : '';
    lines.push(`last sweep ${last.sweep_id} at ${last.started_at}: ${last.checked} compared, ${last.drifted} drifted, ${last.busy} busy${unreadable}`);
  }
  return lines.join('\n');
}

export function renderSweep(r: DriftSweepResult): string {
  const lines = [`sweep ${r.sweep_id}: ${r.checked} symbol(s) compared, ${r.drifted.length} drifted, ${r.busy.length} busy, ${r.unreadable.length} unreadable`];
  for (const d of r.drifted) {
    lines.push(`  DRIFT ${d.symbol}: exchange ${d.exchange_amt} vs ledger ${d.ledger_amt} (diff ${d.diff} > ${d.tolerance}), finding ${d.finding_id}${d.new ? ' (new)' : ''}${d.paused ? '; symbol paused until `permitctl reconcile ' + d.symbol + '`' : ''}`);
  }
  for (const b of r.busy) lines.push(`  busy ${b.symbol}: ${b.why}`);
  for (const u of r.unreadable) lines.push(`  unreadable ${u.symbol}: ${u.error}`);
  for (const s of r.agreeing_again) lines.push(`  ${s}: exchange and ledger agree again (finding resolved)`);
  for (const o of r.orphans ?? []) {
    lines.push(o.settled
      ? `  orphan ${o.symbol}: order ${o.client_order_id} of closed plan ${o.plan_id} is ${o.status} with ${o.executed} executed: booked as final`
      : `  orphan ${o.symbol}: order ${o.client_order_id} of closed plan ${o.plan_id} still counted in flight: ${o.why}`);
  }
  return lines.join('\n');
}

export function renderSchedule(s: DriftScheduleState): string {
  const recent = s.recent.length === 0 ? 'none yet' : s.recent.slice(-3).map((r) => `${r.scheduledAt} (${r.workflowId})`).join(', ');
  return [
    `drift sweep Schedule ${s.scheduleId}: every ${s.everySeconds} s on task queue ${s.taskQueue}${s.paused ? ' (PAUSED)' : ''}`,
    `next: ${s.nextRuns[0] ?? '-'}`,
    `recent sweeps: ${recent}`,
  ].join('\n');
}
