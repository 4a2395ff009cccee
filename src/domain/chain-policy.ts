// The chain's policy and the worker's permit settings, with their defaults: what each one means is
// domain knowledge; reading them from the environment is src/config's job.
import type { DriftActionSetting } from './drift.js';

/** How long the chain waits and how often it may retry; part of the workflow input (recorded in history). */
export interface ChainPolicy {
  /** How long a plan denied for a position mismatch waits for a `reconcile` signal before ending DENIED. */
  reconcileWaitSeconds: number;
  /** How many times both permits may be acquired (first time included) before the plan ends EXPIRED. */
  maxPermitRounds: number;
  /** How many reconciles one plan may go through before it ends DENIED. */
  maxReconciles: number;
  /** Below this many ms of permit life left, the order is not attempted and permits are re-acquired. */
  minOrderWindowMs: number;
  /** While trading is paused in the store, how often the plan re-checks it (a resume signal wakes it at once). */
  pausePollSeconds: number;
  /** Deadline of one order attempt on the exchange (ms). */
  orderAttemptTimeoutMs: number;
  /**
   * While a plan waits for its symbol's turn, how often it looks again without being woken, and then asks
   * Temporal whether the holder's run is still open (a run that closed without releasing is freed). Absent
   * in the input of plans started before symbol turns.
   */
  turnCheckSeconds?: number;
}

export const DEFAULT_CHAIN_POLICY: ChainPolicy = {
  reconcileWaitSeconds: 60,
  maxPermitRounds: 3,
  maxReconciles: 3,
  minOrderWindowMs: 250,
  pausePollSeconds: 30,
  orderAttemptTimeoutMs: 10_000,
  turnCheckSeconds: 30,
};

export interface ChainSettings {
  /** Ledger key of the venue ('paper', 'binance-demo', …): one ledger per venue and symbol. */
  venueName: string;
  ttlSeconds: number;
  maxOrderNotional: string | null;
  /** Plans produced longer ago than this are refused (null: no limit). */
  maxPlanAgeSeconds: number | null;
  defaultTolerance: string;
  tolerances: Record<string, string>;
  /** Largest error allowed in the estimate of the exchange clock (ms): docs/order-protocol.md. */
  clockSkewBoundMs: number;
  /** How long after its window an "unknown" order may still execute or stay hidden from lookups (ms). */
  settleBoundMs: number;
  /** What the drift sweep does about a drift besides recording it (DRIFT_ACTION): 'record' or 'pause'. */
  driftAction: DriftActionSetting;
}

/**
 * The order protocol's assumptions (docs/order-protocol.md): how far off the worker's estimate of the
 * exchange clock may be, and how long after a request's window an "unknown" order may still execute or
 * stay hidden from lookups.
 */
export const DEFAULT_CLOCK_SKEW_BOUND_MS = 1_000;
export const DEFAULT_SETTLE_BOUND_MS = 5_000;

/** How often the drift sweep Schedule runs (DRIFT_SWEEP_SECONDS, default 60). */
export const DEFAULT_DRIFT_SWEEP_SECONDS = 60;
