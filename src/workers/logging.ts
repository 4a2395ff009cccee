// Structured JSON logs (pino) for the worker process. Temporal's runtime logger (SDK, workflow and
// activity log lines) is routed into the same stream, and every line about a workflow carries its
// workflow id and, for plan workflows, the plan id.
import { pino, type Level, type Logger } from 'pino';
import { logLevelFromEnv } from '../config/process.js';
import type { Env } from '../config/settings.js';
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';

export type { Logger } from 'pino';

const PLAN_WORKFLOW_PREFIX = 'plan-';

/** Field names that may hold credentials: replaced before a line is written. */
const REDACTED_PATHS = [
  'apiKey', 'secret', 'password', 'authorization', 'databaseUrl', 'DATABASE_URL', 'TEMPORAL_API_KEY',
  '*.apiKey', '*.secret', '*.password', '*.authorization', '*.databaseUrl', '*.headers.authorization', '*.headers["x-mbx-apikey"]',
];

/** The process logger: JSON lines on stdout, level from LOG_LEVEL (default info). */
export function createLogger(env?: Env, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level: logLevelFromEnv(env),
    base: { service: 'permit-chain-worker', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** workflowId and, for a plan workflow (`plan-<plan id>`), planId; operator workflows get planId null. */
export function workflowFields(workflowId: unknown): { workflowId?: string; planId?: string | null } {
  if (typeof workflowId !== 'string' || workflowId === '') return {};
  const planId = workflowId.startsWith(PLAN_WORKFLOW_PREFIX) ? workflowId.slice(PLAN_WORKFLOW_PREFIX.length) : null;
  return { workflowId, planId };
}

const TEMPORAL_TO_PINO: Record<LogLevel, Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
/** Lines written by the project's own workflow and activity code (not the SDK's internals). */
const USER_CODE_COMPONENTS = new Set(['workflow', 'activity']);


/** Activity task tokens complete the activity when presented to Temporal: never written to logs. */
const DROPPED_META = new Set(['taskToken']);

/** JSON cannot carry bigint (log timestamps, some core fields): written as decimal strings. Task tokens are dropped. */
export function jsonSafe(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (!DROPPED_META.has(key)) out[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}

/**
 * Temporal's Logger interface over pino. Workflow and activity code log at LOG_LEVEL (pino's level);
 * the SDK's own lines (worker, core) are kept from TEMPORAL_LOG_LEVEL (default WARN) up.
 */
export function temporalLoggerFor(logger: Logger, sdkLevel: LogLevel): TemporalLogger {
  const sdk = logger.child({ component: 'temporal' });
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const component = typeof meta?.['sdkComponent'] === 'string' ? meta['sdkComponent'] : 'worker';
    if (!USER_CODE_COMPONENTS.has(component) && RANK[level] < RANK[sdkLevel]) return;
    const fields = { ...jsonSafe(meta), ...workflowFields(meta?.['workflowId']) };
    sdk[TEMPORAL_TO_PINO[level]](fields, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
