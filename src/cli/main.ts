// permitctl: the operator's command line. Errors are one line on stderr; exit codes in ./errors.ts (0 ok,
// 1 other, 2 invalid input or usage, 3 not found, 10-14 a plan's outcome). Heavy parts (worker, stack, paper exchange) are imported only by
// the commands that run them, so that status/submit/trace start fast.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { workflowIdForPlan } from '../domain/plan.js';
import { runBridgeUntil } from '../intake/run-bridge.js';
import { notExecutableAnswer, startPlanWorkflow } from '../client/start-plan.js';
import { chainPolicyFromEnv, driftSweepSecondsFromEnv } from '../config/chain.js';
import { preferredOrFreePort } from '../workers/ports.js';
import { dataDirFromEnv } from '../config/store.js';
import { formatFieldErrors, parsePlan, PLAN_ACTIONS, PLAN_ID_PATTERN, SYMBOL_PATTERN } from '../domain/plan.js';
import { randomBytes } from 'node:crypto';
import { OPENING_BALANCE_WHO, type BalanceLine } from '../stack/opening-balance.js';
import { clockOffsetSchema } from '../exchange/paper/clock.js';
import type { ChainState } from '../domain/chain.js';
import { connectTemporal, type CliTemporal } from './connect.js';
import { operatorName } from '../config/process.js';
import { freshDemoDir, runSeedScenario, SEED_SCENARIO_FILE } from './demo.js';
import { CliError, ExitCode, exitCodeOfOutcome } from './errors.js';
import { ConfigError } from '../config/settings.js';
import { ClientError, type ClientErrorKind } from '../client/errors.js';
import { renderChain, renderTable, renderTimeline, workflowUiUrl } from './format.js';
import { listPlans, listQuery, plansListUrl, type ListFilters } from '../client/list.js';
import { traceRows } from '../client/trace.js';
import { print, printJson, readPlanInput } from './io.js';
import { commandPlan, reconcileSymbol, setScopeTrading, tradingStates, type OperatorContext } from '../client/operator.js';
import { GLOBAL_SCOPE } from '../domain/trading-scope.js';
import { deleteDriftSchedule, describeDriftSchedule, driftReport, ensureDriftSchedule, runDriftSweep, DRIFT_SCHEDULE_ID } from '../client/drift.js';
import { renderDriftReport, renderSchedule, renderSweep } from './drift-format.js';
import { chainStateOf, planHandle } from '../client/plans.js';
import { chainStateAsJson } from '../domain/chain-json.js';
import { payloadCodecFromEnv } from '../codec/data-converter.js';
import { openHistory } from '../codec/payload-codec.js';
import { ledgerJournal, planRecord } from '../client/records.js';
import { renderJournal, renderPlanRecord, renderTradingStates } from './records-format.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function withTemporal<T>(fn: (t: CliTemporal) => Promise<T>): Promise<T> {
  const temporal = await connectTemporal();
  try {
    return await fn(temporal);
  } finally {
    await temporal.close();
  }
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('SIGINT'));
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
  });
}

/** How the banner and hints name this CLI: runnable as printed from the project folder. */
const PERMITCTL = 'node bin/permitctl.js';

function balanceLines(balance: BalanceLine[]): string[] {
  if (balance.length === 0) return ['no position on the paper exchange'];
  const opened = balance.filter((b) => b.state === 'opened');
  if (opened.length > 0) return [`opened at the paper exchange's positions (${opened.map((b) => `${b.symbol} ${b.exchange}`).join(', ')}), recorded as adjustments by ${OPENING_BALANCE_WHO}`];
  const differs = balance.filter((b) => b.state === 'differs');
  if (differs.length === 0) return [`in balance with the paper exchange (${balance.map((b) => `${b.symbol} ${b.exchange}`).join(', ')})`];
  return differs.map((b) => `${b.symbol}: ledger ${b.ledger} vs paper exchange ${b.exchange}; plans of it are denied until: ${PERMITCTL} reconcile ${b.symbol} --reason "<why the exchange is right>"`);
}

