// The permanent record the store keeps, for operators: a symbol's ledger journal and everything of one
// plan. Read by a worker (the one that holds the store: PostgreSQL, or the embedded ledger `up` holds).
import type { Client } from '@temporalio/client';
import type { LedgerJournal, PlanRecord } from '../activities/contract.js';

export type { JournalEntry, LedgerJournal, PlanRecord } from '../activities/contract.js';
import { LEDGER_JOURNAL_WORKFLOW_TYPE, PLAN_RECORD_WORKFLOW_TYPE } from '../workflows/contract.js';
import { runWorkflowWithin } from './run-workflow.js';

export function ledgerJournal(client: Client, taskQueue: string, symbol: string, limit: number, timeoutMs = 30_000): Promise<LedgerJournal> {
  return runWorkflowWithin(client, {
    type: LEDGER_JOURNAL_WORKFLOW_TYPE,
    workflowId: `ledger-journal-${symbol}-${Date.now()}`,
    taskQueue,
    args: [{ symbol, limit }],
    summary: `Ledger journal of ${symbol} (read the store)`,
    what: `the ledger journal of ${symbol}`,
    timeoutMs,
  });
}

export function planRecord(client: Client, taskQueue: string, planId: string, timeoutMs = 30_000): Promise<PlanRecord> {
  return runWorkflowWithin(client, {
    type: PLAN_RECORD_WORKFLOW_TYPE,
    workflowId: `audit-${planId}-${Date.now()}`,
    taskQueue,
    args: [{ planId }],
    summary: `Record of plan ${planId} (read the store)`,
    what: `the record of plan ${planId}`,
    timeoutMs,
  });
}
