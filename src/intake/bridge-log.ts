// The bridge's structured log: one JSON line per event on stderr (stdout stays for command output).
import { pino, type Logger } from 'pino';
import { logLevelFromEnv } from '../config/process.js';
import type { Env } from '../config/settings.js';

export type BridgeLogger = Logger;

export function createBridgeLogger(env?: Env, name = 'permit-bridge'): BridgeLogger {
  return pino({ name, level: logLevelFromEnv(env) }, pino.destination({ fd: 2, sync: true }));
}

/** The error's message with its causes ("Failed to start Workflow: 14 UNAVAILABLE: …"). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  return cause instanceof Error && !err.message.includes(cause.message) ? `${err.message}: ${errorText(cause)}` : err.message;
}
