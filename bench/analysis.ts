// Turns per-plan histories into the cost and profile figures of the report.
import type { Client } from '@temporalio/client';
import type { PlanOutcome } from './load.js';
import { countActions, planTimeline, type PlanCost, type PlanTimeline } from './history.js';
import { mean, median, percentile } from './stats.js';

export interface CostSummary {
  plans: number;
  events_per_plan: { mean: number | null; min: number | null; max: number | null };
  actions_per_plan: { mean: number | null; min: number | null; max: number | null };
  /** Actions by rule, averaged over the plans. */
  actions_by_kind: Record<string, number>;
  events_by_type: Record<string, number>;
}

export function summarizeCosts(costs: PlanCost[]): CostSummary {
  const avg = (records: Array<Record<string, number>>) => {
    const sum: Record<string, number> = {};
    for (const r of records) for (const [k, v] of Object.entries(r)) sum[k] = (sum[k] ?? 0) + v;
    return Object.fromEntries(Object.entries(sum).sort().map(([k, v]) => [k, Math.round((v / Math.max(1, records.length)) * 100) / 100]));
  };
  const range = (values: number[]) => ({
    mean: mean(values),
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
  });
  return {
    plans: costs.length,
    events_per_plan: range(costs.map((c) => c.events)),
    actions_per_plan: range(costs.map((c) => c.actions)),
    actions_by_kind: avg(costs.map((c) => c.actionsByKind)),
    events_by_type: avg(costs.map((c) => c.eventsByType)),
  };
}

export interface TimelineSummary {
  plans: number;
  /** Medians (ms) of each segment; p95 in brackets where it tells more. */
  accept_to_started_ms: number | null;
  wft_schedule_to_start_ms: { p50: number | null; p95: number | null };
  wft_start_to_complete_ms: { p50: number | null; p95: number | null };
  workflow_tasks_per_plan: number | null;
  activity_schedule_to_start_ms: Record<string, number | null>;
  activity_start_to_close_ms: Record<string, number | null>;
  order_completed_to_next_wft_ms: number | null;
  started_to_order_seen_ms: number | null;
  started_to_closed_ms: number | null;
}

export function summarizeTimelines(timelines: PlanTimeline[]): TimelineSummary {
  const flat = (pick: (t: PlanTimeline) => number[]) => timelines.flatMap(pick).sort((a, b) => a - b);
  const scalar = (pick: (t: PlanTimeline) => number | null) => median(timelines.map(pick).filter((v): v is number => v !== null));
  const perType = (pick: (t: PlanTimeline) => Record<string, number[]>) => {
    const all: Record<string, number[]> = {};
    for (const t of timelines) for (const [k, v] of Object.entries(pick(t))) (all[k] ??= []).push(...v);
    return Object.fromEntries(Object.entries(all).sort().map(([k, v]) => [k, median(v)]));
  };
  const wftS2s = flat((t) => t.wft_schedule_to_start);
  const wftProc = flat((t) => t.wft_start_to_complete);
  return {
    plans: timelines.length,
    accept_to_started_ms: scalar((t) => t.accept_to_started),
    wft_schedule_to_start_ms: { p50: percentile(wftS2s, 50), p95: percentile(wftS2s, 95) },
    wft_start_to_complete_ms: { p50: percentile(wftProc, 50), p95: percentile(wftProc, 95) },
    workflow_tasks_per_plan: mean(timelines.map((t) => t.wft_start_to_complete.length)),
    activity_schedule_to_start_ms: perType((t) => t.activity_schedule_to_start),
    activity_start_to_close_ms: perType((t) => t.activity_start_to_close),
    order_completed_to_next_wft_ms: scalar((t) => t.order_completed_to_wft_started),
    started_to_order_seen_ms: scalar((t) => t.started_to_order_seen),
    started_to_closed_ms: scalar((t) => t.started_to_closed),
  };
}

/** Fetches the histories of up to `limit` executed plans (spread over the run) and reads them. */
export async function readHistories(client: Client, outcomes: PlanOutcome[], limit: number): Promise<{ costs: PlanCost[]; timelines: PlanTimeline[] }> {
  const executed = outcomes.filter((o) => o.state === 'EXECUTED' && o.workflowId);
  const step = Math.max(1, Math.floor(executed.length / Math.max(1, limit)));
  const picked = executed.filter((_, i) => i % step === 0).slice(0, limit);
  const costs: PlanCost[] = [];
  const timelines: PlanTimeline[] = [];
  for (const o of picked) {
    const history = await client.workflow.getHandle(o.workflowId!, o.runId).fetchHistory();
    costs.push(countActions(history));
    timelines.push(planTimeline(history, o.acceptedAt));
  }
  return { costs, timelines };
}
