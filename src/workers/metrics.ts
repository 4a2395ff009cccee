// The project's own Prometheus metrics (prom-client). Plans by outcome and the chain latency are
// emitted by the workflow itself through Temporal's replay-safe metricMeter (see
// src/workflows/chain-recorder.ts) and exported by the Temporal runtime: both land on one /metrics.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { WORKFLOW_METRICS } from '../workflows/metric-names.js';

export const METRIC_NAMES = {
  permits: 'permit_chain_permits_total',
  exchangeCallDuration: 'permit_chain_exchange_call_duration_seconds',
  exchangeErrors: 'permit_chain_exchange_errors_total',
  /** Emitted by the workflow via metricMeter and exported by the Temporal runtime (no `temporal_` prefix on custom metrics; tags namespace, taskQueue, workflowType added). */
  ...WORKFLOW_METRICS,
} as const;

/** Bucket bounds (ms) of the chain latency histogram, handed to the Temporal runtime. */
export const CHAIN_LATENCY_BUCKETS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 15_000, 30_000, 60_000, 120_000];

export type PermitLayer = 'governor' | 'p33';

export interface ChainMetrics {
  registry: Registry;
  permitDecided(layer: PermitLayer, granted: boolean, reason: string | null): void;
  exchangeCall(call: string, seconds: number, error: { kind: string; errorClass: string } | null): void;
}

export function createChainMetrics(opts: { defaultMetrics?: boolean } = {}): ChainMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const permits = new Counter({
    name: METRIC_NAMES.permits,
    help: 'Permits decided, by layer (governor = P3.2, p33 = position check), decision and denial reason',
    labelNames: ['layer', 'decision', 'reason'] as const,
    registers: [registry],
  });
  const callDuration = new Histogram({
    name: METRIC_NAMES.exchangeCallDuration,
    help: 'Exchange calls made by activities (venue adapter), by call and result',
    labelNames: ['call', 'result'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const exchangeErrors = new Counter({
    name: METRIC_NAMES.exchangeErrors,
    help: 'Failed exchange calls, by call, kind (retryable, rejected, ambiguous) and error class',
    labelNames: ['call', 'kind', 'error_class'] as const,
    registers: [registry],
  });
  return {
    registry,
    permitDecided: (layer, granted, reason) => {
      permits.inc({ layer, decision: granted ? 'granted' : 'denied', reason: reason ?? 'none' });
    },
    exchangeCall: (call, seconds, error) => {
      callDuration.observe({ call, result: error ? 'error' : 'ok' }, seconds);
      if (error) exchangeErrors.inc({ call, kind: error.kind, error_class: error.errorClass });
    },
  };
}
