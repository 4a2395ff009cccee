// Names of the metrics the plan workflow emits through Temporal's metricMeter (replay-safe: nothing is
// recorded while a history is replayed). The Temporal runtime exports them
// under these names (no `temporal_` prefix), tagged with namespace, taskQueue and workflowType.
export const WORKFLOW_METRICS = {
  /** Counter: plans by final outcome (EXECUTED, DENIED, EXPIRED, CANCELLED, FAILED). */
  plans: 'permit_chain_plans',
  /** Histogram (ms): plan accepted → order acknowledged or plan refused for good. */
  chainLatency: 'permit_chain_chain_latency',
  /** Counter: lookups of an order attempt whose fate is open that failed; the plan stays in stage `settling`. */
  settleLookupFailures: 'permit_chain_order_settle_lookup_failures',
} as const;
