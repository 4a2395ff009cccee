// What a plan costs and where its time goes, read from its real event history (fetchHistory).
//
// Billable actions follow Temporal Cloud's published rules (docs.temporal.io/cloud/actions, "Temporal
// Cloud Actions"), applied to the events of one execution:
//   - Workflow started (client start, Continue-As-New, child start): 1
//   - Timer started (including the implicit timer of `condition(fn, timeout)`): 1 each
//   - UpsertWorkflowSearchAttributes command: 1 each (search attributes given at start are free;
//     an upsert of TemporalChangeVersion alone is free)
//   - Signal received (sent by a client or a workflow): 1 each; signal-with-start counts 1 in total
//   - Activity started or retried: 1 per attempt (the attempt number of ActivityTaskStarted)
//   - Local activities: all markers recorded by one workflow task count 1 ("Temporal Cloud counts all
//     RecordMarkers from each Workflow Task as one action"; a patch marker shares that one action)
//   - Child workflow initiated: 2 (start + execution); external signal sent: 1
//   - Update accepted or rejected: 1 each; WorkflowExecutionOptionsUpdated: 1
// Not in history, hence not counted here: queries (the bench sends none; the Web UI's stack trace and
// current-details views are queries and cost 1 each), activity heartbeats (the chain sends none),
// exports and schedules.
import type { WorkflowHandle } from '@temporalio/client';
import { localActivityCall } from '../src/client/history-markers.js';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

export const BILLING_RULES: readonly string[] = [
  'Source: Temporal Cloud Actions, https://docs.temporal.io/cloud/actions',
  'WorkflowExecutionStarted (client start / continue-as-new / child start): 1',
  'TimerStarted (incl. condition() with a timeout): 1 each',
  'UpsertWorkflowSearchAttributes: 1 each (start-time search attributes and TemporalChangeVersion-only upserts: 0)',
  'WorkflowExecutionSignaled: 1 each',
  'Activity started or retried: 1 per attempt (attempt of ActivityTaskStarted)',
  'MarkerRecorded (local activities, patch markers): all markers of one workflow task count 1',
  'StartChildWorkflowExecutionInitiated: 2; SignalExternalWorkflowExecutionInitiated: 1',
  'WorkflowExecutionUpdateAccepted/Rejected: 1 each; WorkflowExecutionOptionsUpdated: 1',
  'Not in history, not counted: queries (1 each, e.g. Web UI stack trace), heartbeats, export, schedules',
];

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'toNumber' in value && typeof value.toNumber === 'function') return value.toNumber() as number;
  return Number(value ?? 0);
}

/** The event's type, from the one `…EventAttributes` field that is set ("ActivityTaskScheduled"). */
export function eventTypeName(event: HistoryEvent): string {
  for (const [key, value] of Object.entries(event)) {
    if (value && key.endsWith('EventAttributes')) {
      const name = key.slice(0, -'EventAttributes'.length);
      return name.charAt(0).toUpperCase() + name.slice(1);
    }
  }
  return `EventType${String(event.eventType)}`;
}

export function eventTimeMs(event: HistoryEvent): number {
  const t = event.eventTime;
  return t ? num(t.seconds) * 1000 + Math.round(num(t.nanos) / 1e6) : 0;
}

export interface PlanCost {
  events: number;
  actions: number;
  /** Actions by rule ("activity:placeOrder", "upsert_search_attributes", "timer", …). */
  actionsByKind: Record<string, number>;
  eventsByType: Record<string, number>;
}