function portOption(option: string, text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CliError(`invalid ${option} "${text}": a port number (0: any free port)`, ExitCode.invalid);
  return port;
}

function checkPlanId(planId: string): string {
  if (!PLAN_ID_PATTERN.test(planId)) throw new CliError(`invalid plan id "${planId}": 1-32 characters of A-Z a-z 0-9 _ - (starting with a letter or digit)`, ExitCode.invalid);
  return planId;
}

function checkSymbol(symbol: string): string {
  if (!SYMBOL_PATTERN.test(symbol)) throw new CliError(`invalid symbol "${symbol}": use an upper-case futures symbol such as BTCUSDT`, ExitCode.invalid);
  return symbol;
}

function parseClockOffset(text: string): number {
  const parsed = clockOffsetSchema.safeParse(text.trim() === '' ? NaN : Number(text));
  if (!parsed.success) throw new CliError(`--clock-offset-ms "${text}": ${parsed.error.issues[0]?.message}`, ExitCode.invalid);
  return parsed.data;
}

/** The exit code of the command: `submit --wait` and `status` end with the plan's outcome. */
let exitCode: number = ExitCode.ok;

function printState(state: ChainState, json: boolean, t: { uiUrl: string | null; namespace: string }): void {
  if (json) printJson(chainStateAsJson(state));
  else print(renderChain(state, workflowUiUrl(t.uiUrl, t.namespace, state.workflow_id)));
  exitCode = exitCodeOfOutcome(state.state);
}

const program = new Command()
  .name('permitctl')
  .description('permit-chain: every EXECUTE plan as a durable Temporal workflow through governor → position check → order')
  // A usage error is printed once, as one line with a hint, by the catch at the end (not commander's help).
  .configureOutput({ outputError: () => undefined })
  .exitOverride();

program
  .command('up')
  .description('run the embedded stack in the foreground: Temporal dev server + Web UI, paper exchange, store, worker (Ctrl-C stops all)')
  .option('--scenario <file>', 'paper exchange scenario', SEED_SCENARIO_FILE)
  .option('--ui-port <port>', 'Web UI port (taken or 0: any free port)', '8233')
  .option('--temporal-port <port>', 'Temporal gRPC port (taken or 0: any free port)', '7233')
  .option('--paper-port <port>', 'paper exchange port (0: any free port)', '8899')
  .action(async (opts: { scenario: string; uiPort: string; temporalPort: string; paperPort: string }) => {
    const dataDir = dataDirFromEnv();
    const paperPort = portOption('--paper-port', opts.paperPort);
    const { startEmbeddedStack } = await import('../stack/embedded-stack.js');
    const { openingBalance } = await import('../stack/opening-balance.js');
    const stack = await startEmbeddedStack({
      dataDir,
      scenarioPath: opts.scenario,
      uiPort: await preferredOrFreePort(Number(opts.uiPort)),
      temporalPort: await preferredOrFreePort(Number(opts.temporalPort)),
      paperPort,
      paperStatePath: join(dataDir, 'paper-state.json'),
    });
    const [sweep, balance] = await Promise.all([ensureDriftSchedule(stack.client, stack.taskQueue, driftSweepSecondsFromEnv()), openingBalance(stack)]).catch(async (err: unknown) => {
      await stack.stop();
      throw err;
    });
    print(`permit-chain is up (Ctrl-C stops everything)`);
    print(`  Temporal:        ${stack.temporalAddress} (namespace ${stack.namespace}, task queue ${stack.taskQueue})`);
    print(`  Web UI:          ${stack.uiUrl ?? '(set TEMPORAL_UI_URL)'}`);
    if (stack.codecServerUrl) print(`  codec server:    ${stack.codecServerUrl} (payloads are encrypted; the Web UI shows them in clear through it)`);
    const plans = plansListUrl(stack.uiUrl, stack.namespace);
    if (plans) print(`  plans in the UI: ${plans} (add the PermitOutcome and PermitDenialReason columns once: docs/web-ui.md)`);
    print(`  paper exchange:  ${stack.paper ? `${stack.paper.url} (state kept in ${join(dataDir, 'paper-state.json')}; curl ${stack.paper.url}/_paper/state)` : '(not started: another venue is configured)'}`);
    print(`  store:           ${stack.services.store.kind}${stack.services.store.kind === 'embedded' ? ` in ${dataDir}` : ''}`);
    print(`  drift sweep:     every ${sweep.state.everySeconds} s (Schedule ${DRIFT_SCHEDULE_ID}; DRIFT_ACTION=${stack.services.settings.driftAction}); findings: permitctl drift`);
    if (stack.bridge) print(`  Redis intake:    ${stack.bridge.config.stream} (group ${stack.bridge.config.group}, dead letters ${stack.bridge.config.dlqStream})`);
    for (const line of balanceLines(balance)) print(`  ledger:          ${line}`);
    const tradable = balance.find((b) => b.exchange !== '0');
    if (tradable) print(`  try:             ${PERMITCTL} new-plan ${tradable.symbol} PARTIAL_25 | ${PERMITCTL} submit - --wait`);
    await untilSignal();
    print('stopping…');
    await stack.stop();
  });

