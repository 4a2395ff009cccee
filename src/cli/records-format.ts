// `permitctl ledger` and `permitctl audit` as text: the store's permanent record, table by table.
import type { TradingScopeState } from '../client/operator.js';
import type { LedgerJournal, PlanRecord } from '../client/records.js';
import type { ChainEvent } from '../domain/chain.js';
import { renderTable } from './format.js';

function clock(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 23) : '-';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

export function renderJournal(j: LedgerJournal): string {
  const head = `Ledger ${j.symbol} on ${j.venue}: position ${j.position} (${j.entries.length} journal row(s), newest first)`;
  if (j.entries.length === 0) return `${head}\nnothing booked or adjusted yet`;
  const rows = j.entries.map((e) => {
    const answered = e.adjustment?.answers ? `; answers P3.3 ${e.adjustment.answers.permit_id} (exchange ${e.adjustment.answers.exchange_amt} vs ledger ${e.adjustment.answers.ledger_amt})` : '';
    const read = e.adjustment?.exchangeReadAt ? `; exchange read ${clock(e.adjustment.exchangeReadAt)}` : '';
    return [clock(e.at), e.kind === 'fill' ? 'FILL' : 'ADJUSTMENT', `${e.before} → ${e.after}`, e.delta, e.planId ?? '-', e.who, oneLine(`${e.why}${answered}${read}`)];
  });
  return [head, '', renderTable([['TIME (UTC)', 'KIND', 'POSITION', 'DELTA', 'PLAN', 'WHO', 'WHY'], ...rows])].join('\n');
}

function permitDecision(p: PlanRecord['permits'][number]): string {
  const verdict = p.layer === 'governor' ? (p.granted ? 'granted' : 'denied') : p.granted ? 'allowed' : 'denied';
  return p.reason ? `${verdict} ${p.reason}` : verdict;
}

function permitInputs(p: PlanRecord['permits'][number]): string {
  const c = p.context;
  if (p.layer === 'governor') {
    const qty = p.computedQty === null ? '' : `qty ${p.computedQty}, notional ${p.computedNotional}; `;
    return `${qty}exchange ${String(c['exchange_amt'] ?? '-')} @ mark ${String(c['mark_price'] ?? '-')}, side ${String(c['side'] ?? '-')}`;
  }
  const flight = c['in_flight_orders'] ? `, in flight ${String(c['in_flight'])} (${String(c['in_flight_orders'])} order(s))` : '';
  return `exchange ${String(c['exchange_amt'])} vs ledger ${String(c['ledger_amt'])}, diff ${String(c['diff'])}, tolerance ${String(c['tolerance'])}${flight}`;
}

function permitUse(p: PlanRecord['permits'][number]): string {
  if (p.revokedAt) return `revoked ${clock(p.revokedAt)}`;
  if (p.consumedAt) return `consumed ${clock(p.consumedAt)}`;
  return '-';
}

/**
 * Operator acts only the workflow recorded (reconcile requests, refusals, a cancel, global and symbol pauses it
 * was told of), from its chain state while Temporal still has it. The plan's own pauses are in the store.
 */
function operatorEvents(planId: string, events: ChainEvent[]): ChainEvent[] {
  const ownScopes = new Set(['plan', `plan:${planId}`]);
  return events.filter((e) =>
    (e.kind.startsWith('signal_') && !ownScopes.has(String(e.scope))) || e.kind === 'reconcile_not_applied' || (e.kind === 'outcome' && e.outcome === 'CANCELLED'),
  );
}