export function countActions(history: History): PlanCost {
  const events = history.events ?? [];
  const actionsByKind: Record<string, number> = {};
  const eventsByType: Record<string, number> = {};
  const add = (kind: string, n = 1) => (actionsByKind[kind] = (actionsByKind[kind] ?? 0) + n);
  const activityType = new Map<number, string>();
  const markerTasks = new Set<number>();
  for (const event of events) {
    const type = eventTypeName(event);
    eventsByType[type] = (eventsByType[type] ?? 0) + 1;
    switch (type) {
      case 'WorkflowExecutionStarted':
        add('workflow_started');
        break;
      case 'TimerStarted':
        add('timer');
        break;
      case 'UpsertWorkflowSearchAttributes': {
        const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (!(fields.length === 1 && fields[0] === 'TemporalChangeVersion')) add('upsert_search_attributes');
        break;
      }
      case 'WorkflowExecutionSignaled':
        add('signal');
        break;
      case 'ActivityTaskScheduled':
        activityType.set(num(event.eventId), event.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity');
        break;
      case 'ActivityTaskStarted': {
        const attrs = event.activityTaskStartedEventAttributes;
        add(`activity:${activityType.get(num(attrs?.scheduledEventId)) ?? 'activity'}`, Math.max(1, num(attrs?.attempt)));
        break;
      }
      case 'MarkerRecorded': {
        const task = num(event.markerRecordedEventAttributes?.workflowTaskCompletedEventId);
        if (!markerTasks.has(task)) add('local_activities');
        markerTasks.add(task);
        break;
      }
      case 'StartChildWorkflowExecutionInitiated':
        add('child_workflow', 2);
        break;
      case 'SignalExternalWorkflowExecutionInitiated':
        add('signal_external');
        break;
      case 'WorkflowExecutionUpdateAccepted':
      case 'WorkflowExecutionUpdateRejected':
        add('update');
        break;
      case 'WorkflowExecutionOptionsUpdated':
        add('options_updated');
        break;
      default:
        break;
    }
  }
  const actions = Object.values(actionsByKind).reduce((a, b) => a + b, 0);
  return { events: events.length, actions, actionsByKind, eventsByType };
}

/** Where one plan's time went, from the server's event timestamps (ms). */
export interface PlanTimeline {
  /** Client accepted the plan → WorkflowExecutionStarted (the start RPC). */
  accept_to_started: number | null;
  /** Workflow tasks: scheduled → started (queue wait) and started → completed (worker processing). */
  wft_schedule_to_start: number[];
  wft_start_to_complete: number[];
  /**
   * Per activity type: scheduled → started (queue wait) and started → completed (execution). Local
   * activities have no server-side events but their marker: their workflow task's start → completed.
   */
  activity_schedule_to_start: Record<string, number[]>;
  activity_start_to_close: Record<string, number[]>;
  /** Started → the workflow task in which the order's completion was seen (= chain latency end). */
  started_to_order_seen: number | null;
  /** Order activity completed → next workflow task started (the chain latency's last hop). */
  order_completed_to_wft_started: number | null;
  started_to_closed: number | null;
}

export function planTimeline(history: History, acceptedAt: number | null): PlanTimeline {
  const events = history.events ?? [];
  const byId = new Map<number, HistoryEvent>();
  for (const e of events) byId.set(num(e.eventId), e);
  const at = (e: HistoryEvent | undefined) => (e ? eventTimeMs(e) : null);
  const started = events[0] ? eventTimeMs(events[0]) : null;
  const timeline: PlanTimeline = {
    accept_to_started: started !== null && acceptedAt !== null ? started - acceptedAt : null,
    wft_schedule_to_start: [],
    wft_start_to_complete: [],
    activity_schedule_to_start: {},
    activity_start_to_close: {},
    started_to_order_seen: null,
    order_completed_to_wft_started: null,
    started_to_closed: null,
  };
  const push = (rec: Record<string, number[]>, key: string, v: number) => (rec[key] ??= []).push(v);
  let orderCompletedAt: number | null = null;
  for (const e of events) {
    const type = eventTypeName(e);
    if (type === 'WorkflowTaskStarted') {
      const scheduled = at(byId.get(num(e.workflowTaskStartedEventAttributes?.scheduledEventId)));
      if (scheduled !== null) timeline.wft_schedule_to_start.push(eventTimeMs(e) - scheduled);
      if (orderCompletedAt !== null && timeline.order_completed_to_wft_started === null) {
        timeline.order_completed_to_wft_started = eventTimeMs(e) - orderCompletedAt;
        timeline.started_to_order_seen = started === null ? null : eventTimeMs(e) - started;
      }
    } else if (type === 'WorkflowTaskCompleted') {
      const startedTask = at(byId.get(num(e.workflowTaskCompletedEventAttributes?.startedEventId)));
      if (startedTask !== null) timeline.wft_start_to_complete.push(eventTimeMs(e) - startedTask);
    } else if (type === 'MarkerRecorded') {
      // The marker's own schedule time is the workflow's (deterministic) clock, not when the call began:
      // measured from the start of the workflow task that ran it instead.
      const call = localActivityCall(e);
      const completedTask = byId.get(num(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId));
      const taskStarted = at(byId.get(num(completedTask?.workflowTaskCompletedEventAttributes?.startedEventId)));
      if (call?.completedAtMs != null && taskStarted !== null) push(timeline.activity_start_to_close, `${call.activityType} (local, from its task's start)`, call.completedAtMs - taskStarted);
    } else if (type === 'ActivityTaskStarted') {
      const scheduled = byId.get(num(e.activityTaskStartedEventAttributes?.scheduledEventId));
      const name = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity';
      const t = at(scheduled);
      if (t !== null) push(timeline.activity_schedule_to_start, name, eventTimeMs(e) - t);
    } else if (type === 'ActivityTaskCompleted') {
      const attrs = e.activityTaskCompletedEventAttributes;
      const scheduled = byId.get(num(attrs?.scheduledEventId));
      const name = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity';
      const t = at(byId.get(num(attrs?.startedEventId)));
      if (t !== null) push(timeline.activity_start_to_close, name, eventTimeMs(e) - t);
      if (name === 'placeOrder' && orderCompletedAt === null) orderCompletedAt = eventTimeMs(e);
    }
  }
  const last = events[events.length - 1];
  if (started !== null && last) timeline.started_to_closed = eventTimeMs(last) - started;
  return timeline;
}