program
  .command('demo')
  .description('the seed scenario on the embedded stack: P3.3 denies, the demo reconciles, the plan executes')
  .option('--exit', 'stop the stack when the scenario has run instead of keeping it up')
  .action(async (opts: { exit?: boolean }) => {
    const mainDataDir = dataDirFromEnv();
    const { startEmbeddedStack } = await import('../stack/embedded-stack.js');
    const stack = await startEmbeddedStack({ dataDir: freshDemoDir(mainDataDir), announceDir: mainDataDir, scenarioPath: join(PROJECT_ROOT, SEED_SCENARIO_FILE), uiPort: await preferredOrFreePort(8233) });
    try {
      await runSeedScenario(stack, PROJECT_ROOT, print);
      if (!opts.exit) {
        print('');
        print(`the stack stays up for you to explore (Web UI ${stack.uiUrl}); Ctrl-C stops it`);
        await untilSignal();
      }
    } finally {
      await stack.stop();
    }
  });

program
  .command('worker')
  .description('run a worker (configuration from the environment: TEMPORAL_*, DATABASE_URL, EXCHANGE_*)')
  .action(async () => (await import('../workers/main.js')).runWorkerProcess());

program
  .command('paper')
  .description('run the paper exchange alone')
  .option('--port <port>', 'port (0 = any free port, printed); PAPER_EXCHANGE_URL defaults to 127.0.0.1:8899', '8899')
  .option('--scenario <file>', 'scenario file (markets, prices, positions, balances)', SEED_SCENARIO_FILE)
  .option('--clock-offset-ms <ms>', "exchange time − host time, e.g. -5000 (overrides the scenario's clockOffsetMs)")
  .option('--state <file>', 'keep the state (positions, balances, orders) in this file between runs')
  .action(async (opts: { port: string; scenario: string; clockOffsetMs?: string; state?: string }) => {
    const { loadScenarioFile, startPaperExchange } = await import('../exchange/paper/index.js');
    const scenario = await loadScenarioFile(opts.scenario);
    const clockOffsetMs = opts.clockOffsetMs === undefined ? scenario.clockOffsetMs : parseClockOffset(opts.clockOffsetMs);
    const paper = await startPaperExchange({ port: portOption('--port', opts.port), scenario: { ...scenario, clockOffsetMs }, ...(opts.state ? { statePath: opts.state } : {}) });
    print(`paper exchange listening on ${paper.url}${clockOffsetMs === 0 ? '' : ` (exchange clock ${clockOffsetMs} ms from this host's)`}`);
    await untilSignal();
    await paper.close();
  });

program
  .command('codec-server')
  .description("the Web UI's codec server (POST /decode, /encode): shows encrypted plan data in clear to the UI origins allowed (CODEC_SERVER_ORIGINS), with CODEC_SERVER_TOKEN as bearer token")
  .action(async () => {
    const { codecServerConfigFromEnv, payloadCodecConfigFromEnv } = await import('../config/codec.js');
    const { startCodecServer } = await import('../codec/codec-server.js');
    if (payloadCodecConfigFromEnv().keys.length === 0) throw new CliError('a codec server needs the payload keys: set PAYLOAD_CODEC_KEYS (or PAYLOAD_CODEC_KEYS_FILE)', ExitCode.invalid);
    const cfg = codecServerConfigFromEnv();
    const server = await startCodecServer({ codec: payloadCodecFromEnv(), ...cfg });
    print(`codec server listening on ${server.url} (origins: ${cfg.origins.join(', ') || 'none: set CODEC_SERVER_ORIGINS to the Web UI'}; ${cfg.token ? 'bearer token required' : 'no token: loopback only'})`);
    await untilSignal();
    await server.close();
  });

program
  .command('bridge')
  .description('start every EXECUTE plan published to the Redis plan stream (REDIS_URL, PLAN_STREAM, PLAN_STREAM_GROUP, …); Ctrl-C stops after the starts in flight')
  .option('--stream <key>', 'plan stream (default PLAN_STREAM or quantum:stream:apply.plan)')
  .option('--group <name>', 'consumer group (default PLAN_STREAM_GROUP or permit-chain)')
  .option('--consumer <name>', 'consumer name, stable per replica (default PLAN_STREAM_CONSUMER or hostname-pid)')
  .action(async (opts: { stream?: string; group?: string; consumer?: string }) =>
    withTemporal(async (t) => {
      const temporal = { client: t.client, taskQueue: t.taskQueue, policy: chainPolicyFromEnv() };
      await runBridgeUntil({ temporal, until: untilSignal(), config: { stream: opts.stream, group: opts.group, consumer: opts.consumer } });
    }),
  );

program
  .command('submit')
  .description('validate a plan (JSON file, or - for stdin) and start its workflow')
  .argument('<file>', 'plan JSON file, or - for standard input')
  .option('--wait', 'wait until the plan reaches a final state')
  .option('--json', 'print the chain state as JSON')
  .action(async (file: string, opts: { wait?: boolean; json?: boolean }) => {
    const plan = readPlanInput(file);
    // Answered without Temporal: the start function would answer the same without reaching it.
    const notExecutable = notExecutableAnswer(plan);
    if (notExecutable && !notExecutable.started) {
      return opts.json ? printJson({ plan_id: plan.plan_id, started: false, reason: notExecutable.detail }) : print(`not started: ${notExecutable.detail}`);
    }
    await withTemporal(async (t) => {
      const started = await startPlanWorkflow(t.client, plan, { taskQueue: t.taskQueue, policy: chainPolicyFromEnv() });
      if (!started.started) throw new CliError(`refused: ${started.detail}`);
      if (!opts.wait) {
        if (opts.json) return printJson({ plan_id: plan.plan_id, workflow_id: started.workflowId, started: true, ui: workflowUiUrl(t.uiUrl, t.namespace, started.workflowId) });
        print(`started ${started.workflowId}`);
        const ui = workflowUiUrl(t.uiUrl, t.namespace, started.workflowId);
        if (ui) print(`Web UI: ${ui}`);
        return;
      }
      const state = (await t.client.workflow.getHandle(started.workflowId).result()) as ChainState;
      printState(state, Boolean(opts.json), t);
    });
  });

program
  .command('new-plan')
  .description(`print a fresh EXECUTE plan (a new plan id, timestamped now), e.g. ${PERMITCTL} new-plan BTCUSDT PARTIAL_25 | ${PERMITCTL} submit - --wait`)
  .argument('<symbol>')
  .argument('[action]', `${PLAN_ACTIONS.join(', ')}`, 'PARTIAL_25')
  .option('--kill-score <score>', 'kill score in [0, 1]', '0.5')
  .option('--id <plan_id>', 'plan id (default: a new one)')
  .action((symbol: string, action: string, opts: { killScore: string; id?: string }) => {
    const now = Date.now();
    const parsed = parsePlan(
      { plan_id: opts.id ?? `p-${randomBytes(6).toString('hex')}`, symbol, action, kill_score: Number(opts.killScore), decision: 'EXECUTE', timestamp: Math.floor(now / 1000) },
      { now },
    );
    if (!parsed.ok) throw new CliError(`invalid plan: ${formatFieldErrors(parsed.errors)}`, ExitCode.invalid);
    printJson(parsed.plan);
  });

program
  .command('status')
  .description("a plan's permit chain: state, stage, permits, order, events")
  .argument('<plan_id>')
  .option('--json', 'print the chain state as JSON')
  .action(async (planId: string, opts: { json?: boolean }) => {
    checkPlanId(planId);
    await withTemporal(async (t) => printState(await chainStateOf(t.client, planId), Boolean(opts.json), t));
  });

/** One target of a trading-state command: a plan, a symbol or all trading. */
type Target = { plan: string } | { symbol: string } | { all: true };

function targetOf(verb: string, planId: string | undefined, opts: { all?: boolean; symbol?: string }): Target {
  const given = [planId !== undefined, opts.all === true, opts.symbol !== undefined].filter(Boolean).length;
  if (given !== 1) throw new CliError(`${verb} takes one of PLAN_ID, --symbol S or --all`, ExitCode.invalid);
  if (planId !== undefined) return { plan: checkPlanId(planId) };
  if (opts.symbol !== undefined) return { symbol: checkSymbol(opts.symbol) };
  return { all: true };
}

function operatorContext(t: CliTemporal): OperatorContext {
  return { client: t.client, taskQueue: t.taskQueue, who: operatorName() };
}

const STATE_OF_VERB = { pause: 'paused', halt: 'halted', resume: 'running' } as const;

function tradingCommand(verb: keyof typeof STATE_OF_VERB, description: string): void {
  program
    .command(verb)
    .description(description)
    .argument('[plan_id]')
    .option('--all', 'all trading (durable until resume --all)')
    .option('--symbol <symbol>', 'every plan of SYMBOL, new and running (durable until resume --symbol)')
    .requiredOption('--reason <text>', 'why (recorded with who and when)')
    .action(async (planId: string | undefined, opts: { all?: boolean; symbol?: string; reason: string }) => {
      const target = targetOf(verb, planId, opts);
      await withTemporal(async (t) => {
        const ctx = operatorContext(t);
        if ('plan' in target) {
          const answer = await commandPlan(ctx, target.plan, verb, opts.reason);
          if (answer.done === 'too_late') exitCode = ExitCode.notAsAsked;
          return print(`plan ${target.plan} ${answer.done}: ${answer.detail} (${verb} by ${ctx.who}: ${opts.reason})`);
        }
        const scope = 'symbol' in target ? (target.symbol as Uppercase<string>) : GLOBAL_SCOPE;
        const result = await setScopeTrading(ctx, scope, STATE_OF_VERB[verb], opts.reason);
        print(`trading ${result.change.state === 'running' ? 'active' : result.change.state} (${scope}) since ${result.change.at}, by ${ctx.who}: ${opts.reason}`);
        if (result.signalled.length > 0) print(`told ${result.signalled.length} running plan(s): ${result.signalled.join(', ')}`);
        for (const { planId: id, answer } of result.answered) print(`plan ${id} ${answer.done}: ${answer.detail}`);
        for (const { planId: id, reason } of result.refused) print(`plan ${id}: ${reason}`);
        if (result.refused.length > 0 || result.answered.some((a) => a.answer.done === 'too_late')) exitCode = ExitCode.notAsAsked;
      });
    });
}

tradingCommand('pause', 'hold a plan before its order step (PLAN_ID), or pause a symbol or all trading durably: new and running plans hold before their order step until resume');
tradingCommand('halt', 'halt a plan, a symbol or all trading durably: new plans are denied at once (trading_halted), running plans that have not sent an order end DENIED, an order already on its way completes and is booked');
tradingCommand('resume', "lift a plan's own pause, or a symbol's or all trading's pause or halt");

program
  .command('cancel')
  .description('cancel a running plan before its order step (ends CANCELLED); refused once its order is on its way')
  .argument('<plan_id>')
  .requiredOption('--reason <text>', 'why (recorded with who and when)')
  .action(async (planId: string, opts: { reason: string }) => {
    checkPlanId(planId);
    await withTemporal(async (t) => {
      const ctx = operatorContext(t);
      const answer = await commandPlan(ctx, planId, 'cancel', opts.reason);
      if (answer.done === 'too_late') exitCode = ExitCode.notAsAsked;
      print(`plan ${planId} ${answer.done}: ${answer.detail} (by ${ctx.who}: ${opts.reason})`);
    });
  });

program
  .command('state')
  .description('the trading states (global, per symbol, per plan) with who set each, why and since when')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) =>
    withTemporal(async (t) => {
      const states = await tradingStates(operatorContext(t));
      if (opts.json) return printJson({ states });
      print(renderTradingStates(states));
    }),
  );

