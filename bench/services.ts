// What the bench runs beside the embedded stack so that the process it measures holds the worker (and
// the client) only, as in production: the paper exchange as its own process (an exchange is never in the
// worker) and the ledger in PostgreSQL (production's ledger), in a fresh schema dropped afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stopChild } from '../temporal/dev-server.js';

const PERMITCTL = fileURLToPath(new URL('../bin/permitctl.js', import.meta.url));

/** The machine's PostgreSQL (BENCH_DATABASE_URL overrides it). */
export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function postgresReachable(url: string): Promise<boolean> {
  return withPg(url, (c) => c.query('SELECT 1')).then(() => true, () => false);
}

/** A schema name the store creates on first use; `dropBenchSchema` removes it. */
export function newBenchSchema(): string {
  return `bench_${randomBytes(6).toString('hex')}`;
}

export async function dropBenchSchema(url: string, schema: string): Promise<void> {
  if (!/^bench_[0-9a-f]{12}$/.test(schema)) throw new Error(`refusing to drop schema ${schema}: not a bench schema`);
  await withPg(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** Redacts the password of a connection URL for the report. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/[^@]*@/, '//');
}

export interface PaperProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `permitctl paper --port 0` as a child process; resolves with the URL it prints. */
export async function startPaperProcess(scenarioPath: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<PaperProcess> {
  const child = spawn(process.execPath, [PERMITCTL, 'paper', '--port', '0', '--scenario', scenarioPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => stopChild(child);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`paper exchange not listening after ${timeoutMs} ms: ${output.slice(-2000)}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000); // keep draining: a full pipe would block it
        const match = /paper exchange listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`paper exchange exited (${code}) before listening: ${output.slice(-2000)}`));
      });
    });
    return { url, pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
