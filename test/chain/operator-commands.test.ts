// Operators get answers: pause, resume, reconcile, cancel and halt are Workflow Updates, refused with a
// reason when they do not fit the plan's state and answered with what the plan did; trading can be paused or
// halted per symbol (durable, audited), and a halt denies what has not sent an order while an order already
// on its way completes and is booked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPlan, reconcileSymbol, setScopeTrading, type OperatorContext } from '../../src/client/operator.js';
import { chainStateOf } from '../../src/client/plans.js';
import { newPlan, sleep, waitForChain, waitForStage } from '../support/plans.js';
import { runCli } from '../support/processes.js';
import { cleanEnv, startChainStack, type ChainStack } from '../support/stack.js';

const ORDER = '/fapi/v1/order';

describe('operator commands answered by the plan', { timeout: 120_000 }, () => {
  let t: ChainStack;
  let ops: OperatorContext;
  let cli: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await startChainStack({
      markets: [
        { symbol: 'OPSAUSDT', position: '1', markPrice: '100' },
        { symbol: 'OPSBUSDT', position: '1', markPrice: '100' },
        { symbol: 'HALTUSDT', position: '2', markPrice: '100' },
        { symbol: 'PSYMUSDT', position: '1', markPrice: '100' },
        { symbol: 'SYNCUSDT', position: '1', markPrice: '100' },
        { symbol: 'STOREUSDT', position: '1', markPrice: '100' },
      ],
      env: { PAUSE_POLL_SECONDS: '2', RECONCILE_WAIT_SECONDS: '60' },
    });
    await Promise.all([t.setLedger('OPSAUSDT', '0.5'), t.setLedger('OPSBUSDT', '0.5'), t.setLedger('HALTUSDT', '2'), t.setLedger('PSYMUSDT', '1'), t.setLedger('SYNCUSDT', '0.5'), t.setLedger('STOREUSDT', '1')]);
    ops = { client: t.stack.client, taskQueue: t.stack.taskQueue, who: 'ops-test' };
    cli = cleanEnv({ PERMIT_CHAIN_DATA_DIR: t.dataDir, PERMITCTL_OPERATOR: 'ops-cli', RECONCILE_WAIT_SECONDS: '60' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses what does not fit the plan (without touching its history) and answers what does', async () => {
    const plan = newPlan('OPSAUSDT', 'PARTIAL_50', 'ops');
    await t.submit(plan);
    await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile', 30_000);
    const before = (await chainStateOf(t.stack.client, plan.plan_id)).events.length;

    // A resume of a plan nobody paused, and a cancel without a reason (the CLI asks for one).
    await expect(commandPlan(ops, plan.plan_id, 'resume', 'go on')).rejects.toThrow(`plan ${plan.plan_id} refused the resume: the plan is not paused by its own pause (stage awaiting_reconcile)`);
    const noReason = await runCli(['cancel', plan.plan_id], cli);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/^permitctl: required option '--reason <text>' not specified \(see permitctl cancel --help\)/);
    expect((await chainStateOf(t.stack.client, plan.plan_id)).events).toHaveLength(before);

    // The reconcile it waits for: answered with the ledger before and after.
    const reconciled = await runCli(['reconcile', 'OPSAUSDT', '--reason', 'the exchange is right'], cli);
    expect(reconciled.code, reconciled.stderr).toBe(0);
    expect(reconciled.stdout).toBe(`plan ${plan.plan_id} synced: ledger OPSAUSDT 0.5 → 1 (exchange 1); the plan acquires its permits again\n`);
    expect(await t.result(plan.plan_id)).toMatchObject({ state: 'EXECUTED' });

    // An ended plan takes no command: invalid (2), saying so.
    const late = await runCli(['pause', plan.plan_id, '--reason', 'too late'], cli);
    expect(late.code).toBe(2);
    expect(late.stderr).toBe(`permitctl: plan ${plan.plan_id} has already ended: nothing to pause\n`);
  });

  it('a paused plan refuses a reconcile it does not wait for; a cancel ends it CANCELLED, recorded with who and why', async () => {
    const plan = newPlan('OPSBUSDT', 'PARTIAL_50', 'opsb');
    await t.submit(plan);
    await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile', 30_000);
    expect(await commandPlan(ops, plan.plan_id, 'pause', 'look first')).toMatchObject({ done: 'held' });
    const paused = await runCli(['pause', plan.plan_id, '--reason', 'again'], cli);
    expect(paused.code).toBe(2);
    expect(paused.stderr).toMatch(/refused the pause: it is paused already \(by ops-test\)/);
    // The reconcile it waited for answers it; held by its pause, it then refuses a second one.
    await reconcileSymbol(ops, 'OPSBUSDT', 'sync');
    await waitForStage(t.stack.client, plan.plan_id, 'paused', 30_000);
    await expect(commandPlan(ops, plan.plan_id, 'reconcile', 'once more')).rejects.toThrow(/refused the reconcile: the plan is not awaiting a reconcile \(stage paused\)/);

    const cancelled = await runCli(['cancel', plan.plan_id, '--reason', 'not needed any more'], cli);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toBe(`plan ${plan.plan_id} cancelled: it ended CANCELLED cancelled_by_operator before its order step (by ops-cli: not needed any more)\n`);
    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'CANCELLED', reason: 'cancelled_by_operator' });
    expect(final.events.find((e) => e.kind === 'operator_cancel')).toMatchObject({ who: 'ops-cli', why: 'not needed any more' });
    expect(final.events.at(-1)).toMatchObject({ kind: 'outcome', summary: 'Cancelled by ops-cli before an order was sent: not needed any more' });
    expect(await t.paper.orderRequests('OPSBUSDT')).toEqual([]);
  });

  it('halt vs pause: a halted symbol denies new plans at once and running ones before their order; an order on its way still books', async () => {
    // An order that fills partly now and the rest later: the plan follows and books it (stage booking).
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'partial_fill', ratio: 0.4, restAfterMs: 3000 } });
    const inFlight = newPlan('HALTUSDT', 'PARTIAL_50', 'inflight');
    await t.submit(inFlight);
    await waitForChain(t.stack.client, inFlight.plan_id, (s) => s.order !== null, 'its order placed');
    // A plan behind it, waiting for its turn on the symbol.
    const waiting = newPlan('HALTUSDT', 'PARTIAL_25', 'waiting');
    await t.submit(waiting);
    await waitForStage(t.stack.client, waiting.plan_id, 'waiting_turn', 30_000);

    const halted = await runCli(['halt', '--symbol', 'HALTUSDT', '--reason', 'exchange incident'], cli);
    expect(halted.code, halted.stderr).toBe(15); // one plan could not be halted: its order is on the exchange
    expect(halted.stdout).toMatch(/^trading halted \(HALTUSDT\) since 20\d\d-.*, by ops-cli: exchange incident\n/);
    expect(halted.stdout).toContain(`plan ${waiting.plan_id} denied: it ended DENIED trading_halted before its order step`);
    expect(halted.stdout).toContain(`plan ${inFlight.plan_id}: plan ${inFlight.plan_id} refused the halt: its order is on the exchange: nothing can stop it now; it completes and is booked`);
    expect(await t.result(waiting.plan_id)).toMatchObject({ state: 'DENIED', reason: 'trading_halted', order: null });
    // The order already on its way completes and is booked in full.
    expect(await t.result(inFlight.plan_id)).toMatchObject({ state: 'EXECUTED', order: { status: 'FILLED', filled_qty: '1' } });
    expect(await t.ledger('HALTUSDT')).toBe(await t.paper.position('HALTUSDT'));

    // A new plan of the halted symbol is denied at once, nothing sent.
    const fresh = newPlan('HALTUSDT', 'PARTIAL_25', 'fresh');
    await t.submit(fresh);
    expect(await t.result(fresh.plan_id)).toMatchObject({ state: 'DENIED', reason: 'trading_halted', order: null });
    expect(await t.paper.orderPosts('HALTUSDT')).toHaveLength(1);

    const state = await runCli(['state', '--json'], cli);
    expect(JSON.parse(state.stdout).states).toEqual(expect.arrayContaining([expect.objectContaining({ scope: 'HALTUSDT', state: 'halted', who: 'ops-cli', why: 'exchange incident' })]));
    const text = await runCli(['state'], cli);
    expect(text.stdout).toMatch(/^All trading: ACTIVE\n\nSCOPE +STATE +SINCE \(UTC\) +WHO +WHY\n(.*\n)*HALTUSDT +HALTED +20\d\d-.* +ops-cli +exchange incident/m);

    expect((await runCli(['resume', '--symbol', 'HALTUSDT', '--reason', 'incident over'], cli)).code).toBe(0);
    const after = newPlan('HALTUSDT', 'PARTIAL_25', 'after');
    await t.submit(after);
    expect(await t.result(after.plan_id)).toMatchObject({ state: 'EXECUTED' });
  });

  it('a symbol pause holds new plans before their order until resume --symbol, and other symbols trade on', async () => {
    const paused = await setScopeTrading(ops, 'PSYMUSDT', 'paused', 'check the book');
    expect(paused.change).toMatchObject({ scope: 'PSYMUSDT', state: 'paused' });
    const plan = newPlan('PSYMUSDT', 'PARTIAL_50', 'psym');
    await t.submit(plan);
    const held = await waitForStage(t.stack.client, plan.plan_id, 'paused', 30_000);
    expect(held.permits.governor).toMatchObject({ granted: false, reason: 'trading_paused' });
    await sleep(1500);
    expect(await t.paper.orderRequests('PSYMUSDT')).toEqual([]);

    const resumed = await setScopeTrading(ops, 'PSYMUSDT', 'running', 'book checked');
    expect(resumed.signalled).toContain(plan.plan_id);
    expect(await t.result(plan.plan_id)).toMatchObject({ state: 'EXECUTED' });
    const history = await t.stack.services.store.tradingStateHistory(10);
    expect(history.filter((c) => c.scope === 'PSYMUSDT').map((c) => [c.previousState, c.state, c.who, c.why])).toEqual([
      ['paused', 'running', 'ops-test', 'book checked'],
      ['running', 'paused', 'ops-test', 'check the book'],
    ]);
  });

  it('a cancel during the reconcile it asked for lets the sync finish and says so: the ledger never moves unreported', async () => {
    const plan = newPlan('SYNCUSDT', 'PARTIAL_50', 'sync');
    await t.submit(plan);
    await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile', 30_000);
    // The sync's exchange read is slow: the cancel lands while it runs.
    await t.paper.addFault({ method: 'GET', path: '/fapi/v3/positionRisk', count: 1, action: { type: 'latency', ms: 2500 } });
    const reconcile = commandPlan(ops, plan.plan_id, 'reconcile', 'sync it');
    await sleep(800);
    const cancel = commandPlan(ops, plan.plan_id, 'cancel', 'changed my mind');
    expect(await reconcile).toMatchObject({ done: 'synced', detail: 'ledger SYNCUSDT 0.5 → 1 (exchange 1); the plan acquires its permits again' });
    expect(await cancel).toMatchObject({ done: 'cancelled' });
    const final = await t.result(plan.plan_id);
    expect(final).toMatchObject({ state: 'CANCELLED', reason: 'cancelled_by_operator' });
    expect(final.events.find((e) => e.kind === 'ledger_sync')).toMatchObject({ before: '0.5', after: '1' });
    expect(await t.ledger('SYNCUSDT')).toBe('1');
    expect(await t.paper.orderPosts('SYNCUSDT')).toEqual([]);
  });

  it('a pause held only by the store (its Update lost) is lifted by resume; a pause over a halt is refused; a bad reason writes nothing', async () => {
    const plan = newPlan('STOREUSDT', 'PARTIAL_50', 'store');
    // The plan's scope paused in the store, as a pause whose Update never reached the plan leaves it.
    await t.stack.services.store.setTradingState({ scope: `plan:${plan.plan_id}`, state: 'paused', who: 'ops-test', why: 'an Update that got lost' });
    await t.submit(plan);
    await waitForStage(t.stack.client, plan.plan_id, 'paused', 30_000);
    expect(await commandPlan(ops, plan.plan_id, 'resume', 'lift it')).toMatchObject({ done: 'released', detail: expect.stringMatching(/its stored pause is lifted/) });
    expect(await t.result(plan.plan_id)).toMatchObject({ state: 'EXECUTED' });
    const running = newPlan('STOREUSDT', 'PARTIAL_25', 'store-run');
    await t.setLedger('STOREUSDT', '1');
    await t.stack.services.store.setTradingState({ scope: 'STOREUSDT', state: 'halted', who: 'ops-test', why: 'hold everything' });
    await expect(setScopeTrading(ops, 'STOREUSDT', 'paused', 'just a pause')).rejects.toThrow(/STOREUSDT is halted: a pause would weaken the halt/);
    expect((await t.stack.services.store.tradingStates()).find((s) => s.scope === 'STOREUSDT')).toMatchObject({ state: 'halted' });
    await t.stack.services.store.setTradingState({ scope: 'STOREUSDT', state: 'running', who: 'ops-test', why: 'over' });
    // The ledger (1) now disagrees with the exchange (0.5): the plan waits for a reconcile, held by nothing.
    await t.submit(running);
    await waitForStage(t.stack.client, running.plan_id, 'awaiting_reconcile', 30_000);
    await expect(commandPlan(ops, running.plan_id, 'resume', 'nothing to lift')).rejects.toThrow(/refused the resume: the plan is not paused by its own pause \(stage awaiting_reconcile\)/);
    const tooLong = await runCli(['pause', running.plan_id, '--reason', 'x'.repeat(1001)], cli);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toBe('permitctl: a reason is 1 to 1000 characters (got 1001)\n');
    expect((await t.stack.services.store.tradingStates()).find((s) => s.scope === `plan:${running.plan_id}`)).toBeUndefined();
    await commandPlan(ops, running.plan_id, 'cancel', 'test over');
  });
});
