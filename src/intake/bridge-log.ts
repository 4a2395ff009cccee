// The bridge's structured log: one JSON line per event on stderr (stdout stays for command output).
import { pino, type Logger } from 'pino';

export type BridgeLogger = Logger;

export function createBridgeLogger(env: NodeJS.ProcessEnv = process.env, name = 'permit-bridge'): BridgeLogger {
  return pino({ name, level: env.LOG_LEVEL || 'info' }, pino.destination({ fd: 2, sync: true }));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
