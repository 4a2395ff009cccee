// The campaign's worker processes: `permitctl worker` children (as the tests and the image run them),
// their output written to a file per worker and read for two things: "worker ready", and which plan's
// placeOrder each one is running (debug lines "activity started/finished"), so that a kill can hit the
// worker that is waiting for an order's answer. Every kill is a SIGKILL to a live process, by pid, and is
// counted once its exit with SIGKILL is seen.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_COMMAND } from '../src/workers/worker-command.js';

const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface CampaignWorker {
  /** 1, 2, 3 … in spawn order. */
  n: number;
  pid: number;
  logFile: string;
  startedAt: number;
  readyAt: number | null;
  exit: { code: number | null; signal: NodeJS.Signals | null; at: number } | null;
  /** Plan ids whose placeOrder activity runs on this worker now (from its log). */
  placing: Set<string>;
  killedByCampaign: boolean;
}

export interface KillRecord {
  worker: number;
  pid: number;
  at: number;
  /**
   * in_flight: at the arrival of an order request, the worker whose placeOrder sent it (still waiting for
   * the answer); after_permits: the worker that just finished a plan's permit check (a local activity: the
   * workflow task dies with it and another worker resumes the plan later, with the permits first recorded);
   * random: any ready worker at a random moment.
   */
  mode: 'in_flight' | 'after_permits' | 'random';
  /** The plan (in_flight: the client order id) at whose step the worker was killed. */
  clientOrderId?: string;
  planId?: string;
}

/** A permit check (or other activity) a worker reported finished, read from its log as the line arrives. */
export interface ActivityFinished {
  worker: CampaignWorker;
  activity: string;
  planId: string;
  outcome: string;
}

/** The permit checks: local activities run inside the plan's workflow task. */
const PERMIT_ACTIVITIES: ReadonlySet<string> = new Set(['issueGovernorPermit', 'checkPositionState']);

interface Entry {
  worker: CampaignWorker;
  child: ChildProcess;
  log: WriteStream;
  exited: Promise<void>;
}

