// `permitctl trace`: the plan's permit chain rebuilt from its Temporal history alone (no worker needed),
// as the seed's "Permit Chain Timing" table.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { BookedFill, LedgerSyncResult, PlacedOrder, TurnReleaseResult, TurnState } from '../activities/contract.js';
import type { ChainState } from '../domain/chain.js';
import { describeGovernor, describePositionCheck, governorResult } from '../domain/describe.js';
import type { GovernorPermit, PositionPermit } from '../domain/permits.js';
import { localActivityCall } from './history-markers.js';

/** One row of the seed's "Permit Chain Timing" table. */
export interface TimelineRow {
  time: string;
  layer: string;
  action: string;
  result: string;
  ttl: string;
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];
type Payloads = { payloads?: unknown[] | null } | null | undefined;

function decode<T>(payloads: Payloads): T | undefined {
  const first = payloads?.payloads?.[0];
  // The payload converter takes the proto payload type; the history hands us the same object.
  return first ? defaultPayloadConverter.fromPayload<T>(first as Parameters<typeof defaultPayloadConverter.fromPayload>[0]) : undefined;
}

/** A history event's protobuf Timestamp (seconds may arrive as a Long) in ms since the epoch. */
function eventTimeMs(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) return 0;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1_000_000);
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function summaryOf(event: HistoryEvent): string | null {
  const summary = decode<string>({ payloads: event.userMetadata?.summary ? [event.userMetadata.summary] : [] });
  return typeof summary === 'string' ? summary : null;
}

interface Scheduled {
  activityType: string;
  summary: string | null;
}

function completedRow(activity: Scheduled, result: unknown): Omit<TimelineRow, 'time'> {
  switch (activity.activityType) {
    case 'issueGovernorPermit': {
      const p = result as GovernorPermit;
      return { layer: 'Governor', action: describeGovernor(p), result: governorResult(p), ttl: `${p.ttl_seconds}s` };
    }
    case 'checkPositionState': {
      const p = result as PositionPermit;
      return { layer: 'P3.3', action: describePositionCheck(p), result: p.allow ? 'ALLOWED' : 'DENIED', ttl: `${p.ttl_seconds}s` };
    }
    case 'placeOrder':
    case 'lookupOrder': {
      const o = result as PlacedOrder | null;
      if (!o) return { layer: 'Exchange', action: 'Order lookup: not on the exchange', result: 'NOT FOUND', ttl: '-' };
      const how = o.found_by_lookup ? ' (found by client order id)' : '';
      return { layer: 'Exchange', action: `Order ${o.client_order_id} ${o.side} ${o.filled_qty}/${o.qty} @ ${o.avg_price}${how}`, result: o.status, ttl: '-' };
    }
    case 'bookFill': {
      const b = result as BookedFill;
      return { layer: 'Ledger', action: `Fill booked, ledger now ${b.ledger_amt}${b.booked ? '' : ' (already booked)'}`, result: 'BOOKED', ttl: '-' };
    }
    case 'syncLedger': {
      const r = result as LedgerSyncResult;
      return { layer: 'Ledger', action: `Ledger synced ${r.before} → ${r.after} (exchange ${r.exchange_amt})`, result: 'SYNCED', ttl: '-' };
    }
    case 'takeTurn': {
      const t = result as TurnState;
      if (t.granted) return { layer: 'Turn', action: activity.summary ?? 'Turn on the symbol', result: 'GRANTED', ttl: '-' };
      return { layer: 'Turn', action: `Waiting for its turn: plan ${t.holder.plan_id} holds it (${t.ahead} ahead)`, result: 'WAITING', ttl: '-' };
    }
    case 'releaseTurn': {
      const r = result as TurnReleaseResult;
      return { layer: 'Turn', action: `${activity.summary ?? 'Turn released'}${r.next ? `; next: plan ${r.next.plan_id}` : ''}`, result: 'RELEASED', ttl: '-' };
    }
    default:
      return { layer: activity.activityType, action: activity.summary ?? activity.activityType, result: 'DONE', ttl: '-' };
  }
}

function failureMessage(failure: { message?: string | null; cause?: { message?: string | null } | null } | null | undefined): string {
  return failure?.cause?.message ?? failure?.message ?? 'unknown failure';
}