export function renderPlanRecord(r: PlanRecord, events: ChainEvent[] | null): string {
  const lines = [`Record of plan ${r.planId}`];
  lines.push(r.claim ? `Owned by workflow ${r.claim.workflowId} (run ${r.claim.runId}) since ${clock(r.claim.claimedAt)}, symbol ${r.claim.symbol}` : 'No run has asked for a permit for this plan id.');
  lines.push('', `Permit decisions (${r.permits.length})`);
  if (r.permits.length > 0) {
    lines.push(renderTable([
      ['DECIDED (UTC)', 'LAYER', 'PERMIT', 'DECISION', 'INPUTS', 'EXPIRES (UTC)', 'USE'],
      ...r.permits.map((p) => [clock(p.createdAt), p.layer === 'governor' ? 'Governor' : 'P3.3', p.permitId, permitDecision(p), permitInputs(p), clock(p.expiresAt), permitUse(p)]),
    ]));
  }
  lines.push('', `Order attempts (${r.attempts.length})`);
  if (r.attempts.length > 0) {
    lines.push(renderTable([
      ['#', 'CLIENT ORDER ID', 'SENT (UTC)', 'ORDER', 'RECV WINDOW', 'OUTCOME', 'EXCHANGE ID', 'DETAIL'],
      ...r.attempts.map((a) => [String(a.attemptNo), a.clientOrderId, clock(a.createdAt), `${a.side} ${a.qty}`, `${a.recvWindowMs} ms`, a.outcome, a.exchangeOrderId ?? '-', oneLine(a.detail ?? '-')]),
    ]));
  }
  lines.push('', `Fills booked (${r.fills.length})`);
  if (r.fills.length > 0) {
    lines.push(renderTable([
      ['BOOKED (UTC)', 'ORDER', 'THIS BOOKING', 'CUMULATIVE', 'PRICE', 'LEDGER'],
      ...r.fills.map((f) => [clock(f.bookedAt), f.clientOrderId, `${f.side} ${f.qty}`, f.cumQty, f.price, `${f.positionBefore} → ${f.positionAfter}`]),
    ]));
  }
  const acts = [
    ...r.adjustments.map((a) => [clock(a.at), 'reconcile', a.who, oneLine(a.why), `ledger ${a.before} → ${a.after}${a.answers ? `, answering ${a.answers.permit_id}` : ''}`]),
    ...r.tradingChanges.map((c) => [clock(c.at), c.state === 'paused' ? 'pause' : 'resume', c.who, oneLine(c.why), `${c.previousState} → ${c.state}`]),
    ...(events === null ? [] : operatorEvents(r.planId, events).map((e) => [clock(e.at), e.kind.replace(/^signal_/, ''), String(e.who ?? '-'), oneLine(String(e.why ?? '')), oneLine(e.summary)])),
  ].sort((x, y) => (x[0]! < y[0]! ? -1 : x[0]! > y[0]! ? 1 : 0));
  lines.push('', `Operator acts (${acts.length})${events === null ? ' (the store only: the plan\'s workflow history is gone)' : ''}`);
  if (acts.length > 0) lines.push(renderTable([['AT (UTC)', 'ACT', 'WHO', 'WHY', 'EFFECT'], ...acts]));
  return lines.join('\n');
}

const STATE_WORDS = { running: 'ACTIVE', paused: 'PAUSED', halted: 'HALTED' } as const;

/** `permitctl state`: all trading first, then symbols, then plans; a scope never set is ACTIVE. */
export function renderTradingStates(states: TradingScopeState[]): string {
  const global = states.find((s) => s.scope === 'global');
  const rank = (scope: string) => (scope === 'global' ? 0 : scope.startsWith('plan:') ? 2 : 1);
  const rows = [...states].sort((a, b) => rank(a.scope) - rank(b.scope) || (a.scope < b.scope ? -1 : 1));
  const lines = [`All trading: ${STATE_WORDS[global?.state ?? 'running']}${global && global.state !== 'running' ? ` since ${clock(global.since)} by ${global.who}: ${global.why}` : ''}`];
  const held = rows.filter((s) => s.scope !== 'global');
  if (held.length === 0) return lines.join('\n');
  lines.push('', renderTable([['SCOPE', 'STATE', 'SINCE (UTC)', 'WHO', 'WHY'], ...held.map((s) => [s.scope, STATE_WORDS[s.state], clock(s.since), s.who ?? '-', oneLine(s.why ?? '-')])]));
  return lines.join('\n');
}
