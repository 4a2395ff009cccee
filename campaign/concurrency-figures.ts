// The concurrency campaign's safety figures (issue 13), judged from the exchange's own record of every
// position change, its orders, and the store's fills, ledger syncs and drift findings: never from the
// workflows' view of themselves. Pure: concurrency.ts gathers the records, this judges them.
import { Decimal } from 'decimal.js';
import type { PaperOrder, PositionChange } from '../src/exchange/paper/index.js';
import { ACTION_FRACTION } from '../src/domain/permits.js';
import type { PlanAction } from '../src/domain/plan.js';
import { planIdOfClientOrderId } from './figures.js';

export interface CampaignPlan {
  planId: string;
  symbol: string;
  action: PlanAction;
}

export interface BookedIncrement {
  planId: string;
  clientOrderId: string;
  symbol: string;
  /** The order's cumulative executed quantity this booking brought it to. */
  cumQty: string;
  bookedAtMs: number;
}

/** A ledger sync that read the exchange (a reconcile), with what it recorded of its reading. */
export interface SyncRecord {
  adjustmentId: string;
  symbol: string;
  /** When its row was written (store clock). */
  atMs: number;
  exchangeReadAtMs: number | null;
  exchangeUpdatedAtMs: number | null;
}

/** A manual change of a position the campaign made on the exchange (a drift), and when it reconciled it. */
export interface DriftInjection {
  symbol: string;
  atMs: number;
  /** When the campaign's reconcile of it finished (null: it never did). */
  reconciledAtMs: number | null;
  before: string;
  after: string;
}

export interface FindingRecord {
  findingId: string;
  symbol: string;
  detectedAtMs: number;
}

export interface ConcurrencyRecords {
  symbols: readonly string[];
  plans: readonly CampaignPlan[];
  stepSize: string;
  changes: readonly PositionChange[];
  orders: readonly PaperOrder[];
  fills: readonly BookedIncrement[];
  syncs: readonly SyncRecord[];
  injections: readonly DriftInjection[];
  findings: readonly FindingRecord[];
  exchangePositions: Readonly<Record<string, string>>;
  ledgerPositions: Readonly<Record<string, string>>;
}

export interface ConcurrencyFigures {
  /** Symbols where some plan's order executed more than the plan would close after the plans before it. */
  symbols_over_closed: number;
  /** Total executed beyond that, over every symbol. */
  over_closed_qty: string;
  /** Fills counted twice: in a ledger sync's target and again as a booked delta after it. */
  double_counted_fills: number;
  /** Fills counted never: booked before a ledger sync whose reading of the exchange did not include them. */
  lost_fills: number;
  /** Symbols whose ledger differs from the exchange at the end. */
  symbols_ledger_mismatch_at_end: number;
  drift_injected: number;
  drift_detected: number;
  /** Injected drifts the sweep did not find before they were reconciled. */
  drift_missed: number;
  /** Findings with no injected drift behind them (the sweep compared while something was in flight). */
  false_drift: number;
}

export interface ConcurrencyDetails {
  over_closed: Array<{ symbol: string; planId: string; clientOrderId: string; positionBefore: string; action: PlanAction; allowed: string; executed: string }>;
  /** Orders that executed less than they were allowed (information: the safe side). */
  under_closed: number;
  double_counted: Array<{ adjustmentId: string; clientOrderId: string; cumQty: string }>;
  lost: Array<{ adjustmentId: string; clientOrderId: string; cumQty: string }>;
  ledger_mismatch: Array<{ symbol: string; exchange: string; ledger: string }>;
  missed: DriftInjection[];
  false_findings: FindingRecord[];
}

/** What a plan may close from a position: its share of |position|, truncated to the step. */
export function allowedClose(positionBefore: string, action: PlanAction, stepSize: string): Decimal {
  const raw = new Decimal(positionBefore).abs().times(ACTION_FRACTION[action]);
  return raw.div(stepSize).floor().times(stepSize);
}

