// Operator commands that change durable state (ledger, trading state) run as short workflows: each one
// is durable, retried, recorded with who/why in the store and visible in the Web UI.
import type { ActivityOptions } from '@temporalio/common';
import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { LedgerSyncResult, PlanActivities, TradingStateRequest, TradingStateResult } from '../activities/types.js';
import type { ReconcileWorkflowInput } from './definitions.js';

const operatorOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
};
const { syncLedger, setTradingState } = proxyActivities<PlanActivities>(operatorOptions);

/** `permitctl reconcile SYMBOL` with no plan waiting: the ledger sync still runs and is recorded. */
export async function reconcileSymbolWorkflow(input: ReconcileWorkflowInput): Promise<LedgerSyncResult> {
  const result = await syncLedger.executeWithOptions(
    { ...operatorOptions, summary: `Ledger sync for ${input.symbol} by ${input.who}: ${input.why}` },
    [{ symbol: input.symbol, who: input.who, why: input.why, planId: null, command: 'permitctl reconcile', idempotencyKey: workflowInfo().workflowId }],
  );
  setCurrentDetails(`Ledger ${input.symbol}: ${result.before} → ${result.after} (exchange ${result.exchange_amt}) by ${input.who}: ${input.why}`);
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