program
  .command('reconcile')
  .description('sync the ledger of SYMBOL to the exchange: each plan awaiting a reconcile at this moment takes it and answers with the ledger before and after; with none waiting, the sync runs directly')
  .argument('<symbol>')
  .requiredOption('--reason <text>', 'why (recorded with who and when)')
  .action(async (symbol: string, opts: { reason: string }) => {
    checkSymbol(symbol);
    await withTemporal(async (t) => {
      const outcome = await reconcileSymbol(operatorContext(t), symbol, opts.reason);
      for (const { planId, answer } of outcome.answered) print(`plan ${planId} ${answer.done}: ${answer.detail}`);
      for (const { planId, reason } of outcome.refused) print(`plan ${planId}: ${reason}`);
      if (outcome.refused.length > 0) exitCode = ExitCode.notAsAsked;
      if (outcome.sync) {
        const lifted = outcome.sync.resumed ? `; the drift pause of ${symbol} is lifted` : '';
        const resolved = outcome.sync.resolved_findings > 0 ? `; drift finding resolved` : '';
        print(`ledger ${symbol}: ${outcome.sync.before} → ${outcome.sync.after} (exchange ${outcome.sync.exchange_amt}, read at ${outcome.sync.exchange_read_at}); no plan was waiting for it${resolved}${lifted}`);
      }
    });
  });

