// The fault campaign (issue 12, "How it is checked"): many plans through the real stack — a Temporal dev
// server, `permitctl worker` processes, the paper exchange driven by the real ccxt client, PostgreSQL —
// under a seeded random mix of exchange faults, exchange clock moves and worker SIGKILLs; then the safety
// figures, from the exchange's own records and the store's (figures.ts).
//
// Layout: one lane per symbol runs its plans one after another (one plan in flight per symbol: the
// concurrency of one symbol is another issue); lanes run in parallel. Before each plan its lane draws a
// fault from the mix (faults.ts) and adds it to the exchange's queue (FIFO per method + path, not per
// symbol: it hits whichever request comes next). A clock task moves the exchange clock now and then. A kill
// task SIGKILLs workers at drawn points of the run, some at the very moment an order request arrives (the
// worker that sent it, still waiting for the answer), and starts a replacement each time.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { Decimal } from 'decimal.js';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import type { ChainState } from '../src/domain/chain.js';
import { parsePlan, workflowIdForPlan, type Plan, type PlanAction } from '../src/domain/plan.js';
import { parseScenario, startPaperExchange, type OrderLogEntry, type PaperExchange } from '../src/exchange/paper/index.js';
import { faultInputSchema } from '../src/exchange/paper/faults.js';
import { startPlanWorkflow } from '../src/client/start-plan.js';
import { openStore, type Store } from '../src/store/index.js';
import { drawFault, FaultBook, nextClockOffset } from './faults.js';
import { computeFigures, planIdOfClientOrderId, safetyFailures, type AttemptRecord, type FigureDetails, type FillRecord, type PermitExpiry, type SafetyFigures } from './figures.js';
import type { CampaignOptions, CampaignTiming } from './options.js';
import { intBetween, pick, streamFor, weighted, type Random } from './random.js';
import {
  CAMPAIGN_POSITION,
  campaignScenario,
  campaignSymbols,
  cleanEnv,
  DEFAULT_CAMPAIGN_DATABASE_URL,
  displayUrl,
  dropCampaignSchema,
  newCampaignSchema,
  REFILL_BELOW,
  withPg,
} from './services.js';
import { WorkerPool, type ActivityFinished, type KillRecord } from './workers.js';
import { DEFAULT_CHAIN_POLICY, type ChainPolicy } from '../src/domain/chain-policy.js';
import { randomBytes } from 'node:crypto';
import { dataConverterFromEnv } from '../src/codec/data-converter.js';

const VENUE = 'paper';
const TASK_QUEUE = 'permit-chain-campaign';
/** How kills are made (workers.ts KillRecord): shares of the drawn modes. */
const KILL_MODE_WEIGHTS: ReadonlyArray<{ weight: number; value: KillRecord['mode'] }> = [
  { weight: 4, value: 'in_flight' },
  { weight: 3, value: 'after_permits' },
  { weight: 3, value: 'random' },
];
/** How long a targeted kill waits for its moment (an order request, a permit check), before it kills at random. */
const KILL_ARM_MS = 15_000;
const PROGRESS_EVERY_MS = 10_000;

export interface CampaignReport extends SafetyFigures {
  passed: boolean;
  failures: string[];
  seed: number;
  mode: CampaignOptions['mode'];
  /** Plans submitted (each one a workflow). */
  plans: number;
  /** SIGKILLs sent to live worker processes, each seen to end its process. */
  worker_kills: number;
  worker_kills_asked: number;
  kills_by_mode: Record<KillRecord['mode'], number>;
  /** Plans a lane did not submit because an earlier plan of its symbol never closed. */
  plans_not_submitted: number;
  outcomes: Record<string, number>;
  outcome_reasons: Record<string, number>;
  faults_injected: Record<string, number>;
  faults_taken: Record<string, number>;
  clock_moves: number;
  clock_offset_range_ms: [number, number];
  order_attempts: {
    total: number;
    by_outcome: Record<string, number>;
    placed_found_by_lookup: number;
    max_per_plan: number;
    plans_with_several: number;
  };
  /** Attempts whose fate was settled by a lookup (found, or not found after the settle time): each one a wait. */
  settle_waits: number;
  /** Plans that reported an unclear order step (workflow event `order_unclear`). */
  plans_with_unclear_order_step: number;
  /** Exchange orders that executed after a "status unknown" answer. */
  late_executions: number;
  min_permit_margin_ms: number | null;
  permit_margin_ms: FigureDetails['permit_margin_ms'];
  refills: number;
  duration_s: number;
  plans_per_s: number;
  settings: CampaignTiming & { symbols: number; workers: number; plans_asked: number; plan_timeout_s: number; database: string };
  machine: { cpus: number; cpu_model: string; memory_gb: number; node: string; platform: string };
  started_at: string;
  details: Omit<FigureDetails, 'min_permit_margin_ms' | 'permit_margin_ms' | 'late_executions'> & { kills: KillRecord[] };
  /** With --keep: where the worker logs, the Temporal database and the schema were left. */
  kept?: { data_dir: string; schema: string };
}

