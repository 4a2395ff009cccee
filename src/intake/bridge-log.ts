// The bridge's structured log: one JSON line per event on stderr (stdout stays for command output).
import { pino, type Logger } from 'pino';
import { logLevelFromEnv } from '../config/process.js';
import type { Env } from '../config/settings.js';

export type BridgeLogger = Logger;

export function createBridgeLogger(env?: Env, name = 'permit-bridge'): BridgeLogger {
  return pino({ name, level: logLevelFromEnv(env) }, pino.destination({ fd: 2, sync: true }));
}

export { errorText } from '../domain/error-text.js';