export function computeConcurrencyFigures(r: ConcurrencyRecords): { figures: ConcurrencyFigures; details: ConcurrencyDetails } {
  const symbols = new Set(r.symbols);
  const plans = new Map(r.plans.map((p) => [p.planId, p]));
  const firstExecution = new Map<number, PositionChange>();
  const executionOf = new Map<string, PositionChange>();
  for (const c of r.changes) {
    if (c.kind !== 'order' || c.orderId === null) continue;
    if (!firstExecution.has(c.orderId)) firstExecution.set(c.orderId, c);
    executionOf.set(`${c.clientOrderId} ${new Decimal(c.cumQty!).toFixed()}`, c);
  }

  // Over-close: each order against what its plan may close from the position it met at the exchange. With the
  // plans of a symbol taking turns, that is the position its governor sized from (nothing else of the symbol
  // trades in between; the campaign moves positions by hand only between bursts).
  const overClosed: ConcurrencyDetails['over_closed'] = [];
  let overQty = new Decimal(0);
  let underClosed = 0;
  for (const o of r.orders.filter((x) => symbols.has(x.symbol))) {
    const plan = plans.get(planIdOfClientOrderId(o.clientOrderId)?.planId ?? '');
    const first = firstExecution.get(o.orderId);
    if (plan === undefined || first === undefined) continue;
    const allowed = allowedClose(first.before, plan.action, r.stepSize);
    const executed = new Decimal(o.executedQty);
    if (executed.gt(allowed)) {
      overClosed.push({ symbol: o.symbol, planId: plan.planId, clientOrderId: o.clientOrderId, positionBefore: first.before, action: plan.action, allowed: allowed.toFixed(), executed: executed.toFixed() });
      overQty = overQty.plus(executed.minus(allowed));
    } else if (executed.lt(allowed)) underClosed += 1;
  }

  // Every booked increment against every sync of its symbol: in the sync's reading (executed at or before the
  // position's update time there) and booked after the sync wrote → counted twice; not in it and booked before
  // the write → overwritten, counted never.
  const doubleCounted: ConcurrencyDetails['double_counted'] = [];
  const lost: ConcurrencyDetails['lost'] = [];
  for (const s of r.syncs) {
    const readingAt = s.exchangeUpdatedAtMs ?? s.exchangeReadAtMs;
    if (readingAt === null) continue;
    for (const f of r.fills.filter((x) => x.symbol === s.symbol)) {
      const executed = executionOf.get(`${f.clientOrderId} ${new Decimal(f.cumQty).toFixed()}`);
      if (executed === undefined) continue;
      const inReading = executed.at <= readingAt;
      if (inReading && f.bookedAtMs > s.atMs) doubleCounted.push({ adjustmentId: s.adjustmentId, clientOrderId: f.clientOrderId, cumQty: f.cumQty });
      if (!inReading && f.bookedAtMs < s.atMs) lost.push({ adjustmentId: s.adjustmentId, clientOrderId: f.clientOrderId, cumQty: f.cumQty });
    }
  }

  const ledgerMismatch = r.symbols
    .map((symbol) => ({ symbol, exchange: r.exchangePositions[symbol] ?? '0', ledger: r.ledgerPositions[symbol] ?? '0' }))
    .filter((p) => !new Decimal(p.exchange).eq(p.ledger));

  // A drift is detected when a finding of its symbol was made between the change and its reconcile; a
  // finding outside every such window of its symbol had no drift behind it.
  const windowEnd = (i: DriftInjection) => i.reconciledAtMs ?? Number.POSITIVE_INFINITY;
  const missed = r.injections.filter((i) => !r.findings.some((f) => f.symbol === i.symbol && f.detectedAtMs >= i.atMs && f.detectedAtMs <= windowEnd(i)));
  const falseFindings = r.findings.filter((f) => !r.injections.some((i) => i.symbol === f.symbol && f.detectedAtMs >= i.atMs && f.detectedAtMs <= windowEnd(i)));

  return {
    figures: {
      symbols_over_closed: new Set(overClosed.map((o) => o.symbol)).size,
      over_closed_qty: overQty.toFixed(),
      double_counted_fills: doubleCounted.length,
      lost_fills: lost.length,
      symbols_ledger_mismatch_at_end: ledgerMismatch.length,
      drift_injected: r.injections.length,
      drift_detected: r.injections.length - missed.length,
      drift_missed: missed.length,
      false_drift: falseFindings.length,
    },
    details: { over_closed: overClosed, under_closed: underClosed, double_counted: doubleCounted, lost, ledger_mismatch: ledgerMismatch, missed, false_findings: falseFindings },
  };
}

/** The figures that fail the concurrency campaign, with why; empty when it passes. */
export function concurrencyFailures(f: ConcurrencyFigures): string[] {
  const failures: string[] = [];
  for (const key of ['symbols_over_closed', 'double_counted_fills', 'lost_fills', 'symbols_ledger_mismatch_at_end', 'drift_missed', 'false_drift'] as const) {
    if (f[key] > 0) failures.push(`${key} = ${f[key]}`);
  }
  if (f.drift_injected === 0) failures.push('drift_injected = 0: the run injected no drift to detect');
  return failures;
}
