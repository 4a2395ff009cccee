// The drift sweep's I/O (docs/concurrency.md): the ledger's side before and after one read of every
// exchange position, a comparison for each symbol that was quiet meanwhile, the findings recorded and, with
// DRIFT_ACTION=pause, the symbol paused until an operator reconciles it.
import { compareDrift, DRIFT_SWEEP_OPERATOR, sweepCandidates, whyBusy, type DriftActionSetting, type LedgerSide } from '../domain/drift.js';
import { FINAL_ORDER_STATUSES } from '../domain/order-protocol.js';
import { workflowIdForPlan } from '../domain/plan-ids.js';
import type { OrderReport, Position, Venue } from '../exchange/venue.js';
import type { DriftFinding, Store } from '../store/index.js';
import type { DriftReport, DriftReportRequest, DriftSweepRequest, DriftSweepResult, WorkflowRuns } from './contract.js';

export interface DriftDeps {
  venue: Venue;
  store: Store;
  venueName: string;
  now: () => number;
  toleranceFor: (symbol: string) => string;
  action: DriftActionSetting;
  /** Without it, orders in flight of closed plans are not settled by the sweep (their symbols stay busy). */
  workflowRuns?: WorkflowRuns | undefined;
}

/** Orphan look-ups one sweep makes at most (each is a Temporal call and an exchange call). */
const MAX_ORPHAN_LOOKUPS = 20;

type Orphan = NonNullable<DriftSweepResult['orphans']>[number];

/**
 * An order counted in flight whose plan has closed has nobody to book the rest of it: the sweep looks it up
 * and, once the exchange calls it final, books what it executed as final. Until then its symbol stays busy
 * for the sweep and fenced for reconciles, which is the safe side.
 */
async function settleOrphans(deps: DriftDeps): Promise<Orphan[]> {
  if (deps.workflowRuns === undefined) return [];
  const orphans: Orphan[] = [];
  const placed = (await deps.store.allInFlightOrders(deps.venueName)).filter((o) => o.outcome === 'placed');
  for (const o of placed.slice(0, MAX_ORPHAN_LOOKUPS)) {
    const plan = await deps.workflowRuns.status(workflowIdForPlan(o.planId)).catch(() => null);
    if (plan === null || !plan.closed) continue;
    const entry = { symbol: o.symbol, plan_id: o.planId, client_order_id: o.clientOrderId };
    let report: OrderReport | null;
    try {
      report = await deps.venue.findOrder(o.symbol, o.clientOrderId);
    } catch (err) {
      orphans.push({ ...entry, settled: false, status: null, executed: null, why: `plan ${plan.status}; the look-up failed: ${errorText(err)}` });
      continue;
    }
    if (report === null || !FINAL_ORDER_STATUSES.includes(report.status)) {
      const why = report === null ? "the exchange does not know the order: check the exchange's order history; the symbol's reconciles stay fenced until it is booked as final" : `the order is still ${report.status}`;
      orphans.push({ ...entry, settled: false, status: report?.status ?? null, executed: report?.filledQty ?? null, why: `plan ${plan.status}; ${why}` });
      continue;
    }
    await deps.store.bookFill({
      venue: deps.venueName, symbol: o.symbol, planId: o.planId, clientOrderId: o.clientOrderId, exchangeOrderId: report.exchangeOrderId,
      side: report.side, qty: report.filledQty, price: report.avgPrice, filledAt: new Date(report.updatedAt).toISOString(), final: { status: report.status },
    });
    orphans.push({ ...entry, settled: true, status: report.status, executed: report.filledQty, why: null });
  }
  return orphans;
}

interface LedgerView {
  ledgers: Map<string, { position: string; version: number }>;
  inFlight: Map<string, string[]>;
}

async function ledgerView(deps: DriftDeps): Promise<LedgerView> {
  // Orders in flight first, then the ledger: a final booking that commits between the two reads shows in the
  // ledger's version. Read the other way round (or concurrently), the booking could be missing from both.
  const inFlight = await deps.store.allInFlightOrders(deps.venueName);
  const ledgers = await deps.store.ledgerSnapshots(deps.venueName);
  const bySymbol = new Map<string, string[]>();
  for (const o of inFlight) bySymbol.set(o.symbol, [...(bySymbol.get(o.symbol) ?? []), o.clientOrderId]);
  return { ledgers: new Map(ledgers.map((l) => [l.symbol, { position: l.position, version: l.version }])), inFlight: bySymbol };
}

