// `permitctl list`: plans found through the search attributes the workflow keeps up to date.
import type { Client } from '@temporalio/client';
import type { PlanState } from '../domain/chain.js';
import { SYMBOL_PATTERN } from '../domain/plan.js';
import { PLAN_WORKFLOW_TYPE, planIdOfWorkflowId, SearchAttributes, type SearchStage } from '../workflows/contract.js';
import { ClientError } from './errors.js';

const OUTCOMES: PlanState[] = ['RUNNING', 'EXECUTED', 'DENIED', 'EXPIRED', 'CANCELLED', 'FAILED'];
const STAGES: SearchStage[] = ['running', 'waiting_turn', 'awaiting_reconcile', 'paused', 'settling', 'done'];

export interface ListFilters {
  symbol?: string;
  outcome?: string;
  stage?: string;
  running?: boolean;
}

export interface ListedPlan {
  plan_id: string;
  workflow_id: string;
  symbol: string | null;
  action: string | null;
  stage: string | null;
  outcome: string | null;
  reason: string | null;
  kill_score: number | null;
  started_at: string;
  status: string;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const upper = name === 'outcome' ? value.toUpperCase() : value;
  if (!(allowed as readonly string[]).includes(upper)) throw new ClientError(`invalid --${name} "${value}": one of ${allowed.join(', ')}`, 'invalid');
  return upper as T;
}

/** The visibility query for the filters; every value is checked against a closed set or a strict pattern. */
export function listQuery(filters: ListFilters): string {
  const clauses = [`WorkflowType = '${PLAN_WORKFLOW_TYPE}'`];
  if (filters.symbol !== undefined) {
    if (!SYMBOL_PATTERN.test(filters.symbol)) throw new ClientError(`invalid --symbol "${filters.symbol}": an upper-case futures symbol such as BTCUSDT`, 'invalid');
    clauses.push(`PermitSymbol = '${filters.symbol}'`);
  }
  if (filters.outcome !== undefined) clauses.push(`PermitOutcome = '${oneOf('outcome', filters.outcome, OUTCOMES)}'`);
  if (filters.stage !== undefined) clauses.push(`PermitStage = '${oneOf('stage', filters.stage, STAGES)}'`);
  if (filters.running) clauses.push(`ExecutionStatus = 'Running'`);
  return clauses.join(' AND ');
}

export async function listPlans(client: Client, filters: ListFilters, limit: number): Promise<ListedPlan[]> {
  const plans: ListedPlan[] = [];
  for await (const wf of client.workflow.list({ query: listQuery(filters), pageSize: Math.min(limit, 1000) })) {
    const sa = wf.typedSearchAttributes;
    plans.push({
      plan_id: planIdOfWorkflowId(wf.workflowId) ?? wf.workflowId,
      workflow_id: wf.workflowId,
      symbol: sa.get(SearchAttributes.symbol) ?? null,
      action: sa.get(SearchAttributes.action) ?? null,
      stage: sa.get(SearchAttributes.stage) ?? null,
      outcome: sa.get(SearchAttributes.outcome) ?? null,
      reason: sa.get(SearchAttributes.denialReason) ?? null,
      kill_score: sa.get(SearchAttributes.killScore) ?? null,
      started_at: wf.startTime.toISOString(),
      status: wf.status.name,
    });
    if (plans.length >= limit) break;
  }
  return plans;
}

/** The Web UI's workflow list filtered to plans (or to `query`, which names the plan type): no operator helper workflow in it. */
export function plansListUrl(uiBase: string | null, namespace: string, query = `WorkflowType = "${PLAN_WORKFLOW_TYPE}"`): string | null {
  if (!uiBase) return null;
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}
