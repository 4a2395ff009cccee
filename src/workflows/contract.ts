// The plan workflow's whole contract, for the workflow and for every client (src/client): its task queue,
// workflow ids and their inverse, type names, signals, queries, search attributes, input and state types,
// the way reference-app-orders-go's app/order/api.go holds an order's.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChainPolicy } from '../domain/chain-policy.js';
import type { ChainStage, ChainState, OperatorAction } from '../domain/chain.js';
import type { Plan } from '../domain/plan.js';

export { DEFAULT_TASK_QUEUE, planIdOfWorkflowId, workflowIdForPlan } from '../domain/plan-ids.js';
export type { ChainState } from '../domain/chain.js';

export const PLAN_WORKFLOW_TYPE = 'planWorkflow';
export const RECONCILE_WORKFLOW_TYPE = 'reconcileSymbolWorkflow';
export const TRADING_STATE_WORKFLOW_TYPE = 'tradingStateWorkflow';
export const DRIFT_SWEEP_WORKFLOW_TYPE = 'driftSweepWorkflow';
export const DRIFT_REPORT_WORKFLOW_TYPE = 'driftReportWorkflow';
/** Reads of the permanent record (`permitctl ledger`, `permitctl audit`) by a worker, the one that holds the store. */
export const LEDGER_JOURNAL_WORKFLOW_TYPE = 'ledgerJournalWorkflow';
export const PLAN_RECORD_WORKFLOW_TYPE = 'planRecordWorkflow';
export const TRADING_STATES_WORKFLOW_TYPE = 'tradingStatesWorkflow';
/** The Temporal Schedule that starts the drift sweep every DRIFT_SWEEP_SECONDS (`permitctl drift-schedule`, `up`). */
export const DRIFT_SCHEDULE_ID = 'permit-chain-drift-sweep';

export interface PauseSignal extends OperatorAction {
  /**
   * On the wire: `global`, `plan` (the plan's own) or `symbol:<SYMBOL>` (domain/trading-scope.ts's
   * signalScopeOf, which every worker reads); the workflow also reads the one vocabulary's `plan:<id>` and a
   * bare symbol, which clients may send once no older worker runs.
   */
  scope: string;
}

export const pauseSignal = defineSignal<[PauseSignal]>('pause');
export const resumeSignal = defineSignal<[PauseSignal]>('resume');
export const reconcileSignal = defineSignal<[OperatorAction]>('reconcile');
/** Halts the plan (or tells it its symbol or all trading is halted): it ends DENIED trading_halted before its order. */
export const haltSignal = defineSignal<[PauseSignal]>('halt');
export const chainStateQuery = defineQuery<ChainState>('chainState');

/**
 * Operator commands as Workflow Updates: each is validated against the plan's state (a refusal says why and
 * leaves its history untouched), recorded with who and why, and answered with what the plan did. The same
 * commands also arrive as signals (pause, resume, reconcile, halt), validated and recorded the same way.
 */
export interface CommandAnswer {
  /** What the plan did: held, released, synced, cancelled, denied; too_late: its order reached the exchange first. */
  done: 'held' | 'released' | 'synced' | 'cancelled' | 'denied' | 'too_late';
  detail: string;
  /** The plan's stage when it answered. */
  stage: ChainStage;
}

/** Failure types of an operator command: refused by the plan's validator (nothing recorded), or accepted but not carried out. */
export const CommandFailures = {
  /** A resume of a plan its own pause does not hold. */
  notPausedByItself: 'NotPausedByItself',
  /** Any other refusal by the validator. */
  refused: 'CommandRefused',
  /** Accepted, then the plan could not carry it out (it ended first). */
  notCarriedOut: 'CommandNotCarriedOut',
} as const;

/** `scope`: why the plan halts (its own, its symbol's or all trading), in the one vocabulary. */
export interface HaltCommand extends OperatorAction {
  scope: string;
}

export const pauseUpdate = defineUpdate<CommandAnswer, [OperatorAction]>('pausePlan');
export const resumeUpdate = defineUpdate<CommandAnswer, [OperatorAction]>('resumePlan');
export const reconcileUpdate = defineUpdate<CommandAnswer, [OperatorAction]>('reconcilePlan');
export const cancelUpdate = defineUpdate<CommandAnswer, [OperatorAction]>('cancelPlan');
export const haltUpdate = defineUpdate<CommandAnswer, [HaltCommand]>('haltPlan');

/** From the plan that released its symbol's turn to the plan that holds it now: look again. */
export interface TurnSignal {
  from_plan_id: string;
}
export const turnSignal = defineSignal<[TurnSignal]>('turn');

export interface PlanWorkflowInput {
  plan: Plan;
  /** Epoch ms when the plan was accepted (the client's clock): start of the chain latency. */
  acceptedAt: number;
  policy: ChainPolicy;
}

export interface ReconcileWorkflowInput extends OperatorAction {
  symbol: string;
  requestedAt: number;
}

export const SearchAttributes = {
  symbol: defineSearchAttributeKey('PermitSymbol', SearchAttributeType.KEYWORD),
  action: defineSearchAttributeKey('PermitAction', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('PermitStage', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('PermitOutcome', SearchAttributeType.KEYWORD),
  denialReason: defineSearchAttributeKey('PermitDenialReason', SearchAttributeType.KEYWORD),
  killScore: defineSearchAttributeKey('PermitKillScore', SearchAttributeType.DOUBLE),
} as const;

/**
 * The stage as the PermitStage search attribute: only the states an operator searches for. Every upsert is
 * a billable action on Temporal Cloud, so the sub-second steps (governor, placing, booking) stay 'running'
 * there and show in the chain state and the Web UI's current details instead.
 */
export type SearchStage = 'running' | 'waiting_turn' | 'awaiting_reconcile' | 'paused' | 'settling' | 'done';

export function searchStage(stage: ChainStage): SearchStage {
  return stage === 'waiting_turn' || stage === 'awaiting_reconcile' || stage === 'paused' || stage === 'settling' || stage === 'done' ? stage : 'running';
}

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_DECLARATIONS: ReadonlyArray<{ name: string; type: 'Keyword' | 'Double' }> = [
  { name: 'PermitSymbol', type: 'Keyword' },
  { name: 'PermitAction', type: 'Keyword' },
  { name: 'PermitStage', type: 'Keyword' },
  { name: 'PermitOutcome', type: 'Keyword' },
  { name: 'PermitDenialReason', type: 'Keyword' },
  { name: 'PermitKillScore', type: 'Double' },
];
