// Operator commands that change durable state (ledger, trading state) run as short workflows: each one
// is durable, retried, recorded with who/why in the store and visible in the Web UI.
import type { ActivityOptions } from '@temporalio/common';
import { ApplicationFailure, metricMeter, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { DriftReport, DriftReportRequest, DriftSweepResult, LedgerJournal, LedgerJournalRequest, LedgerSyncResult, PlanActivities, PlanRecord, TradingScopeState, TradingStateRequest, TradingStateResult } from '../activities/contract.js';
import type { ReconcileWorkflowInput } from './contract.js';
import { WORKFLOW_METRICS } from './metric-names.js';

const operatorOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
};
const { syncLedger, setTradingState, sweepDrift, driftReport, ledgerJournal, planRecord, tradingStates } = proxyActivities<PlanActivities>(operatorOptions);

/** `permitctl reconcile SYMBOL` with no plan waiting: the ledger sync still runs and is recorded. */
export async function reconcileSymbolWorkflow(input: ReconcileWorkflowInput): Promise<LedgerSyncResult> {
  const result = await syncLedger.executeWithOptions(
    { ...operatorOptions, summary: `Ledger sync for ${input.symbol} by ${input.who}: ${input.why}` },
    [{ symbol: input.symbol, who: input.who, why: input.why, planId: null, command: 'permitctl reconcile', idempotencyKey: workflowInfo().workflowId }],
  );
  const resumed = result.resumed ? `; the drift pause of ${input.symbol} is lifted` : '';
  setCurrentDetails(`Ledger ${input.symbol}: ${result.before} → ${result.after} (exchange ${result.exchange_amt}, read ${result.exchange_read_at}) by ${input.who}: ${input.why}${resumed}`);
  return result;
}

/** `permitctl pause --all` / `resume --all` (or per symbol): the durable trading state. */
export async function tradingStateWorkflow(input: TradingStateRequest): Promise<TradingStateResult> {
  const result = await setTradingState.executeWithOptions(
    { ...operatorOptions, summary: `Trading ${input.state} (${input.scope}) by ${input.who}: ${input.why}` },
    [input],
  );
  setCurrentDetails(`Trading ${input.state} (${input.scope}) by ${input.who}: ${input.why}`);
  return result;
}

/**
 * One drift sweep (started by the Schedule DRIFT_SCHEDULE_ID): exchange vs ledger for every symbol with a
 * non-zero position on either side and nothing in flight. Fails, after recording the sweep, when the exchange
 * could not be read at all, so that the Web UI and the Schedule's recent actions show it.
 */
export async function driftSweepWorkflow(): Promise<DriftSweepResult> {
  const result = await sweepDrift.executeWithOptions(
    { ...operatorOptions, summary: 'Drift sweep: exchange vs ledger for every symbol with nothing in flight' },
    [{ sweepId: workflowInfo().workflowId }],
  );
  for (const d of result.drifted.filter((x) => x.new)) {
    metricMeter.createCounter(WORKFLOW_METRICS.driftDetected, 'findings', 'New drift findings (exchange ≠ ledger with nothing in flight)').add(1, { symbol: d.symbol });
  }
  for (const u of result.unreadable) {
    metricMeter.createCounter(WORKFLOW_METRICS.driftUnreadable, 'symbols', 'Symbols a drift sweep could not read').add(1, { symbol: u.symbol });
  }
  const outcome = result.error !== null ? 'failed' : result.unreadable.length > 0 ? 'partial' : 'ok';
  metricMeter.createCounter(WORKFLOW_METRICS.driftSweeps, 'sweeps', 'Drift sweeps by result').add(1, { result: outcome });
  setCurrentDetails(sweepMarkdown(result));
  if (result.error !== null) throw ApplicationFailure.nonRetryable(result.error, 'DriftSweepUnreadable', result);
  return result;
}

function sweepMarkdown(r: DriftSweepResult): string {
  if (r.error !== null) return `**Drift sweep failed**: ${r.error}`;
  const head = `**Drift sweep**: ${r.checked} symbol(s) compared, ${r.drifted.length} drifted, ${r.busy.length} busy, ${r.unreadable.length} unreadable`;
  const rows = [
    ...r.drifted.map((d) => `| ${d.symbol} | drift${d.new ? ' (new)' : ''}${d.paused ? ', paused' : ''} | exchange ${d.exchange_amt} vs ledger ${d.ledger_amt} (diff ${d.diff} > ${d.tolerance}), finding ${d.finding_id} |`),
    ...r.busy.map((b) => `| ${b.symbol} | busy | ${b.why} |`),
    ...r.unreadable.map((u) => `| ${u.symbol} | unreadable | ${u.error.replace(/\|/g, '/')} |`),
    ...(r.orphans ?? []).map((o) => `| ${o.symbol} | ${o.settled ? 'orphan booked' : 'orphan open'} | order ${o.client_order_id} of closed plan ${o.plan_id}: ${o.settled ? `${o.status}, ${o.executed} executed, booked as final` : (o.why ?? '').replace(/\|/g, '/')} |`),
  ];
  return rows.length === 0 ? head : [head, '', '| Symbol | Result | Detail |', '|---|---|---|', ...rows].join('\n');
}

/** `permitctl drift`: the findings and sweeps the store kept, read by a worker (the one that holds the store). */
export async function driftReportWorkflow(request: DriftReportRequest): Promise<DriftReport> {
  return driftReport.executeWithOptions({ ...operatorOptions, summary: 'Drift report: findings and sweeps from the store' }, [request]);
}

/** `permitctl ledger SYMBOL`: the symbol's journal, read by a worker (the one that holds the store). */
export async function ledgerJournalWorkflow(request: LedgerJournalRequest): Promise<LedgerJournal> {
  return ledgerJournal.executeWithOptions({ ...operatorOptions, summary: `Ledger journal of ${request.symbol} (read the store)` }, [request]);
}

/** `permitctl audit PLAN_ID`: everything the store holds of the plan, read by a worker. */
export async function planRecordWorkflow(request: { planId: string }): Promise<PlanRecord> {
  return planRecord.executeWithOptions({ ...operatorOptions, summary: `Record of plan ${request.planId} (read the store)` }, [request]);
}

/** `permitctl state`: every scope's trading state, read by a worker. */
export async function tradingStatesWorkflow(): Promise<TradingScopeState[]> {
  return tradingStates.executeWithOptions({ ...operatorOptions, summary: 'Trading states (read the store)' }, []);
}
