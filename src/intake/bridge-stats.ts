// What the bridge has done since it started, and how far behind the stream it is.

export interface BridgeCounters {
  /** Plans whose workflow this bridge started. */
  started: number;
  /** Plans whose workflow already existed (published twice, or re-read after a crash): acknowledged, not started again. */
  duplicates: number;
  /** Entries that failed validation, copied to the dead-letter stream with their error. */
  deadLettered: number;
  /** Valid plans whose decision is not EXECUTE: acknowledged and counted, nothing started. */
  skipped: number;
  /** Start or acknowledgement attempts that failed (Temporal or Redis down): the entry stays pending and is retried. */
  retries: number;
}

export interface BridgeLag {
  /** Entries delivered to the group but not yet acknowledged (XPENDING), all consumers together. */
  pending: number;
  /** Entries in the stream not yet delivered to the group (XINFO GROUPS `lag`); null when Redis cannot tell. */
  behind: number | null;
  /** Entries in the stream (XLEN). */
  length: number;
}

export function emptyCounters(): BridgeCounters {
  return { started: 0, duplicates: 0, deadLettered: 0, skipped: 0, retries: 0 };
}
