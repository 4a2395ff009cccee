// Local activities leave no ActivityTask* events in a workflow's history: each one is a MarkerRecorded
// event named `core_local_activity`, whose details hold the call (`data`: type, attempt, times) and its
// `result`, or whose `failure` says why it failed. Read by `permitctl trace` and by the benchmark.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];
type Payload = Parameters<typeof defaultPayloadConverter.fromPayload>[0];

export const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export interface LocalActivityCall {
  activityType: string;
  attempt: number;
  /** Epoch ms the call completed, by the worker's clock. */
  completedAtMs: number | null;
  /** The decoded result; undefined when the call failed. */
  result: unknown;
  failureMessage: string | null;
}

interface MarkerData {
  activity_type?: string;
  attempt?: number;
  complete_time?: { seconds?: number | string; nanos?: number } | null;
}

function firstPayload<T>(payloads: { payloads?: unknown[] | null } | null | undefined): T | undefined {
  const first = payloads?.payloads?.[0];
  // The history hands us the proto payload type the converter takes.
  return first ? defaultPayloadConverter.fromPayload<T>(first as Payload) : undefined;
}

function epochMs(t: MarkerData['complete_time']): number | null {
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : null;
}

/** The local activity call an event records, or null when it is not a local activity marker. */
export function localActivityCall(event: HistoryEvent): LocalActivityCall | null {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return null;
  const details = marker.details ?? {};
  const data = firstPayload<MarkerData>(details['data']) ?? {};
  const failure = marker.failure;
  return {
    activityType: data.activity_type ?? 'localActivity',
    attempt: data.attempt ?? 1,
    completedAtMs: epochMs(data.complete_time),
    result: failure ? undefined : firstPayload(details['result']),
    failureMessage: failure ? (failure.cause?.message ?? failure.message ?? 'failed') : null,
  };
}
