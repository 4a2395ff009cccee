// Launches the Temporal CLI's dev server (server + Web UI + SQLite file) with the project's search
// attributes registered, and stops it by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../src/workflows/contract.js';
import { freePort } from '../src/workers/ports.js';
import { temporalCliPath } from './cli-path.js';

export interface DevServerOptions {
  /** Folder for the SQLite file and the server log; workflows survive a restart on the same folder. */
  dataDir: string;
  /** gRPC port; 0 or undefined picks a free one. */
  port?: number;
  /** Web UI port; 0 picks a free one; `false` runs headless. */
  uiPort?: number | false;
  namespace?: string;
  readyTimeoutMs?: number;
  /** The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export function devServerArgs(opts: { dbFile: string; port: number; uiPort: number | false; namespace: string; uiCodecEndpoint?: string }): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--db-filename', opts.dbFile, '--log-level', 'warn'];
  // WAL with synchronous=normal: measured ~60 fsyncs per plan fewer and about twice the plans/s on this
  // embedded default (docs/benchmarks.md). The cost: an OS crash (not a process crash) can lose the last
  // transactions of the local dev server; clusters are not affected.
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  if (opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  if (opts.uiPort === false) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  if (opts.uiPort !== false && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  for (const sa of SEARCH_ATTRIBUTE_DECLARATIONS) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  return args;
}

/** A port picked free can be taken by another process before the server binds it: a few fresh picks. */
const PORT_RACE_RETRIES = 3;

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      const portsArePicked = !opts.port && (opts.uiPort === false || !opts.uiPort);
      if (!(err instanceof PortTakenError) || !portsArePicked || attempt >= PORT_RACE_RETRIES) throw err;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(opts: DevServerOptions): Promise<DevServer> {
  const port = opts.port || (await freePort());
  const uiPort = opts.uiPort === false ? false : opts.uiPort || (await freePort());
  const namespace = opts.namespace ?? 'default';
  const logFile = join(opts.dataDir, 'temporal-dev-server.log');
  const log = openSync(logFile, 'a');
  const child = spawn(temporalCliPath(), devServerArgs({ dbFile: join(opts.dataDir, 'temporal.db'), port, uiPort, namespace, ...(opts.uiCodecEndpoint ? { uiCodecEndpoint: opts.uiCodecEndpoint } : {}) }), {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const address = `127.0.0.1:${port}`;
  const stop = () => stopChild(child);
  try {
    await waitUntilServing(address, namespace, child, opts.readyTimeoutMs ?? 60_000, logFile);
  } catch (err) {
    await stop();
    if (child.exitCode !== null && /address already in use/i.test(readLog(logFile))) throw new PortTakenError(String(err));
    throw err;
  }
  return { address, namespace, uiUrl: uiPort === false ? null : `http://127.0.0.1:${uiPort}`, pid: child.pid ?? -1, logFile, stop };
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').slice(-20_000);
  } catch {
    return '';
  }
}

async function waitUntilServing(address: string, namespace: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited with code ${child.exitCode}; see ${logFile}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server on ${address} not ready after ${timeoutMs} ms (${String(lastError)}); see ${logFile}`);
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
