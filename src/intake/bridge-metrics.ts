// The bridge's counters and lag as Prometheus metrics (prom-client), read from the bridge at scrape time.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BridgeCounters, BridgeLag } from './bridge-stats.js';

export const BRIDGE_METRIC_NAMES = {
  entries: 'permit_chain_bridge_entries_total',
  retries: 'permit_chain_bridge_retries_total',
  inFlight: 'permit_chain_bridge_starts_in_flight',
  pending: 'permit_chain_bridge_pending_entries',
  behind: 'permit_chain_bridge_undelivered_entries',
} as const;

/** What the metrics read: a RedisPlanBridge, or anything with the same two methods. */
export interface BridgeMetricsSource {
  stats(): BridgeCounters & { inFlight: number };
  lag(): Promise<BridgeLag>;
}

const RESULTS = [
  ['started', 'started'],
  ['duplicate', 'duplicates'],
  ['dead_lettered', 'deadLettered'],
  ['skipped', 'skipped'],
] as const;

export function registerBridgeMetrics(registry: Registry, bridge: BridgeMetricsSource): void {
  new Counter({
    name: BRIDGE_METRIC_NAMES.entries,
    help: 'Stream entries settled by this bridge since it started, by result (started, duplicate, dead_lettered, skipped)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const stats = bridge.stats();
      this.reset();
      for (const [result, field] of RESULTS) this.inc({ result }, stats[field]);
    },
  });
  new Counter({
    name: BRIDGE_METRIC_NAMES.retries,
    help: 'Starts or acknowledgements that failed (Temporal or Redis down) and were left pending for a retry',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(bridge.stats().retries);
    },
  });
  new Gauge({
    name: BRIDGE_METRIC_NAMES.inFlight,
    help: 'Plan starts under way',
    registers: [registry],
    collect() {
      this.set(bridge.stats().inFlight);
    },
  });
  new Gauge({
    name: BRIDGE_METRIC_NAMES.pending,
    help: 'Entries delivered to the consumer group but not yet acknowledged (XPENDING), all consumers',
    registers: [registry],
    async collect() {
      this.set((await bridge.lag().catch(() => ({ pending: Number.NaN }))).pending);
    },
  });
  new Gauge({
    name: BRIDGE_METRIC_NAMES.behind,
    help: 'Entries in the stream not yet delivered to the consumer group (XINFO GROUPS lag)',
    registers: [registry],
    async collect() {
      const lag = await bridge.lag().catch(() => null);
      this.set(lag?.behind ?? Number.NaN);
    },
  });
}
