import type { DecimalText } from './decimal-order.js';
import type { GovernorPermit, PositionPermit } from './permits.js';
import type { PlanAction } from './plan.js';

/** How a plan can end (DESIGN.md, "Outcomes a plan can end in"); RUNNING while the chain is still in progress. */
export type PlanState = 'RUNNING' | 'EXECUTED' | 'DENIED' | 'EXPIRED' | 'CANCELLED' | 'FAILED';
export type FinalPlanState = Exclude<PlanState, 'RUNNING'>;
export type ChainStage = 'waiting_turn' | 'governor' | 'position_check' | 'awaiting_reconcile' | 'paused' | 'placing' | 'settling' | 'booking' | 'done';

/** Who asked for an operator action, and why (recorded in history, events and the ledger journal). */
export interface OperatorAction {
  who: string;
  why: string;
}

/** The position-check (P3.3) denial a plan's reconcile answered: its permit and the amounts it denied on. */
export interface AnsweredDenial {
  permit_id: string;
  exchange_amt: DecimalText;
  ledger_amt: DecimalText;
  diff: DecimalText;
  tolerance: DecimalText;
}

export interface OrderSummary {
  client_order_id: string;
  exchange_order_id: string | null;
  side: 'BUY' | 'SELL';
  qty: DecimalText;
  status: string;
  /** Cumulative executed quantity (the exchange's executedQty). */
  filled_qty: DecimalText;
  avg_price: DecimalText;
}

export interface ChainEvent {
  at: string;
  kind: string;
  summary: string;
  [detail: string]: unknown;
}

/** The answer of `permitctl status PLAN_ID --json` and of the workflow's `chainState` query. */
export interface ChainState {
  plan_id: string;
  symbol: string;
  action: PlanAction;
  workflow_id: string;
  state: PlanState;
  stage: ChainStage;
  reason: string | null;
  permits: { governor: GovernorPermit | null; p33: PositionPermit | null };
  order: OrderSummary | null;
  events: ChainEvent[];
  chain_latency_ms: number | null;
  /** The plan's turn on its symbol (absent for plans started before symbol turns). */
  turn?: TurnStatus;
  /** While the plan waits for an operator: what for, until when, and the command that answers it. */
  awaiting?: OperatorWait;
}

/** A plan waiting for an operator (a reconcile after a position-check denial). */
export interface OperatorWait {
  for: 'reconcile';
  /** When the plan stops waiting and ends DENIED (workflow time). */
  until: string;
  /** The command that answers it. */
  command: string;
}

/** Plans of a symbol take turns: whether this one waits for its turn, holds it, or has given it up. */
export interface TurnStatus {
  state: 'waiting' | 'held' | 'released';
  /** The plan holding the symbol's turn while this one waits. */
  waiting_for: string | null;
  /** Plans before this one in the symbol's queue (the holder included) while it waits. */
  ahead: number | null;
  /** Since when (workflow time) it is in this state. */
  since: string;
}