program
  .command('drift')
  .description('drift findings the sweep recorded (exchange ≠ ledger with nothing in flight), newest first, and the latest sweeps')
  .option('--symbol <symbol>', 'only this symbol')
  .option('--open', 'only findings not resolved by a reconcile yet')
  .option('--limit <n>', 'at most this many findings', '50')
  .option('--json', 'print JSON')
  .action(async (opts: { symbol?: string; open?: boolean; limit: string; json?: boolean }) => {
    if (opts.symbol) checkSymbol(opts.symbol);
    const limit = positiveWhole('--limit', opts.limit);
    await withTemporal(async (t) => {
      const report = await driftReport(t.client, t.taskQueue, { ...(opts.symbol ? { symbol: opts.symbol } : {}), openOnly: Boolean(opts.open), limit }).catch(toCliError);
      if (opts.json) return printJson(report);
      print(renderDriftReport(report));
    });
  });

program
  .command('drift-sweep')
  .description('run one drift sweep now (the Schedule runs it every DRIFT_SWEEP_SECONDS) and print what it found')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) =>
    withTemporal(async (t) => {
      const result = await runDriftSweep(t.client, t.taskQueue).catch(toCliError);
      if (opts.json) return printJson(result);
      print(renderSweep(result));
    }),
  );

program
  .command('drift-schedule')
  .description('create or update the Temporal Schedule of the drift sweep (for a cluster; `permitctl up` creates it), or --delete it')
  .option('--every <seconds>', 'interval in seconds (default DRIFT_SWEEP_SECONDS or 60)')
  .option('--delete', 'delete the Schedule')
  .option('--show', 'only show the Schedule')
  .option('--json', 'print JSON')
  .action(async (opts: { every?: string; delete?: boolean; show?: boolean; json?: boolean }) =>
    withTemporal(async (t) => {
      if (opts.delete) {
        const deleted = await deleteDriftSchedule(t.client);
        return opts.json ? printJson({ deleted }) : print(deleted ? `deleted the drift sweep Schedule ${DRIFT_SCHEDULE_ID}` : `no drift sweep Schedule ${DRIFT_SCHEDULE_ID} to delete`);
      }
      if (opts.show) {
        const state = await describeDriftSchedule(t.client);
        if (state === null) throw new CliError(`no drift sweep Schedule ${DRIFT_SCHEDULE_ID}: create it with \`permitctl drift-schedule\``, ExitCode.notFound);
        return opts.json ? printJson(state) : print(renderSchedule(state));
      }
      const every = opts.every === undefined ? driftSweepSecondsFromEnv() : positiveWhole('--every', opts.every);
      const { created, state } = await ensureDriftSchedule(t.client, t.taskQueue, every);
      if (opts.json) return printJson({ created, ...state });
      print(`${created ? 'created' : 'updated'} the drift sweep Schedule ${DRIFT_SCHEDULE_ID}: every ${state.everySeconds} s on task queue ${state.taskQueue}`);
      if (state.nextRuns[0]) print(`next sweep at ${state.nextRuns[0]}`);
    }),
  );

