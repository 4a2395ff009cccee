// The concurrency campaign (issue 13, "How it is checked"): plans of one symbol submitted in bursts of five or
// more at once, on several symbols in parallel, through the real stack — a Temporal dev server with the drift
// sweep's Schedule (DRIFT_ACTION=pause), `permitctl worker` processes (some SIGKILLed and replaced), the paper
// exchange through the real ccxt client, PostgreSQL — with partial fills, operator reconciles racing the
// bookings, and manual position changes on the exchange between bursts that the sweep must find. The figures
// (concurrency-figures.ts) come from the exchange's own record of every position change and the store's.
//
// Layout: one lane per symbol. A lane submits a burst of plans at once, maybe with partial-fill faults and an
// operator reconcile at a random moment during it, waits for them all, then maybe changes the symbol's
// position by hand (a drift; also how a low position is topped up), waits for the sweep to find it, and
// reconciles it as an operator would. Lanes run in parallel; a kill task SIGKILLs workers now and then.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { Decimal } from 'decimal.js';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle.js';
import { startDevServer } from '../temporal/dev-server.js';
import { reconcileSymbol } from '../src/client/operator.js';
import { ensureDriftSchedule } from '../src/client/drift.js';
import type { ChainState } from '../src/domain/chain.js';
import { parsePlan, workflowIdForPlan, type Plan, type PlanAction } from '../src/domain/plan.js';
import { faultInputSchema } from '../src/exchange/paper/faults.js';
import { parseScenario, startPaperExchange, type PaperExchange } from '../src/exchange/paper/index.js';
import { startPlanWorkflow } from '../src/client/start-plan.js';
import { openStore, type Store } from '../src/store/index.js';
import { Cleanups, startWithRetries } from './campaign.js';
import { computeConcurrencyFigures, concurrencyFailures, type BookedIncrement, type CampaignPlan, type ConcurrencyDetails, type ConcurrencyFigures, type DriftInjection, type SyncRecord } from './concurrency-figures.js';
import type { ConcurrencyOptions } from './concurrency-options.js';
import { computeFigures, safetyFailures, type AttemptRecord, type PermitExpiry, type SafetyFigures } from './figures.js';
import { intBetween, pick, streamFor, weighted, type Random } from './random.js';
import { cleanEnv, DEFAULT_CAMPAIGN_DATABASE_URL, displayUrl, dropCampaignSchema, newCampaignSchema, withPg } from './services.js';
import { longPositionsScenario } from '../bench/markets.js';
import { WorkerPool } from './workers.js';
import { DEFAULT_CHAIN_POLICY, type ChainPolicy } from '../src/domain/chain-policy.js';
import { randomBytes } from 'node:crypto';
import { dataConverterFromEnv } from '../src/codec/data-converter.js';

const VENUE = 'paper';
const TASK_QUEUE = 'permit-chain-concurrency';
const OPERATOR = 'campaign-operator';
const STEP = '0.001';
/** Every lane's market starts long this much; a position below REFILL_BELOW after a burst is topped up by hand (a drift). */
const START_POSITION = '1000';
const REFILL_BELOW = new Decimal(5);
/** How long the exchange must differ from the ledger before an aimed reconcile goes (ms). */
const AIM_MISMATCH_MS = 60;
/** The smallest drift injected: ten times the default position tolerance (0.001). */
const DRIFT_FLOOR = new Decimal('0.01');
const ACTIONS: ReadonlyArray<{ weight: number; value: PlanAction }> = [
  { weight: 55, value: 'PARTIAL_25' },
  { weight: 33, value: 'PARTIAL_50' },
  { weight: 8, value: 'PARTIAL_75' },
  { weight: 4, value: 'FULL_CLOSE' },
];