interface LaneResult {
  planId: string;
  state: string;
  reason: string | null;
  unclear: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Cleanups run last-in first-out, each one whatever the others did. */
export class Cleanups {
  readonly #steps: Array<{ what: string; run: () => Promise<unknown> }> = [];
  add(what: string, run: () => Promise<unknown>): void {
    this.#steps.push({ what, run });
  }
  async runAll(progress: (line: string) => void): Promise<void> {
    for (const step of this.#steps.reverse()) {
      await step.run().catch((err: unknown) => progress(`clean-up: ${step.what} failed: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}

/** Sorted plan indexes (by submission count) at which the kills fall due: spread over 3 % … 90 % of the run. */
export function killPoints(rng: Random, kills: number, plans: number): number[] {
  const lo = Math.max(1, Math.floor(plans * 0.03));
  const hi = Math.max(lo, Math.floor(plans * 0.9));
  return Array.from({ length: kills }, () => intBetween(rng, lo, hi)).sort((a, b) => a - b);
}

/** Reasons carry exchange messages and ids; keep their stable part for counting. */
function reasonKey(state: string, reason: string | null): string {
  const r = (reason ?? '').replace(/pc[0-9a-z]-\S+/g, '<coid>').replace(/\d{3,}/g, 'N').slice(0, 90);
  return r === '' ? state : `${state}: ${r}`;
}

export async function runCampaign(opts: CampaignOptions, progress: (line: string) => void): Promise<CampaignReport> {
  const startedAt = Date.now();
  const t = opts.timing;
  const databaseUrl = process.env.CAMPAIGN_DATABASE_URL ?? DEFAULT_CAMPAIGN_DATABASE_URL;
  await withPg(databaseUrl, (c) => c.query('SELECT 1')).catch((err: unknown) => {
    throw new Error(`PostgreSQL at ${displayUrl(databaseUrl)} is not reachable (${err instanceof Error ? err.message : String(err)}); set CAMPAIGN_DATABASE_URL`);
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'permit-chain-campaign-'));
  const schema = newCampaignSchema();
  const symbols = campaignSymbols(opts.symbols);
  const cleanups = new Cleanups();
  if (!opts.keep) cleanups.add('remove data folder', async () => rmSync(dataDir, { recursive: true, force: true }));
  if (!opts.keep) cleanups.add('drop schema', () => dropCampaignSchema(databaseUrl, schema));
  progress(`campaign seed ${opts.seed}${opts.seedGiven ? '' : ' (drawn; pass --seed to repeat the choices)'}: ${opts.plans} plans on ${opts.symbols} symbols, ${opts.workers} workers, ${opts.kills} kills; data in ${dataDir}, schema ${schema}`);

  let stopTasks = false;
  const background: Array<Promise<unknown>> = [];
  try {
    // --- the stack -------------------------------------------------------------------------------------
    const bundlePath = join(dataDir, 'workflow-bundle.js');
    // Built once: a worker then starts in ~2-4 s instead of bundling the workflows itself.
    const [started, built] = await Promise.allSettled([startDevServer({ dataDir: join(dataDir, 'temporal'), uiPort: false }), buildWorkflowBundle(bundlePath)]);
    if (started.status === 'fulfilled') cleanups.add('stop Temporal dev server', () => started.value.stop());
    if (started.status === 'rejected') throw started.reason;
    if (built.status === 'rejected') throw built.reason;
    const devServer: DevServer = started.value;
    const paper: PaperExchange = await startPaperExchange({ port: 0, scenario: parseScenario(campaignScenario(symbols)) });
    cleanups.add('close paper exchange', () => paper.close());
    const store: Store = await openStore({ databaseUrl, schema });
    cleanups.add('close store', () => store.close());
    for (const symbol of symbols) {
      await store.adjustLedger({ venue: VENUE, symbol, target: CAMPAIGN_POSITION, who: 'campaign', why: 'set-up: ledger equal to the exchange', command: 'campaign' });
    }
    const connection = await Connection.connect({ address: devServer.address });
    cleanups.add('close Temporal connection', () => connection.close());
    // Workers of a cluster encrypt their payloads: a key for this run, held by this client too.
    const payloadKeys = `campaign=${randomBytes(32).toString('base64')}`;
    const client = new Client({ connection, namespace: devServer.namespace, dataConverter: dataConverterFromEnv({ PAYLOAD_CODEC_KEYS: payloadKeys }) });

    const workerEnv = cleanEnv({
      TEMPORAL_ADDRESS: devServer.address, PAYLOAD_CODEC_KEYS: payloadKeys,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      EXCHANGE_VENUE: VENUE,
      PAPER_EXCHANGE_URL: paper.url,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      LOG_LEVEL: 'debug', // "activity started/finished" lines: which worker is placing which plan's order
      PERMIT_TTL_SECONDS: String(t.permitTtlSeconds),
      ORDER_ATTEMPT_TIMEOUT_MS: String(t.orderAttemptTimeoutMs),
      EXCHANGE_TIMEOUT_MS: String(t.exchangeTimeoutMs),
      ORDER_SETTLE_BOUND_MS: String(t.settleBoundMs),
      EXCHANGE_CLOCK_SKEW_BOUND_MS: String(t.clockSkewBoundMs),
      EXCHANGE_CLOCK_MAX_AGE_MS: String(t.clockMaxAgeMs),
      RECONCILE_WAIT_SECONDS: String(t.reconcileWaitSeconds),
    });
    const policy: ChainPolicy = { ...DEFAULT_CHAIN_POLICY, orderAttemptTimeoutMs: t.orderAttemptTimeoutMs, reconcileWaitSeconds: t.reconcileWaitSeconds };
    const pool = new WorkerPool(workerEnv, dataDir, progress);
    cleanups.add('stop workers', () => pool.stopAll());
    for (let i = 0; i < opts.workers; i++) pool.spawn();
    await pool.waitReady(opts.workers, 180_000);
    progress(`stack up after ${((Date.now() - startedAt) / 1000).toFixed(1)} s: Temporal ${devServer.address}, paper exchange ${paper.url}, ${opts.workers} workers`);

    // --- shared state of the tasks ----------------------------------------------------------------------
    const runStartedAt = Date.now();
    const planIds: string[] = [];
    const results = new Map<string, LaneResult>();
    const openPlans: string[] = [];
    let notSubmitted = 0;
    let refills = 0;
    let lanesSubmitting = symbols.length;
    let injecting = true;
    const book = new FaultBook();
    let clockMoves = 0;
    let clockRange: [number, number] = [0, 0];

    const stopInjecting = () => {
      if (!injecting) return;
      injecting = false;
      book.closeWith(paper.faults.list());
      paper.faults.clear();
      paper.setClockOffset(0);
      progress(`all plans submitted: faults stopped (${book.injectedCount()} injected), exchange clock back to offset 0`);
    };

    // --- kills ------------------------------------------------------------------------------------------
    const killRng = streamFor(opts.seed, 'kills');
    const points = killPoints(killRng, opts.kills, opts.plans);
    const modes = points.map(() => weighted(killRng, KILL_MODE_WEIGHTS));
    let killsDone = 0;
    const killsDueAt = (submitted: number) => points.filter((p) => p <= submitted).length;
    const submissionsOver = () => lanesSubmitting === 0;

    const killInFlight = () =>
      killOnEvent<OrderLogEntry>((onEvent) => paper.orderLog.onRecord(onEvent), (entry) => {
        if (entry.method !== 'POST' || stopTasks) return false;
        const clientOrderId = entry.params['newClientOrderId'] ?? '';
        const planId = planIdOfClientOrderId(clientOrderId)?.planId;
        if (planId === undefined || pool.ready().length < 2) return false;
        const sender = pool.placingWorker(planId);
        // Synchronously, before the exchange handles the request: the sender never hears the answer.
        return sender !== null && pool.kill(sender, 'in_flight', { clientOrderId, planId });
      });

    const killAfterPermits = () =>
      killOnEvent<ActivityFinished>((onEvent) => pool.onPermitCheckFinished(onEvent), ({ worker, planId, outcome }) => {
        if (outcome !== 'completed' || stopTasks || pool.ready().length < 2 || !pool.ready().includes(worker)) return false;
        return pool.kill(worker, 'after_permits', { planId });
      });

    const killTask = async () => {
      while (killsDone < points.length && !stopTasks) {
        if (killsDone >= killsDueAt(planIds.length) && !submissionsOver()) {
          await sleep(100);
          continue;
        }
        if (pool.ready().length < 2) {
          await sleep(200); // a replacement is starting: one worker always keeps running
          continue;
        }
        const mode = modes[killsDone];
        let killed = mode === 'in_flight' ? await killInFlight() : mode === 'after_permits' ? await killAfterPermits() : false;
        if (!killed && !stopTasks && pool.ready().length >= 2) killed = pool.kill(pick(killRng, pool.ready()), 'random');
        if (!killed) {
          await sleep(100);
          continue;
        }
        killsDone += 1;
        const last = pool.kills.at(-1)!;
        const when = last.mode === 'in_flight' ? `as ${last.clientOrderId} arrived` : last.mode === 'after_permits' ? `after a permit check of ${last.planId}` : 'at random';
        progress(`kill ${killsDone}/${points.length}: SIGKILL worker ${last.worker} (pid ${last.pid}) ${when}; starting a replacement`);
        pool.spawn();
      }
    };
    background.push(killTask());

    // --- exchange clock ---------------------------------------------------------------------------------
    const clockTask = async () => {
      const rng = streamFor(opts.seed, 'clock');
      let offset = 0;
      while (!stopTasks) {
        await sleep(intBetween(rng, t.clockMoveMinGapMs, t.clockMoveMaxGapMs));
        if (!injecting || stopTasks) return;
        offset = nextClockOffset(rng, offset, t.clockOffsetLimitMs);
        paper.setClockOffset(offset);
        clockMoves += 1;
        clockRange = [Math.min(clockRange[0], offset), Math.max(clockRange[1], offset)];
      }
    };
    background.push(clockTask());

    // --- progress ---------------------------------------------------------------------------------------
    const progressTask = async () => {
      while (!stopTasks) {
        await sleep(PROGRESS_EVERY_MS);
        if (stopTasks) return;
        progress(`${planIds.length}/${opts.plans} submitted, ${results.size} closed, kills ${killsDone}/${points.length}, workers ready ${pool.ready().length}, faults injected ${book.injectedCount()}, clock offset ${paper.clockOffsetMs()} ms, ${Math.round((Date.now() - runStartedAt) / 1000)} s`);
      }
    };
    background.push(progressTask());

    // --- lanes ------------------------------------------------------------------------------------------
    const refillIfLow = async (symbol: string) => {
      const exchange = paper.state.positionOf(symbol).amount;
      if (exchange.gte(REFILL_BELOW)) return;
      const ledger = new Decimal(await store.ledgerPosition(VENUE, symbol));
      // Never paper over a difference: a symbol whose ledger is off stays off, and counts at the end.
      if (!ledger.eq(exchange)) return;
      paper.state.setPosition(symbol, new Decimal(CAMPAIGN_POSITION));
      await store.adjustLedger({ venue: VENUE, symbol, target: CAMPAIGN_POSITION, who: 'campaign', why: 'refill between plans of the symbol', command: 'campaign' });
      refills += 1;
    };

    const awaitPlan = async (planId: string): Promise<LaneResult | null> => {
      const handle = client.workflow.getHandle(workflowIdForPlan(planId));
      try {
        const state = (await client.withDeadline(Date.now() + opts.planTimeoutMs, () => handle.result())) as ChainState;
        return { planId, state: state.state, reason: state.reason, unclear: state.events.some((e) => e.kind === 'order_unclear') };
      } catch (err) {
        if (err instanceof WorkflowFailedError) return { planId, state: 'WORKFLOW_FAILED', reason: err.cause?.message ?? err.message, unclear: false };
        const status = await handle.describe().then((d) => d.status.name, () => 'UNKNOWN');
        if (status === 'RUNNING' || status === 'UNKNOWN') return null;
        return { planId, state: `WORKFLOW_${status}`, reason: null, unclear: false };
      }
    };

    const runLane = async (lane: number) => {
      const symbol = symbols[lane]!;
      const rng = streamFor(opts.seed, `lane ${lane}`);
      const indexes: number[] = [];
      for (let i = lane; i < opts.plans; i += symbols.length) indexes.push(i);
      let submitting = true;
      const doneSubmitting = () => {
        if (!submitting) return;
        submitting = false;
        lanesSubmitting -= 1;
        if (lanesSubmitting === 0) stopInjecting(); // the last plan of the last lane is on its way
      };
      try {
        for (const [k, index] of indexes.entries()) {
          const action: PlanAction = rng() < 0.6 ? 'PARTIAL_25' : 'PARTIAL_50';
          const fault = drawFault(rng, t);
          // Kills keep pace with the plans: no plan is submitted while two or more kills are overdue.
          for (let waited = 0; killsDueAt(planIds.length) - killsDone > 1 && waited < 120_000; waited += 100) await sleep(100);
          await refillIfLow(symbol);
          if (fault.input !== null && injecting) book.added(paper.faults.add(faultInputSchema.parse(fault.input)), fault.kind);
          const now = Date.now();
          const parsed = parsePlan(
            { plan_id: `cmp${opts.seed.toString(36)}-${index.toString(36)}`, symbol, action, kill_score: 0.5 + rng() * 0.49, decision: 'EXECUTE', timestamp: Math.floor(now / 1000) },
            { now },
          );
          if (!parsed.ok) throw new Error(`campaign plan does not validate: ${JSON.stringify(parsed.errors)}`);
          const plan: Plan = parsed.plan;
          await startWithRetries(() => startPlanWorkflow(client, plan, { taskQueue: TASK_QUEUE, policy }));
          planIds.push(plan.plan_id);
          if (k === indexes.length - 1) doneSubmitting();
          const result = await awaitPlan(plan.plan_id);
          if (result === null) {
            openPlans.push(plan.plan_id);
            notSubmitted += indexes.length - k - 1;
            progress(`plan ${plan.plan_id} (${symbol}) still open after ${opts.planTimeoutMs / 1000} s: ${symbol} takes no more plans`);
            return;
          }
          results.set(plan.plan_id, result);
        }
      } finally {
        doneSubmitting();
      }
    };
    await Promise.all(symbols.map((_, lane) => runLane(lane)));
    stopInjecting();
    const plansDoneAt = Date.now();

    // Kills still due run now (bounded), so that the count asked is reached when it can be.
    await Promise.race([background[0], sleep(120_000)]);
    stopTasks = true;
    await pool.settleKills();

    // --- records, and the figures ----------------------------------------------------------------------
    const stillOpen: string[] = [];
    for (const planId of openPlans) {
      const status = await client.workflow.getHandle(workflowIdForPlan(planId)).describe().then((d) => d.status.name, () => 'UNKNOWN');
      if (status === 'RUNNING' || status === 'UNKNOWN') stillOpen.push(planId);
    }
    const exchangePositions = Object.fromEntries(symbols.map((s) => [s, paper.state.positionOf(s).amount.toFixed()]));
    const ledgerPositions = Object.fromEntries((await store.ledgerPositions()).filter((p) => p.venue === VENUE).map((p) => [p.symbol, p.position]));
    const { attempts, permits, fills } = await withPg(databaseUrl, (c) => storeRecords(c, schema));
    const { figures, details } = computeFigures({
      symbols,
      planIds,
      openPlanIds: stillOpen,
      exchangeOrders: paper.state.listOrders(),
      orderLog: paper.orderLog.list(),
      exchangePositions,
      ledgerPositions,
      attempts,
      permits,
      fills,
    });
    const workerKills = pool.confirmedKills();
    const failures = safetyFailures(figures, { asked: opts.kills, done: workerKills });

    const count = <T>(items: readonly T[], key: (x: T) => string) => {
      const out: Record<string, number> = {};
      for (const x of items) out[key(x)] = (out[key(x)] ?? 0) + 1;
      return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
    };
    const laneResults = [...results.values()];
    const attemptsPerPlan = count(attempts, (a) => a.planId);
    const runSeconds = (plansDoneAt - runStartedAt) / 1000;
    const report: CampaignReport = {
      passed: failures.length === 0,
      failures,
      seed: opts.seed,
      mode: opts.mode,
      plans: planIds.length,
      ...figures,
      worker_kills: workerKills,
      worker_kills_asked: opts.kills,
      kills_by_mode: { in_flight: pool.kills.filter((k) => k.mode === 'in_flight').length, after_permits: pool.kills.filter((k) => k.mode === 'after_permits').length, random: pool.kills.filter((k) => k.mode === 'random').length },
      plans_not_submitted: notSubmitted,
      outcomes: count(laneResults, (r) => r.state),
      outcome_reasons: count(laneResults, (r) => reasonKey(r.state, r.reason)),
      faults_injected: book.injected,
      faults_taken: book.taken(),
      clock_moves: clockMoves,
      clock_offset_range_ms: clockRange,
      order_attempts: {
        total: attempts.length,
        by_outcome: count(attempts, (a) => a.outcome),
        placed_found_by_lookup: attempts.filter((a) => a.outcome === 'placed' && a.detail === 'found by lookup').length,
        max_per_plan: Math.max(0, ...Object.values(attemptsPerPlan)),
        plans_with_several: Object.values(attemptsPerPlan).filter((n) => n > 1).length,
      },
      settle_waits: attempts.filter((a) => a.outcome === 'not_found' || (a.outcome === 'placed' && a.detail === 'found by lookup')).length,
      plans_with_unclear_order_step: laneResults.filter((r) => r.unclear).length,
      late_executions: details.late_executions,
      min_permit_margin_ms: details.min_permit_margin_ms,
      permit_margin_ms: details.permit_margin_ms,
      refills,
      duration_s: Math.round((Date.now() - startedAt) / 100) / 10,
      plans_per_s: runSeconds > 0 ? Math.round((planIds.length / runSeconds) * 100) / 100 : 0,
      settings: { ...t, symbols: opts.symbols, workers: opts.workers, plans_asked: opts.plans, plan_timeout_s: opts.planTimeoutMs / 1000, database: displayUrl(databaseUrl) },
      machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` },
      started_at: new Date(startedAt).toISOString(),
      details: {
        plans_with_several_orders: details.plans_with_several_orders,
        unparsable: details.unparsable,
        after_permit_expiry: details.after_permit_expiry,
        without_attempt: details.without_attempt,
        open_plans: details.open_plans,
        pending_attempts: details.pending_attempts,
        ledger_mismatch: details.ledger_mismatch,
        double_booked: details.double_booked,
        orders_not_booked: details.orders_not_booked,
        fills_qty_mismatch: details.fills_qty_mismatch,
        kills: pool.kills,
      },
      ...(opts.keep ? { kept: { data_dir: dataDir, schema } } : {}),
    };
    return report;
  } finally {
    stopTasks = true;
    await Promise.race([Promise.allSettled(background), sleep(20_000)]);
    await cleanups.runAll(progress);
  }
}

export async function startWithRetries<T>(start: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= tries) throw err;
      await sleep(500 * i);
    }
  }
}