program
  .command('trace')
  .description("a plan's permit chain as a timeline (layer, time, action, result, TTL), rebuilt from its Temporal history")
  .argument('<plan_id>')
  .option('--json', 'print the rows as JSON')
  .action(async (planId: string, opts: { json?: boolean }) => {
    checkPlanId(planId);
    await withTemporal(async (t) => {
      const { handle } = await planHandle(t.client, planId);
      const rows = traceRows(openHistory(await handle.fetchHistory(), payloadCodecFromEnv()));
      const ui = workflowUiUrl(t.uiUrl, t.namespace, workflowIdForPlan(planId));
      if (opts.json) return printJson({ plan_id: planId, workflow_id: workflowIdForPlan(planId), ui, rows });
      print(`Permit chain of plan ${planId} (${workflowIdForPlan(planId)})`);
      print('');
      print(renderTimeline(rows));
      if (ui) print(`\nWeb UI: ${ui}`);
    });
  });

program
  .command('list')
  .description('plans, filtered through their search attributes (PermitSymbol, PermitOutcome, PermitStage)')
  .option('--symbol <symbol>', 'e.g. BTCUSDT')
  .option('--outcome <outcome>', 'RUNNING, EXECUTED, DENIED, EXPIRED, CANCELLED or FAILED')
  .option('--stage <stage>', 'running, waiting_turn, awaiting_reconcile, paused, settling or done')
  .option('--running', 'only plans still running')
  .option('--limit <n>', 'at most this many plans', '50')
  .option('--json', 'print JSON')
  .action(async (opts: ListFilters & { limit: string; json?: boolean }) => {
    const query = listQuery(opts);
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new CliError(`invalid --limit "${opts.limit}": a positive whole number`, ExitCode.invalid);
    await withTemporal(async (t) => {
      const plans = (await listPlans(t.client, opts, limit)).map((p) => ({ ...p, ui: workflowUiUrl(t.uiUrl, t.namespace, p.workflow_id) }));
      if (opts.json) return printJson({ query, plans });
      const listUrl = plansListUrl(t.uiUrl, t.namespace, query);
      if (plans.length === 0) return print(`no plans match: ${query}`);
      print(renderTable([
        ['PLAN', 'SYMBOL', 'ACTION', 'STAGE', 'OUTCOME', 'REASON', 'STARTED (UTC)', 'WEB UI'],
        ...plans.map((p) => [p.plan_id, p.symbol ?? '-', p.action ?? '-', p.stage ?? '-', p.outcome ?? '-', p.reason ?? '-', p.started_at.slice(0, 23), p.ui ?? '-']),
      ]));
      if (listUrl) print(`\nthis list in the Web UI: ${listUrl}`);
    });
  });