function sideOf(view: LedgerView, symbol: string): LedgerSide {
  return { version: view.ledgers.get(symbol)?.version ?? 0, inFlight: view.inFlight.get(symbol) ?? [] };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface ExchangeView {
  markets: Set<string>;
  positions: Position[];
  readAt: string;
}

async function readExchange(deps: DriftDeps): Promise<ExchangeView> {
  const markets = new Set((await deps.venue.markets()).map((m) => m.symbol));
  const { offsetMs } = await deps.venue.clock();
  const readAt = new Date(deps.now() + offsetMs).toISOString();
  return { markets, positions: await deps.venue.positions(), readAt };
}

/**
 * Pauses the symbol for the drift unless the symbol itself is paused already (by a person or an earlier sweep:
 * their pause is theirs, and a reconcile lifts only a pause the sweep set). True: the symbol is paused now.
 */
async function pauseFor(deps: DriftDeps, finding: DriftFinding): Promise<boolean> {
  await deps.store.pauseIfRunning({
    scope: finding.symbol,
    who: DRIFT_SWEEP_OPERATOR,
    why: `drift finding ${finding.findingId}: exchange ${finding.exchangeAmt} vs ledger ${finding.ledgerAmt} (diff ${finding.diff} > tolerance ${finding.tolerance}); \`permitctl reconcile ${finding.symbol}\` resumes it`,
  });
  return true;
}

/** See PlanActivities.sweepDrift. Idempotent per sweep id for the summary; a re-run compares again. */
export async function sweepDrift(deps: DriftDeps, { sweepId }: DriftSweepRequest): Promise<DriftSweepResult> {
  const startedAt = new Date(deps.now()).toISOString();
  const result: DriftSweepResult = { sweep_id: sweepId, checked: 0, drifted: [], busy: [], unreadable: [], error: null, agreeing_again: [] };
  const orphans = await settleOrphans(deps);
  if (orphans.length > 0) result.orphans = orphans;
  const before = await ledgerView(deps);
  let exchange: ExchangeView;
  try {
    exchange = await readExchange(deps);
  } catch (err) {
    result.error = `the exchange could not be read (${errorText(err)}): nothing was compared; a failed read is never taken as a flat position`;
    await record(deps, result, startedAt);
    return result;
  }
  const after = await ledgerView(deps);
  const ledgerRows = [...before.ledgers, ...after.ledgers].map(([symbol, l]) => ({ symbol, position: l.position }));
  for (const symbol of sweepCandidates(ledgerRows, exchange.positions)) {
    if (!exchange.markets.has(symbol)) {
      result.unreadable.push({ symbol, error: `the exchange lists no market ${symbol}: its position cannot be read` });
      continue;
    }
    const busy = whyBusy(sideOf(before, symbol), sideOf(after, symbol));
    if (busy !== null) {
      result.busy.push({ symbol, why: busy });
      continue;
    }
    result.checked += 1;
    await compareOne(deps, result, symbol, exchange, after.ledgers.get(symbol) ?? { position: '0', version: 0 });
  }
  await record(deps, result, startedAt);
  return result;
}

async function compareOne(deps: DriftDeps, result: DriftSweepResult, symbol: string, exchange: ExchangeView, ledger: { position: string; version: number }): Promise<void> {
  const held = exchange.positions.find((p) => p.symbol === symbol);
  const exchangeAmt = held?.amount ?? '0';
  const tolerance = deps.toleranceFor(symbol);
  const verdict = compareDrift(exchangeAmt, ledger.position, tolerance);
  if (!verdict.drifted) {
    const resolved = await deps.store.resolveDrift(deps.venueName, symbol, `exchange ${exchangeAmt} and ledger ${ledger.position} agree again (sweep ${result.sweep_id})`);
    if (resolved > 0) result.agreeing_again.push(symbol);
    return;
  }
  const { finding, isNew } = await deps.store.recordDrift({
    venue: deps.venueName,
    symbol,
    exchangeAmt,
    ledgerAmt: ledger.position,
    diff: verdict.diff,
    tolerance,
    exchangeReadAt: exchange.readAt,
    exchangeUpdatedAt: held?.updatedAt ? new Date(held.updatedAt).toISOString() : null,
    ledgerVersion: ledger.version,
    sweepId: result.sweep_id,
    action: deps.action === 'pause' ? 'paused' : 'recorded',
  });
  const paused = deps.action === 'pause' ? await pauseFor(deps, finding) : false;
  result.drifted.push({ symbol, exchange_amt: exchangeAmt, ledger_amt: ledger.position, diff: verdict.diff, tolerance, finding_id: finding.findingId, new: isNew, paused });
}

async function record(deps: DriftDeps, result: DriftSweepResult, startedAt: string): Promise<void> {
  await deps.store.recordDriftSweep({
    sweepId: result.sweep_id,
    venue: deps.venueName,
    startedAt,
    finishedAt: new Date(deps.now()).toISOString(),
    checked: result.checked,
    drifted: result.drifted.length,
    busy: result.busy,
    unreadable: result.unreadable,
    error: result.error,
  });
}

/** See PlanActivities.driftReport. */
export async function driftReport(deps: Pick<DriftDeps, 'store' | 'venueName'>, req: DriftReportRequest): Promise<DriftReport> {
  const [findings, sweeps] = await Promise.all([
    deps.store.driftFindings({ venue: deps.venueName, ...(req.symbol ? { symbol: req.symbol } : {}), openOnly: req.openOnly ?? false, limit: req.limit ?? 50 }),
    deps.store.driftSweeps(5),
  ]);
  return {
    findings: findings.map((f) => ({
      finding_id: f.findingId, symbol: f.symbol, exchange_amt: f.exchangeAmt, ledger_amt: f.ledgerAmt, diff: f.diff, tolerance: f.tolerance, action: f.action,
      detected_at: f.detectedAt, last_seen_at: f.lastSeenAt, seen_count: f.seenCount, exchange_read_at: f.exchangeReadAt, exchange_updated_at: f.exchangeUpdatedAt,
      resolved_at: f.resolvedAt, resolution: f.resolution,
    })),
    sweeps: sweeps.filter((s) => s.venue === deps.venueName).map((s) => ({ sweep_id: s.sweepId, started_at: s.startedAt, checked: s.checked, drifted: s.drifted, busy: s.busy.length, unreadable: s.unreadable, error: s.error })),
  };
}