export class WorkerPool {
  readonly #entries: Entry[] = [];
  readonly kills: KillRecord[] = [];
  #confirmedKills = 0;
  #startFailures = 0;
  #stopping = false;
  readonly #finishedListeners = new Set<(e: ActivityFinished) => void>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    private readonly progress: (line: string) => void,
    private readonly readyTimeoutMs = 120_000,
  ) {}

  /** Starts one more worker; a worker that exits before it is ready is replaced (up to 5 times in a row). */
  spawn(): CampaignWorker {
    const n = this.#entries.length + 1;
    const [, ...args] = WORKER_COMMAND;
    const child = spawn(process.execPath, args, {
      env: { HEALTH_PORT: '0', METRICS_PORT: '0', ...this.env },
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logFile = join(this.logDir, `worker-${n}-${child.pid}.log`);
    const log = createWriteStream(logFile);
    const worker: CampaignWorker = { n, pid: child.pid ?? -1, logFile, startedAt: Date.now(), readyAt: null, exit: null, placing: new Set(), killedByCampaign: false };
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        worker.exit = { code, signal, at: Date.now() };
        worker.placing.clear();
        if (worker.killedByCampaign && signal === 'SIGKILL') this.#confirmedKills += 1;
        log.end();
        if (worker.readyAt === null && !worker.killedByCampaign && !this.#stopping) {
          this.#startFailures += 1;
          this.progress(`worker ${n} (pid ${worker.pid}) exited (${code ?? signal}) before it was ready; see ${logFile}`);
          if (this.#startFailures <= 5) this.spawn();
        }
        resolve();
      });
    });
    let pending = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.#read(worker, line);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const timer = setTimeout(() => {
      if (worker.readyAt === null && worker.exit === null) this.progress(`worker ${n} (pid ${worker.pid}) not ready after ${this.readyTimeoutMs} ms; see ${logFile}`);
    }, this.readyTimeoutMs);
    timer.unref();
    this.#entries.push({ worker, child, log, exited });
    return worker;
  }

  #read(worker: CampaignWorker, line: string): void {
    if (worker.readyAt === null && line.includes('worker ready')) {
      worker.readyAt = Date.now();
      this.#startFailures = 0;
      this.progress(`worker ${worker.n} (pid ${worker.pid}) ready after ${((worker.readyAt - worker.startedAt) / 1000).toFixed(1)} s`);
      return;
    }
    if (!line.startsWith('{') || !line.includes('"activity ')) return;
    let parsed: { msg?: unknown; activity?: unknown; planId?: unknown; outcome?: unknown };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      return;
    }
    const { activity, planId } = parsed;
    if (typeof activity !== 'string' || typeof planId !== 'string') return;
    if (activity === 'placeOrder') {
      if (parsed.msg === 'activity started') worker.placing.add(planId);
      else if (parsed.msg === 'activity finished') worker.placing.delete(planId);
    } else if (parsed.msg === 'activity finished' && PERMIT_ACTIVITIES.has(activity)) {
      const event = { worker, activity, planId, outcome: String(parsed.outcome) };
      for (const listener of this.#finishedListeners) listener(event);
    }
  }

  /** Calls `listener` as a worker's log reports a permit check finished; returns the unsubscribe function. */
  onPermitCheckFinished(listener: (e: ActivityFinished) => void): () => void {
    this.#finishedListeners.add(listener);
    return () => this.#finishedListeners.delete(listener);
  }

  /** Workers alive and polling (a worker sent SIGKILL counts as gone at once, before its exit is seen). */
  ready(): CampaignWorker[] {
    return this.alive().filter((w) => w.readyAt !== null);
  }

  alive(): CampaignWorker[] {
    return this.#entries.filter((e) => isAlive(e.child) && !e.worker.killedByCampaign).map((e) => e.worker);
  }

  all(): CampaignWorker[] {
    return this.#entries.map((e) => e.worker);
  }

  /** The ready worker running this plan's placeOrder, if its log said so. */
  placingWorker(planId: string): CampaignWorker | null {
    return this.ready().find((w) => w.placing.has(planId)) ?? null;
  }

  /** SIGKILL, by pid, to a live worker; false (and nothing sent) when it is no longer alive. */
  kill(worker: CampaignWorker, mode: KillRecord['mode'], at: { clientOrderId?: string; planId?: string } = {}): boolean {
    const entry = this.#entries.find((e) => e.worker === worker);
    if (!entry || !isAlive(entry.child) || worker.killedByCampaign) return false;
    worker.killedByCampaign = true;
    if (!entry.child.kill('SIGKILL')) {
      worker.killedByCampaign = false;
      return false;
    }
    this.kills.push({ worker: worker.n, pid: worker.pid, at: Date.now(), mode, ...at });
    return true;
  }

  /** Kills whose exit by SIGKILL was seen. */
  confirmedKills(): number {
    return this.#confirmedKills;
  }

  /** Waits until every campaign kill sent so far has been seen to end its process (bounded). */
  async settleKills(timeoutMs = 10_000): Promise<void> {
    const killed = this.#entries.filter((e) => e.worker.killedByCampaign).map((e) => e.exited);
    await Promise.race([Promise.all(killed), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  async waitReady(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.ready().length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.ready().length} of ${count} workers ready after ${timeoutMs} ms; logs in ${this.logDir}`);
      if (this.#startFailures > 5) throw new Error(`workers keep exiting before they are ready; logs in ${this.logDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Clean-up: SIGKILL by pid to every worker still alive (not counted as campaign kills). */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    for (const e of this.#entries) {
      if (isAlive(e.child)) e.child.kill('SIGKILL');
    }
    await Promise.race([Promise.all(this.#entries.map((e) => e.exited)), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
