// Human-readable renderings of a plan's chain (the seed's "Permit Chain Timing" table).
import type { TimelineRow } from '../client/trace.js';
import type { ChainEvent, ChainState } from '../domain/chain.js';
import { governorResult } from '../domain/describe.js';
import type { GovernorPermit } from '../domain/permits.js';

export type { TimelineRow };

const LAYER_BY_KIND: Record<string, string> = {
  plan_accepted: 'Plan',
  turn_waiting: 'Turn',
  turn_granted: 'Turn',
  turn_passed: 'Turn',
  turn_freed: 'Turn',
  governor_permit: 'Governor',
  p33_permit: 'P3.3',
  signal_pause: 'Operator',
  signal_resume: 'Operator',
  signal_reconcile: 'Operator',
  operator_pause: 'Operator',
  operator_resume: 'Operator',
  operator_reconcile: 'Operator',
  operator_cancel: 'Operator',
  operator_halt: 'Operator',
  reconcile_not_applied: 'Operator',
  resume_not_applied: 'Operator',
  halt_not_applied: 'Operator',
  ledger_sync: 'Ledger',
  permits_expired: 'TTL',
  order_held: 'Apply',
  order_unclear: 'Exchange',
  order_lookup: 'Exchange',
  order_placed: 'Exchange',
  order_update: 'Exchange',
  fill_booked: 'Ledger',
  outcome: 'Outcome',
};

function resultOf(e: ChainEvent): string {
  if (e.kind === 'governor_permit') return governorResult({ granted: e.granted === true, reason: (e.reason ?? null) as GovernorPermit['reason'] });
  if (e.kind === 'p33_permit') return e.allow ? 'ALLOWED' : 'DENIED';
  if (e.kind === 'outcome') return String(e.outcome);
  if (e.kind === 'order_placed') return 'PLACED';
  if (e.kind === 'fill_booked') return 'BOOKED';
  if (e.kind === 'ledger_sync') return 'SYNCED';
  if (e.kind === 'permits_expired') return 'EXPIRED';
  if (e.kind === 'turn_waiting') return 'WAITING';
  if (e.kind === 'turn_granted') return 'GRANTED';
  if (e.kind.startsWith('signal_')) return 'SIGNAL';
  if (e.kind.startsWith('operator_')) return 'COMMAND';
  if (e.kind.endsWith('_not_applied')) return 'NOT APPLIED';
  return '';
}

function clockOf(iso: string): string {
  return iso.length >= 23 ? iso.slice(11, 23) : iso;
}


export function timelineRows(state: ChainState): TimelineRow[] {
  return state.events.map((e) => ({
    time: clockOf(e.at),
    layer: LAYER_BY_KIND[e.kind] ?? e.kind,
    action: e.summary,
    result: resultOf(e),
    ttl: typeof e.ttl_seconds === 'number' ? `${e.ttl_seconds}s` : '-',
  }));
}

export function renderTimeline(rows: TimelineRow[]): string {
  const headers: TimelineRow = { time: 'Time (UTC)', layer: 'Layer', action: 'Action', result: 'Result', ttl: 'TTL' };
  const keys = Object.keys(headers) as (keyof TimelineRow)[];
  const widths = keys.map((k) => Math.max(headers[k].length, ...rows.map((r) => r[k].length)));
  const line = (r: TimelineRow) => `| ${keys.map((k, i) => r[k].padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export function renderChain(state: ChainState, uiUrl: string | null): string {
  const head = `Plan ${state.plan_id} · ${state.action} ${state.symbol} · ${state.state}${state.reason ? ` (${state.reason})` : ''} · stage ${state.stage}`;
  const lines = [head];
  if (state.turn?.state === 'waiting') {
    lines.push(`Waiting for its turn on ${state.symbol} since ${state.turn.since}: plan ${state.turn.waiting_for} holds it (${state.turn.ahead} ahead); plans of a symbol size and trade one after another`);
  }
  if (state.awaiting) lines.push(`Awaiting a ${state.awaiting.for} until ${state.awaiting.until}: run ${state.awaiting.command}; without one the plan ends DENIED`);
  lines.push('', renderTimeline(timelineRows(state)));
  if (state.order) {
    const o = state.order;
    lines.push('', `Order ${o.client_order_id} (exchange id ${o.exchange_order_id}): ${o.side} ${o.filled_qty}/${o.qty} @ ${o.avg_price}, ${o.status}`);
  }
  if (state.chain_latency_ms !== null) lines.push(`Chain latency: ${state.chain_latency_ms} ms (plan accepted → order acknowledged or final decision)`);
  if (uiUrl) lines.push(`Web UI: ${uiUrl}`);
  return lines.join('\n');
}

export function workflowUiUrl(uiBase: string | null, namespace: string, workflowId: string): string | null {
  if (!uiBase) return null;
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** A plain text table: the first row is the header. */
export function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(rows[0]!), ...rows.slice(1).map(line)].join('\n');
}