program
  .command('ledger')
  .description("a symbol's ledger journal, newest first: every fill and adjustment with the position before and after, who, why and the plan")
  .argument('<symbol>')
  .option('--limit <n>', 'at most this many rows', '100')
  .option('--json', 'print JSON')
  .action(async (symbol: string, opts: { limit: string; json?: boolean }) => {
    checkSymbol(symbol);
    const limit = positiveWhole('--limit', opts.limit);
    await withTemporal(async (t) => {
      const journal = await ledgerJournal(t.client, t.taskQueue, symbol, limit);
      if (opts.json) return printJson(journal);
      print(renderJournal(journal));
    });
  });

program
  .command('audit')
  .description('everything the store holds of a plan: every permit decision with its inputs and expiry, order attempts, fills, and operator acts')
  .argument('<plan_id>')
  .option('--json', 'print JSON')
  .action(async (planId: string, opts: { json?: boolean }) => {
    checkPlanId(planId);
    await withTemporal(async (t) => {
      const [record, chain] = await Promise.all([
        planRecord(t.client, t.taskQueue, planId),
        // The workflow's own record of operator acts, while Temporal still has the plan's history.
        chainStateOf(t.client, planId).catch((err: unknown) => {
          if (err instanceof ClientError && err.kind === 'not_found') return null;
          throw err;
        }),
      ]);
      if (record.claim === null && record.permits.length === 0 && chain === null) throw new CliError(`plan ${planId} not found: the store holds nothing of it and Temporal knows no workflow for it`, ExitCode.notFound);
      if (opts.json) return printJson({ ...record, events: chain?.events ?? null });
      print(renderPlanRecord(record, chain?.events ?? null));
    });
  });