/** Rows of the timeline, in history order. */
export function traceRows(history: History): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const scheduled = new Map<string, Scheduled>();
  /** Accepted Updates by event id: their completions name them. */
  const updates = new Map<string, string>();
  const push = (event: HistoryEvent, row: Omit<TimelineRow, 'time'>) => rows.push({ time: clock(eventTimeMs(event)), ...row });
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    if (event.workflowExecutionStartedEventAttributes) {
      const input = decode<{ plan: { plan_id: string; action: string; symbol: string; kill_score: number } }>(event.workflowExecutionStartedEventAttributes.input);
      if (input?.plan) push(event, { layer: 'Plan', action: `Plan ${input.plan.plan_id}: ${input.plan.action} ${input.plan.symbol} (kill score ${input.plan.kill_score})`, result: 'ACCEPTED', ttl: '-' });
    } else if (event.markerRecordedEventAttributes) {
      const call = localActivityCall(event);
      if (!call) continue; // a patch (version) marker
      const activity = { activityType: call.activityType, summary: summaryOf(event) };
      if (call.failureMessage === null) push(event, completedRow(activity, call.result));
      else push(event, { layer: 'Activity', action: `${activity.summary ?? activity.activityType}: ${call.failureMessage}`, result: 'FAILED', ttl: '-' });
    } else if (event.activityTaskScheduledEventAttributes) {
      scheduled.set(id, { activityType: event.activityTaskScheduledEventAttributes.activityType?.name ?? '?', summary: summaryOf(event) });
    } else if (event.activityTaskCompletedEventAttributes) {
      const activity = scheduled.get(String(event.activityTaskCompletedEventAttributes.scheduledEventId));
      if (activity) push(event, completedRow(activity, decode(event.activityTaskCompletedEventAttributes.result)));
    } else if (event.activityTaskFailedEventAttributes) {
      const activity = scheduled.get(String(event.activityTaskFailedEventAttributes.scheduledEventId));
      push(event, { layer: activity?.activityType === 'placeOrder' ? 'Exchange' : 'Activity', action: `${activity?.summary ?? activity?.activityType}: ${failureMessage(event.activityTaskFailedEventAttributes.failure)}`, result: 'FAILED', ttl: '-' });
    } else if (event.activityTaskTimedOutEventAttributes) {
      const activity = scheduled.get(String(event.activityTaskTimedOutEventAttributes.scheduledEventId));
      push(event, { layer: 'TTL', action: `${activity?.summary ?? activity?.activityType}: deadline reached`, result: 'TIMED OUT', ttl: '-' });
    } else if (event.timerStartedEventAttributes) {
      push(event, { layer: 'Timer', action: summaryOf(event) ?? 'timer', result: 'WAITING', ttl: '-' });
    } else if (event.workflowExecutionSignaledEventAttributes) {
      const a = event.workflowExecutionSignaledEventAttributes;
      const input = decode<{ who?: string; why?: string; scope?: string; from_plan_id?: string }>(a.input);
      if (a.signalName === 'turn') {
        push(event, { layer: 'Turn', action: `Plan ${input?.from_plan_id ?? '?'} passed the turn on`, result: 'SIGNAL', ttl: '-' });
        continue;
      }
      push(event, { layer: 'Operator', action: `${a.signalName}${input?.scope ? ` (${input.scope})` : ''} by ${input?.who ?? '?'}: ${input?.why ?? ''}`, result: 'SIGNAL', ttl: '-' });
    } else if (event.workflowExecutionUpdateAcceptedEventAttributes) {
      const request = event.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input;
      const input = decode<{ who?: string; why?: string; scope?: string }>(request?.args);
      updates.set(String(event.eventId), request?.name ?? 'update');
      push(event, { layer: 'Operator', action: `${request?.name ?? 'update'}${input?.scope ? ` (${input.scope})` : ''} by ${input?.who ?? '?'}: ${input?.why ?? ''}`, result: 'COMMAND', ttl: '-' });
    } else if (event.workflowExecutionUpdateCompletedEventAttributes) {
      const a = event.workflowExecutionUpdateCompletedEventAttributes;
      const name = updates.get(String(a.acceptedEventId)) ?? 'update';
      const answer = decode<{ done?: string; detail?: string }>(a.outcome?.success);
      if (answer?.done) push(event, { layer: 'Operator', action: `${name} answered: ${answer.detail ?? ''}`, result: answer.done.toUpperCase(), ttl: '-' });
      else push(event, { layer: 'Operator', action: `${name} failed: ${failureMessage(a.outcome?.failure)}`, result: 'FAILED', ttl: '-' });
    } else if (event.workflowExecutionCompletedEventAttributes) {
      const state = decode<ChainState>(event.workflowExecutionCompletedEventAttributes.result);
      const outcome = state?.events.filter((e) => e.kind === 'outcome').at(-1);
      if (state) push(event, { layer: 'Outcome', action: outcome?.summary ?? state.state, result: state.state, ttl: '-' });
    } else if (event.workflowExecutionFailedEventAttributes || event.workflowExecutionTerminatedEventAttributes || event.workflowExecutionTimedOutEventAttributes) {
      push(event, { layer: 'Outcome', action: 'workflow ended abnormally (failed, terminated or timed out)', result: 'FAILED', ttl: '-' });
    }
  }
  return rows;
}
