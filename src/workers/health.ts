// Liveness and readiness of the worker process, served from its own state:
//   GET /livez  → 200 while the process (its event loop) answers;
//   GET /readyz → 200 only while the worker is RUNNING, Temporal answers and the store answers;
//                 503 while starting, and from the moment draining starts (SIGTERM) until exit.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { send } from './http-listen.js';

export interface ReadinessSources {
  /** worker.getState(): INITIALIZED, RUNNING, STOPPING, DRAINING, DRAINED, STOPPED, FAILED. */
  workerState(): string;
  /** Resolves when Temporal answers a cheap call (GetSystemInfo). */
  pingTemporal(): Promise<unknown>;
  /** Resolves when the store answers a cheap read. */
  pingStore(): Promise<unknown>;
}

export interface ReadinessReport {
  ready: boolean;
  /** starting | draining | the worker's state. */
  state: string;
  checks: Record<string, string>;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(run: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(run(), CHECK_TIMEOUT_MS);
    return 'ok';
  } catch (err) {
    return `failing: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export class WorkerHealth {
  #sources: ReadinessSources | null = null;
  #draining = false;

  /** The worker exists: readiness now follows its state and its dependencies. */
  attach(sources: ReadinessSources): void {
    this.#sources = sources;
  }

  /** Shutdown began: not ready from now on, whatever the worker's state still says. */
  markDraining(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  async readiness(): Promise<ReadinessReport> {
    if (this.#draining) return { ready: false, state: 'draining', checks: {} };
    const sources = this.#sources;
    if (!sources) return { ready: false, state: 'starting', checks: {} };
    const state = sources.workerState();
    if (state !== 'RUNNING') return { ready: false, state, checks: {} };
    const [temporal, store] = await Promise.all([check(sources.pingTemporal), check(sources.pingStore)]);
    // Draining may have begun while the checks ran.
    const ready = temporal === 'ok' && store === 'ok' && !this.#draining && sources.workerState() === 'RUNNING';
    return { ready, state: this.#draining ? 'draining' : sources.workerState(), checks: { temporal, store } };
  }
}

async function route(health: WorkerHealth, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, JSON.stringify({ error: 'method not allowed' }));
  if (path === '/livez') return send(res, 200, JSON.stringify({ status: 'alive', draining: health.draining }));
  if (path === '/readyz') {
    const report = await health.readiness();
    return send(res, report.ready ? 200 : 503, JSON.stringify(report));
  }
  send(res, 404, JSON.stringify({ error: 'not found', paths: ['/livez', '/readyz'] }));
}

export function createHealthServer(health: WorkerHealth): Server {
  return createServer((req, res) => {
    route(health, req, res).catch((err: unknown) => send(res, 500, JSON.stringify({ error: String(err) })));
  });
}