function positiveWhole(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new CliError(`invalid ${option} "${text}": a positive whole number`, ExitCode.invalid);
  return value;
}

/** A worker-side failure of a drift command, as one line. */
function toCliError(err: unknown): never {
  throw new CliError(err instanceof Error ? err.message : String(err));
}

const CLIENT_EXIT_CODES: Record<ClientErrorKind, number> = { invalid: ExitCode.invalid, not_found: ExitCode.notFound, failed: ExitCode.other };

function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : ExitCode.invalid;
  if (err instanceof ConfigError) return ExitCode.invalid;
  if (err instanceof ClientError) return CLIENT_EXIT_CODES[err.kind];
  return ExitCode.other;
}

/** commander's error as one line, with the help to read: "missing required argument 'file' (see permitctl submit --help)". */
function usageLine(err: CommanderError): string {
  const command = process.argv.slice(2).find((arg) => program.commands.some((c) => c.name() === arg));
  return `${err.message.replace(/^error: /, '').split('\n')[0]} (see permitctl ${command ? `${command} ` : ''}--help)`;
}

const QUIET_COMMANDER_EXITS = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

try {
  await program.parseAsync(process.argv);
  process.exit(exitCode);
} catch (err) {
  const code = exitCodeOf(err);
  if (err instanceof CommanderError) {
    if (!QUIET_COMMANDER_EXITS.has(err.code)) process.stderr.write(`permitctl: ${usageLine(err)}\n`);
  } else process.stderr.write(`permitctl: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(code);
}