export type ConcurrencyReport = ConcurrencyFigures &
  Pick<SafetyFigures, 'orders' | 'max_orders_per_plan' | 'orders_after_permit_expiry' | 'plans_unsettled' | 'double_booked_fills'> & {
    passed: boolean;
    failures: string[];
    seed: number;
    mode: ConcurrencyOptions['mode'];
    plans: number;
    symbols: number;
    bursts: number;
    max_plans_of_a_symbol_at_once: number;
    plans_waited_for_turn: number;
    max_turn_wait_ms: number;
    outcomes: Record<string, number>;
    outcome_reasons: Record<string, number>;
    /** Operator reconciles during bursts (aimed: at a fill not booked yet) and after drifts; syncs_recorded: ledger syncs written with their exchange reading. */
    reconciles: { during_bursts: number; aimed: number; for_drift: number; failed: number; syncs_recorded: number };
    partial_fills: { injected: number; taken: number };
    drift_findings: number;
    sweeps: { total: number; failed: number; busy_symbols: number };
    worker_kills: number;
    worker_kills_asked: number;
    duration_s: number;
    settings: { symbols: number; workers: number; plans_asked: number; burst: [number, number]; sweep_s: number; drift_action: 'pause'; database: string };
    machine: { cpus: number; cpu_model: string; memory_gb: number; node: string };
    started_at: string;
    details: ConcurrencyDetails & { failed_reconciles: string[]; drift_waits_ms: number[] };
    kept?: { data_dir: string; schema: string };
  };

interface LaneState {
  bursts: number;
  maxBurst: number;
}

/**
 * A manual change of 1–10 % of the position (at least DRIFT_FLOOR, well above the tolerance the sweep allows),
 * up or down, never through zero.
 */
