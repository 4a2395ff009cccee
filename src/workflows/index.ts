// Entry point of the workflow bundle: every workflow type the worker runs.
export { planWorkflow } from './plan-workflow.js';
export { driftReportWorkflow, driftSweepWorkflow, ledgerJournalWorkflow, planRecordWorkflow, reconcileSymbolWorkflow, tradingStatesWorkflow, tradingStateWorkflow } from './operator-workflows.js';
