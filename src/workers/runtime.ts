// The Temporal runtime of this process: installed once, before any connection is made.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/** SDK log lines go to stderr at TEMPORAL_LOG_LEVEL (default WARN), keeping command output clean. */
export function installTemporalRuntime(env: NodeJS.ProcessEnv = process.env): void {
  if (installed) return;
  installed = true;
  const level = (env.TEMPORAL_LOG_LEVEL ?? 'WARN') as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      process.stderr.write(`${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${entry.meta ? ` ${JSON.stringify(entry.meta, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}` : ''}\n`);
    }),
  });
}