export function driftTarget(amount: Decimal, rng: Random): Decimal {
  const delta = Decimal.max(amount.abs().times(0.01 + rng() * 0.09).div(STEP).floor().times(STEP), DRIFT_FLOOR);
  const down = rng() < 0.5 && amount.abs().minus(delta).gte(DRIFT_FLOOR);
  return down ? amount.minus(delta) : amount.plus(delta);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function count<T>(items: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of items) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

export async function runConcurrencyCampaign(opts: ConcurrencyOptions, progress: (line: string) => void): Promise<ConcurrencyReport> {
  const startedAt = Date.now();
  const databaseUrl = process.env.CAMPAIGN_DATABASE_URL ?? DEFAULT_CAMPAIGN_DATABASE_URL;
  await withPg(databaseUrl, (c) => c.query('SELECT 1')).catch((err: unknown) => {
    throw new Error(`PostgreSQL at ${displayUrl(databaseUrl)} is not reachable (${err instanceof Error ? err.message : String(err)}); set CAMPAIGN_DATABASE_URL`);
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'permit-chain-concurrency-'));
  const schema = newCampaignSchema();
  const symbols = Array.from({ length: opts.symbols }, (_, i) => `CONC${i}USDT`);
  const cleanups = new Cleanups();
  if (!opts.keep) cleanups.add('remove data folder', async () => rmSync(dataDir, { recursive: true, force: true }));
  if (!opts.keep) cleanups.add('drop schema', () => dropCampaignSchema(databaseUrl, schema));
  progress(`concurrency campaign seed ${opts.seed}${opts.seedGiven ? '' : ' (drawn; pass --seed to repeat the choices)'}: ${opts.plans} plans on ${opts.symbols} symbols in bursts of ${opts.burst.join('–')}, ${opts.workers} workers, ${opts.kills} kills; data in ${dataDir}, schema ${schema}`);
  let stopKills = false;
  let killTask: Promise<void> = Promise.resolve();
  try {
    // --- the stack -------------------------------------------------------------------------------------
    const bundlePath = join(dataDir, 'workflow-bundle.js');
    const [started, built] = await Promise.allSettled([startDevServer({ dataDir: join(dataDir, 'temporal'), uiPort: false }), buildWorkflowBundle(bundlePath)]);
    if (started.status === 'fulfilled') cleanups.add('stop Temporal dev server', () => started.value.stop());
    if (started.status === 'rejected') throw started.reason;
    if (built.status === 'rejected') throw built.reason;
    const devServer = started.value;
    const scenario = longPositionsScenario({ name: 'concurrency', description: 'concurrency campaign: one market per lane', symbols, position: START_POSITION, markPrice: '1', tickSize: '0.0001', maxQty: '100000000', walletBalance: '1000000000' });
    const paper: PaperExchange = await startPaperExchange({ port: 0, scenario: parseScenario(scenario) });
    cleanups.add('close paper exchange', () => paper.close());
    const store: Store = await openStore({ databaseUrl, schema });
    cleanups.add('close store', () => store.close());
    for (const symbol of symbols) await store.adjustLedger({ venue: VENUE, symbol, target: START_POSITION, who: 'campaign', why: 'set-up: ledger equal to the exchange', command: 'campaign' });
    const connection = await Connection.connect({ address: devServer.address });
    cleanups.add('close Temporal connection', () => connection.close());
    // Workers of a cluster encrypt their payloads: a key for this run, held by this client too.
    const payloadKeys = `campaign=${randomBytes(32).toString('base64')}`;
    const client = new Client({ connection, namespace: devServer.namespace, dataConverter: dataConverterFromEnv({ PAYLOAD_CODEC_KEYS: payloadKeys }) });
    const t = opts.timing;
    const pool = new WorkerPool(
      cleanEnv({
        TEMPORAL_ADDRESS: devServer.address, PAYLOAD_CODEC_KEYS: payloadKeys, TEMPORAL_TASK_QUEUE: TASK_QUEUE, DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, EXCHANGE_VENUE: VENUE,
        PAPER_EXCHANGE_URL: paper.url, WORKFLOW_BUNDLE_PATH: bundlePath, LOG_LEVEL: 'info', PERMIT_TTL_SECONDS: String(t.permitTtlSeconds),
        ORDER_ATTEMPT_TIMEOUT_MS: String(t.orderAttemptTimeoutMs), EXCHANGE_TIMEOUT_MS: String(t.exchangeTimeoutMs), ORDER_SETTLE_BOUND_MS: String(t.settleBoundMs),
        EXCHANGE_CLOCK_SKEW_BOUND_MS: String(t.clockSkewBoundMs), RECONCILE_WAIT_SECONDS: String(t.reconcileWaitSeconds), DRIFT_ACTION: 'pause', TURN_CHECK_SECONDS: '5',
      }),
      dataDir,
      progress,
    );
    cleanups.add('stop workers', () => pool.stopAll());
    for (let i = 0; i < opts.workers; i++) pool.spawn();
    await pool.waitReady(opts.workers, 180_000);
    await ensureDriftSchedule(client, TASK_QUEUE, opts.sweepSeconds);
    progress(`stack up after ${((Date.now() - startedAt) / 1000).toFixed(1)} s: Temporal ${devServer.address}, paper exchange ${paper.url}, drift sweep every ${opts.sweepSeconds} s`);

    // --- shared state -----------------------------------------------------------------------------------
    const policy: ChainPolicy = { ...DEFAULT_CHAIN_POLICY, orderAttemptTimeoutMs: t.orderAttemptTimeoutMs, reconcileWaitSeconds: t.reconcileWaitSeconds, turnCheckSeconds: 5 };
    const operator = { client, taskQueue: TASK_QUEUE, who: OPERATOR, timeoutMs: 120_000 };
    const plans: CampaignPlan[] = [];
    const results = new Map<string, ChainState | { state: string; reason: string | null; events: [] }>();
    const injections: DriftInjection[] = [];
    const driftWaits: number[] = [];
    const failedReconciles: string[] = [];
    const reconciles = { during_bursts: 0, aimed: 0, for_drift: 0, failed: 0 };
    let partialInjected = 0;
    const lanes: LaneState[] = symbols.map(() => ({ bursts: 0, maxBurst: 0 }));
    const quotas = symbols.map((_, i) => Math.floor(opts.plans / symbols.length) + (i < opts.plans % symbols.length ? 1 : 0));

    const reconcile = async (symbol: string, why: string): Promise<boolean> => {
      try {
        await reconcileSymbol(operator, symbol, why);
        return true;
      } catch (err) {
        reconciles.failed += 1;
        failedReconciles.push(`${symbol}: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    };

    /**
     * An operator's reconcile while the burst runs: aimed ('race') at a moment when the exchange shows a fill the
     * ledger does not have yet — the race a fenced sync must win — or after a random delay (ms).
     */
    const reconcileDuringBurst = async (symbol: string, when: 'race' | number) => {
      if (when === 'race') {
        // A mismatch that lasts (the rest of a partial fill executed, its booking still to come), not the
        // instant between any fill and its booking.
        const until = Date.now() + 5_000;
        let since: number | null = null;
        while (Date.now() < until && (since === null || Date.now() - since < AIM_MISMATCH_MS)) {
          const differs = !paper.state.positionOf(symbol).amount.eq(await store.ledgerPosition(VENUE, symbol));
          since = differs ? since ?? Date.now() : null;
          await sleep(5);
        }
        if (since !== null) reconciles.aimed += 1;
      } else await sleep(when);
      reconciles.during_bursts += 1;
      await reconcile(symbol, 'routine reconcile while plans run');
    };

    /** A manual change of the symbol's position: the sweep must find it; then an operator reconciles it. */
    const injectDrift = async (symbol: string, to: Decimal, why: string) => {
      const before = paper.state.positionOf(symbol).amount;
      const at = Date.now();
      paper.state.setPosition(symbol, to);
      const injection: DriftInjection = { symbol, atMs: at, reconciledAtMs: null, before: before.toFixed(), after: to.toFixed() };
      injections.push(injection);
      const deadline = Date.now() + opts.sweepSeconds * 5_000 + 20_000;
      for (;;) {
        const found = (await store.driftFindings({ venue: VENUE, symbol, limit: 5 })).find((f) => Date.parse(f.detectedAt) >= at);
        if (found) break;
        if (Date.now() > deadline) {
          progress(`drift on ${symbol} (${injection.before} → ${injection.after}) not found by the sweep within ${Math.round((deadline - at) / 1000)} s`);
          break;
        }
        await sleep(100);
      }
      driftWaits.push(Date.now() - at);
      reconciles.for_drift += 1;
      if (await reconcile(symbol, `${why}: confirmed by the campaign`)) injection.reconciledAtMs = Date.now();
    };

    const awaitPlan = async (planId: string) => {
      const handle = client.workflow.getHandle(workflowIdForPlan(planId));
      try {
        results.set(planId, (await client.withDeadline(Date.now() + opts.planTimeoutMs, () => handle.result())) as ChainState);
      } catch (err) {
        const state = err instanceof WorkflowFailedError ? 'WORKFLOW_FAILED' : 'OPEN';
        results.set(planId, { state, reason: err instanceof Error ? err.message : String(err), events: [] });
      }
    };

    const newPlanFor = (symbol: string, rng: Random, lane: number, n: number): Plan => {
      const now = Date.now();
      const parsed = parsePlan(
        { plan_id: `cc${opts.seed.toString(36)}-${lane.toString(36)}-${n.toString(36)}`, symbol, action: weighted(rng, ACTIONS), kill_score: 0.5 + rng() * 0.49, decision: 'EXECUTE', timestamp: Math.floor(now / 1000) },
        { now },
      );
      if (!parsed.ok) throw new Error(`campaign plan does not validate: ${JSON.stringify(parsed.errors)}`);
      return parsed.plan;
    };

    const runLane = async (lane: number) => {
      const symbol = symbols[lane]!;
      const rng = streamFor(opts.seed, `concurrency lane ${lane}`);
      let submitted = 0;
      while (submitted < quotas[lane]!) {
        if (paper.state.positionOf(symbol).amount.abs().lt(REFILL_BELOW)) await injectDrift(symbol, new Decimal(START_POSITION), 'top-up of a low position');
        const size = Math.min(intBetween(rng, opts.burst[0], opts.burst[1]), quotas[lane]! - submitted);
        const burst = Array.from({ length: size }, (_, i) => newPlanFor(symbol, rng, lane, submitted + i));
        submitted += size;
        lanes[lane]!.bursts += 1;
        lanes[lane]!.maxBurst = Math.max(lanes[lane]!.maxBurst, size);
        if (rng() < opts.partialFillShare) {
          const partial = { method: 'POST', path: '/fapi/v1/order', action: { type: 'partial_fill', ratio: 0.2 + rng() * 0.6, restAfterMs: intBetween(rng, 150, 800) } };
          paper.faults.add(faultInputSchema.parse(partial));
          partialInjected += 1;
        }
        for (const p of burst) plans.push({ planId: p.plan_id, symbol, action: p.action });
        await Promise.all(burst.map((p) => startWithRetries(() => startPlanWorkflow(client, p, { taskQueue: TASK_QUEUE, policy }))));
        const during = rng() < opts.reconcileShare ? reconcileDuringBurst(symbol, rng() < 0.7 ? 'race' : intBetween(rng, 0, 1500)) : Promise.resolve();
        await Promise.all(burst.map((p) => awaitPlan(p.plan_id)));
        await during;
        if (rng() < opts.driftShare || (submitted >= quotas[lane]! && !injections.some((i) => i.symbol === symbol))) {
          await injectDrift(symbol, driftTarget(paper.state.positionOf(symbol).amount, rng), pick(rng, ['a manual trade', 'a liquidation', 'a missed fill']));
        }
      }
    };

    // Kills fall due as submissions pass evenly spaced marks (a little jitter), so each happens while bursts run.
    const killRng = streamFor(opts.seed, 'concurrency kills');
    const killMarks = Array.from({ length: opts.kills }, (_, k) => Math.floor(((k + 1) * opts.plans) / (opts.kills + 1)));
    killTask = (async () => {
      for (let k = 0; k < opts.kills && !stopKills; k++) {
        while (!stopKills && plans.length < killMarks[k]!) await sleep(50);
        await sleep(intBetween(killRng, 0, 500));
        while (!stopKills && pool.ready().length < 2) await sleep(200);
        if (stopKills) return;
        const victim = pick(killRng, pool.ready());
        if (pool.kill(victim, 'random')) {
          progress(`kill ${k + 1}/${opts.kills}: SIGKILL worker ${victim.n} (pid ${victim.pid}); starting a replacement`);
          pool.spawn();
        }
      }
    })();

    const progressTimer = setInterval(() => progress(`${plans.length}/${opts.plans} submitted, ${results.size} closed, drifts ${injections.length}, kills ${pool.kills.length}, ${Math.round((Date.now() - startedAt) / 1000)} s`), 10_000);
    try {
      await Promise.all(symbols.map((_, lane) => runLane(lane)));
    } finally {
      clearInterval(progressTimer);
    }
    stopKills = true;
    await killTask;
    await pool.settleKills();
    paper.faults.clear();

    // --- records and figures ---------------------------------------------------------------------------
    const records = await withPg(databaseUrl, (c) => storeRecords(c, schema));
    const exchangePositions = Object.fromEntries(symbols.map((s) => [s, paper.state.positionOf(s).amount.toFixed()]));
    const ledgerPositions = Object.fromEntries((await store.ledgerPositions()).filter((p) => p.venue === VENUE).map((p) => [p.symbol, p.position]));
    const { figures, details } = computeConcurrencyFigures({
      symbols, plans, stepSize: STEP, changes: paper.state.listPositionChanges(), orders: paper.state.listOrders(), fills: records.fills, syncs: records.syncs,
      injections, findings: records.findings, exchangePositions, ledgerPositions,
    });
    const openPlans = [...results.entries()].filter(([, r]) => r.state === 'OPEN').map(([id]) => id);
    const generic = computeFigures({
      symbols, planIds: plans.map((p) => p.planId), openPlanIds: openPlans, exchangeOrders: paper.state.listOrders(), orderLog: paper.orderLog.list(),
      exchangePositions, ledgerPositions, attempts: records.attempts, permits: records.permits,
      fills: records.fills.map((f) => ({ planId: f.planId, clientOrderId: f.clientOrderId, exchangeOrderId: f.exchangeOrderId, qty: f.qty })),
    }).figures;
    const failures = [
      ...concurrencyFailures(figures),
      ...safetyFailures(generic, { asked: opts.kills, done: pool.confirmedKills() }).filter((f) => !f.startsWith('symbols_ledger_mismatch')),
    ];
    const ended = [...results.values()] as ChainState[];
    const waits = ended.flatMap((s) => s.events.filter((e) => e.kind === 'turn_granted').map((e) => Number(e['waited_ms'])));
    const partialTaken = paper.state.listOrders().filter((o) => paper.state.listPositionChanges().filter((c) => c.orderId === o.orderId).length > 1).length;
    return {
      passed: failures.length === 0,
      failures,
      seed: opts.seed,
      mode: opts.mode,
      plans: plans.length,
      symbols: symbols.length,
      ...figures,
      orders: generic.orders,
      max_orders_per_plan: generic.max_orders_per_plan,
      orders_after_permit_expiry: generic.orders_after_permit_expiry,
      plans_unsettled: generic.plans_unsettled,
      double_booked_fills: generic.double_booked_fills,
      bursts: lanes.reduce((n, l) => n + l.bursts, 0),
      max_plans_of_a_symbol_at_once: Math.max(0, ...lanes.map((l) => l.maxBurst)),
      plans_waited_for_turn: waits.length,
      max_turn_wait_ms: Math.max(0, ...waits),
      outcomes: count([...results.values()], (r) => r.state),
      outcome_reasons: count([...results.values()], (r) => `${r.state}${r.reason ? `: ${r.reason.slice(0, 60)}` : ''}`),
      reconciles: { ...reconciles, syncs_recorded: records.syncs.length },
      partial_fills: { injected: partialInjected, taken: partialTaken },
      drift_findings: records.findings.length,
      sweeps: records.sweeps,
      worker_kills: pool.confirmedKills(),
      worker_kills_asked: opts.kills,
      duration_s: Math.round((Date.now() - startedAt) / 100) / 10,
      settings: { symbols: opts.symbols, workers: opts.workers, plans_asked: opts.plans, burst: opts.burst, sweep_s: opts.sweepSeconds, drift_action: 'pause', database: displayUrl(databaseUrl) },
      machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
      started_at: new Date(startedAt).toISOString(),
      details: { ...details, failed_reconciles: failedReconciles, drift_waits_ms: driftWaits },
      ...(opts.keep ? { kept: { data_dir: dataDir, schema } } : {}),
    };
  } finally {
    stopKills = true;
    await Promise.race([killTask, sleep(20_000)]);
    await cleanups.runAll(progress);
  }
}

interface StoreRecords {
  fills: Array<BookedIncrement & { exchangeOrderId: string; qty: string }>;
  syncs: SyncRecord[];
  findings: Array<{ findingId: string; symbol: string; detectedAtMs: number }>;
  attempts: AttemptRecord[];
  permits: PermitExpiry[];
  sweeps: { total: number; failed: number; busy_symbols: number };
}

async function storeRecords(c: import('pg').Client, schema: string): Promise<StoreRecords> {
  const fills = await c.query<{ plan_id: string; client_order_id: string; exchange_order_id: string; symbol: string; qty: string; cum_qty: string; booked_at: Date }>(
    `SELECT plan_id, client_order_id, exchange_order_id, symbol, qty::text AS qty, cum_qty::text AS cum_qty, booked_at FROM ${schema}.ledger_fills`,
  );
  const syncs = await c.query<{ adjustment_id: string; symbol: string; at: Date; exchange_read_at: Date | null; exchange_updated_at: Date | null }>(
    `SELECT adjustment_id, symbol, at, exchange_read_at, exchange_updated_at FROM ${schema}.ledger_adjustments WHERE exchange_read_at IS NOT NULL`,
  );
  const findings = await c.query<{ finding_id: string; symbol: string; detected_at: Date }>(`SELECT finding_id::text AS finding_id, symbol, detected_at FROM ${schema}.drift_findings`);
  const attempts = await c.query<{ plan_id: string; attempt_no: number; client_order_id: string; outcome: string; governor_permit_id: string; position_permit_id: string; exchange_order_id: string | null; detail: string | null }>(
    `SELECT plan_id, attempt_no, client_order_id, outcome, governor_permit_id, position_permit_id, exchange_order_id, detail FROM ${schema}.order_attempts`,
  );
  const permits = await c.query<{ permit_id: string; expires_at: Date }>(`SELECT permit_id, expires_at FROM ${schema}.permits`);
  const sweeps = await c.query<{ total: string; failed: string; busy: string }>(
    `SELECT count(*)::text AS total, count(*) FILTER (WHERE error IS NOT NULL)::text AS failed, coalesce(sum(jsonb_array_length(busy)), 0)::text AS busy FROM ${schema}.drift_sweeps`,
  );
  return {
    fills: fills.rows.map((r) => ({ planId: r.plan_id, clientOrderId: r.client_order_id, exchangeOrderId: r.exchange_order_id, symbol: r.symbol, qty: r.qty, cumQty: r.cum_qty, bookedAtMs: r.booked_at.getTime() })),
    syncs: syncs.rows.map((r) => ({ adjustmentId: r.adjustment_id, symbol: r.symbol, atMs: r.at.getTime(), exchangeReadAtMs: r.exchange_read_at?.getTime() ?? null, exchangeUpdatedAtMs: r.exchange_updated_at?.getTime() ?? null })),
    findings: findings.rows.map((r) => ({ findingId: r.finding_id, symbol: r.symbol, detectedAtMs: r.detected_at.getTime() })),
    attempts: attempts.rows.map((r) => ({ planId: r.plan_id, attemptNo: Number(r.attempt_no), clientOrderId: r.client_order_id, outcome: r.outcome, governorPermitId: r.governor_permit_id, positionPermitId: r.position_permit_id, exchangeOrderId: r.exchange_order_id, detail: r.detail })),
    permits: permits.rows.map((r) => ({ permitId: r.permit_id, expiresAtMs: r.expires_at.getTime() })),
    sweeps: { total: Number(sweeps.rows[0]?.total ?? 0), failed: Number(sweeps.rows[0]?.failed ?? 0), busy_symbols: Number(sweeps.rows[0]?.busy ?? 0) },
  };
}
