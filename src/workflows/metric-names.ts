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
  /** Counter: plans that had to wait for their symbol's turn (by symbol); minus turnWait's count, those waiting now. */
  turnWaits: 'permit_chain_turn_waits',
  /** Histogram (ms): how long a plan waited for its symbol's turn, recorded when it got it (by symbol). */
  turnWait: 'permit_chain_turn_wait',
  /** Counter: new drift findings of the sweep (exchange ≠ ledger with nothing in flight), by symbol. */
  driftDetected: 'permit_chain_drift_detected',
  /** Counter: drift sweeps by result (ok, partial: some symbols unreadable, failed: the exchange unreadable). */
  driftSweeps: 'permit_chain_drift_sweeps',
  /** Counter: symbols a sweep could not compare because their position could not be read, by symbol. */
  driftUnreadable: 'permit_chain_drift_unreadable',
} as const;
