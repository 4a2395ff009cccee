// The Temporal runtime of this process: installed once, before any connection is made.
import { DefaultLogger, Runtime, type LogEntry, type Logger } from '@temporalio/worker';
import { jsonSafe } from './logging.js';
import { CHAIN_LATENCY_BUCKETS_MS, METRIC_NAMES } from './metrics.js';
import { temporalLogLevelFromEnv } from '../config/process.js';
import type { Env } from '../config/settings.js';

let installed = false;

export interface TemporalRuntimeOptions {
  /** Where SDK, workflow and activity log lines go (default: text lines on stderr at TEMPORAL_LOG_LEVEL). */
  logger?: Logger;
  /** host:port of the runtime's Prometheus exporter (the worker process keeps it on loopback). */
  prometheusBindAddress?: string;
  /** Signals on which the runtime shuts workers down itself (default: the SDK's); [] to handle them yourself. */
  shutdownSignals?: NodeJS.Signals[];
}

/** One text line for stderr (`up`, `demo`, the embedded stack): the same metadata rules as the JSON log, task tokens dropped. */
export function stderrLine(entry: LogEntry): string {
  const meta = entry.meta ? ` ${JSON.stringify(jsonSafe(entry.meta))}` : '';
  return `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${meta}\n`;
}

function stderrLogger(env: Env | undefined): Logger {
  return new DefaultLogger(temporalLogLevelFromEnv(env), (entry) => {
    process.stderr.write(stderrLine(entry));
  });
}

function prometheusMetrics(bindAddress: string) {
  return {
    prometheus: {
      bindAddress,
      // The workflow's metricMeter records the chain latency in ms (src/workflows/chain-recorder.ts).
      histogramBucketOverrides: { [METRIC_NAMES.chainLatency]: CHAIN_LATENCY_BUCKETS_MS },
    },
  };
}

/** SDK log lines go to stderr at TEMPORAL_LOG_LEVEL (default WARN) unless a logger is given. */
export function installTemporalRuntime(env?: Env, opts: TemporalRuntimeOptions = {}): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: opts.logger ?? stderrLogger(env),
    ...(opts.shutdownSignals ? { shutdownSignals: opts.shutdownSignals } : {}),
    ...(opts.prometheusBindAddress ? { telemetryOptions: { metrics: prometheusMetrics(opts.prometheusBindAddress) } } : {}),
  });
}
