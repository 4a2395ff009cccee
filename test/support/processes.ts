// Child processes of the tests: permitctl commands and worker processes, always stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../temporal/dev-server.js';
import { WORKER_COMMAND } from '../../src/workers/worker-command.js';

export const PERMITCTL = fileURLToPath(new URL('../../bin/permitctl.js', import.meta.url));
export { WORKER_COMMAND } from '../../src/workers/worker-command.js';
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `permitctl ARGS` to completion (stdin optional) and gives its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, stdin?: string, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PERMITCTL, ...args], { env, cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`permitctl ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

export interface WorkerProcess {
  pid: number;
  /** Resolves once the worker polls its task queue. */
  ready: Promise<void>;
  output(): string;
  /** SIGKILL: no graceful shutdown, in-flight activities are lost. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGTERM only: the worker drains; watch `exit` for how and when it ended. */
  terminate(): void;
  /** Resolves when the process has exited: exit code or signal, and the time (epoch ms) it was seen. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** `permitctl worker` as its own process, configured through the environment only. */
export function spawnWorker(env: NodeJS.ProcessEnv, readyTimeoutMs = 60_000): WorkerProcess {
  // Health and metrics servers on free ports unless the test names them: workers never collide.
  const fullEnv = { HEALTH_PORT: '0', METRICS_PORT: '0', ...env };
  const [, ...args] = WORKER_COMMAND;
  const child = spawn(process.execPath, args, { env: fullEnv, cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${child.pid} not ready after ${readyTimeoutMs} ms: ${output}`)), readyTimeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker ${child.pid} exited (${code ?? signal}) before it was ready: ${output}`));
    });
  });
  ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  return {
    exit,
    terminate: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
    pid: child.pid ?? -1,
    ready,
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    },
    stop: () => stopChild(child, 15_000),
  };
}