async function storeRecords(c: import('pg').Client, schema: string): Promise<{ attempts: AttemptRecord[]; permits: PermitExpiry[]; fills: FillRecord[] }> {
  const attempts = await c.query<{ plan_id: string; attempt_no: number; client_order_id: string; outcome: string; governor_permit_id: string; position_permit_id: string; exchange_order_id: string | null; detail: string | null }>(
    `SELECT plan_id, attempt_no, client_order_id, outcome, governor_permit_id, position_permit_id, exchange_order_id, detail FROM ${schema}.order_attempts ORDER BY plan_id, attempt_no`,
  );
  const permits = await c.query<{ permit_id: string; expires_at: Date }>(`SELECT permit_id, expires_at FROM ${schema}.permits`);
  const fills = await c.query<{ plan_id: string; client_order_id: string; exchange_order_id: string; qty: string }>(
    `SELECT plan_id, client_order_id, exchange_order_id, qty::text AS qty FROM ${schema}.ledger_fills`,
  );
  return {
    attempts: attempts.rows.map((r) => ({
      planId: r.plan_id,
      attemptNo: Number(r.attempt_no),
      clientOrderId: r.client_order_id,
      outcome: r.outcome,
      governorPermitId: r.governor_permit_id,
      positionPermitId: r.position_permit_id,
      exchangeOrderId: r.exchange_order_id,
      detail: r.detail,
    })),
    permits: permits.rows.map((r) => ({ permitId: r.permit_id, expiresAtMs: r.expires_at.getTime() })),
    fills: fills.rows.map((r) => ({ planId: r.plan_id, clientOrderId: r.client_order_id, exchangeOrderId: r.exchange_order_id, qty: r.qty })),
  };
}

/**
 * Listens (`subscribe` returns its unsubscribe) until `tryKill` kills on an event, or KILL_ARM_MS pass:
 * true when a kill happened.
 */
function killOnEvent<E>(subscribe: (onEvent: (event: E) => void) => () => void, tryKill: (event: E) => boolean): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let off = () => {};
    const done = (killed: boolean) => {
      clearTimeout(timer);
      off();
      resolve(killed);
    };
    const timer = setTimeout(() => done(false), KILL_ARM_MS);
    off = subscribe((event) => {
      if (tryKill(event)) done(true);
    });
  });
}
