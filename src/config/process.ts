// Settings every permitctl process shares: log levels, who an operator is, where the Temporal CLI is.
import { hostname, userInfo } from 'node:os';
import { readSettingsOf, type Env, type LOG_LEVELS, type TEMPORAL_LOG_LEVELS } from './settings.js';

export type LogLevel = (typeof LOG_LEVELS)[number];
export type TemporalLogLevel = (typeof TEMPORAL_LOG_LEVELS)[number];

/** LOG_LEVEL of the JSON logs (default info). */
export function logLevelFromEnv(env: Env = process.env): LogLevel {
  return readSettingsOf(env, ['LOG_LEVEL']).LOG_LEVEL;
}

/** TEMPORAL_LOG_LEVEL of the SDK core's log lines (default WARN). */
export function temporalLogLevelFromEnv(env: Env = process.env): TemporalLogLevel {
  return readSettingsOf(env, ['TEMPORAL_LOG_LEVEL']).TEMPORAL_LOG_LEVEL;
}

/** Who an operator action is recorded as: PERMITCTL_OPERATOR, else user@host. */
export function operatorName(env: Env = process.env): string {
  return readSettingsOf(env, ['PERMITCTL_OPERATOR']).PERMITCTL_OPERATOR ?? `${userInfo().username}@${hostname()}`;
}

/** TEMPORAL_CLI as given, and the PATH to look for `temporal` on. */
export function temporalCliSettings(env: Env = process.env): { given: string | null; path: string } {
  const s = readSettingsOf(env, ['TEMPORAL_CLI', 'PATH']);
  return { given: s.TEMPORAL_CLI ?? null, path: s.PATH };
}
