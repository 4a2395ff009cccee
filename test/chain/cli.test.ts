// permitctl against a running stack: submit --wait --json and status --json (the JSON shape),
// duplicate submits, malformed plans (exit 2, field-level, nothing started: also a timestamp in
// milliseconds or from the future), unknown plans (exit 3).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_WORKFLOW_TYPE } from '../../src/workflows/contract.js';
import { executionsOf, newPlan, waitForStage } from '../support/plans.js';
import { runCli, type CliResult } from '../support/processes.js';
import { cleanEnv, startChainStack, type ChainStack } from '../support/stack.js';

const STATUS_KEYS = ['plan_id', 'symbol', 'action', 'workflow_id', 'state', 'stage', 'reason', 'permits', 'order', 'events', 'chain_latency_ms', 'turn'];
const GOVERNOR_KEYS = ['permit_key', 'granted', 'computed_qty', 'computed_notional', 'created_at', 'expires_at', 'ttl_seconds', 'consumed'];
const P33_KEYS = ['permit_key', 'allow', 'reason', 'context', 'created_at', 'expires_at', 'ttl_seconds'];
const CONTEXT_KEYS = ['exchange_amt', 'ledger_amt', 'diff', 'tolerance'];
const ORDER_KEYS = ['client_order_id', 'exchange_order_id', 'side', 'qty', 'status', 'filled_qty', 'avg_price'];
/** A float printed with binary noise, e.g. 0.046000000000000006 or 0.015999999999999997. */
const FLOAT_NOISE = /\d\.\d*(0{6,}|9{6,})\d/;

function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^permitctl: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

// Each permitctl run starts a Node process (tsx, Temporal client): seconds each, more on a busy machine.
describe('permitctl against a running stack', { timeout: 120_000 }, () => {
  let t: ChainStack;
  let byAddress: NodeJS.ProcessEnv;
  let byStackFile: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await startChainStack({ markets: [{ symbol: 'CLIBTCUSDT', position: '0.062', markPrice: '60000' }, { symbol: 'CLIMISUSDT', position: '1', markPrice: '100' }], database: 'postgres' });
    await t.setLedger('CLIBTCUSDT', '0.062');
    byAddress = cleanEnv({ TEMPORAL_ADDRESS: t.stack.temporalAddress, TEMPORAL_TASK_QUEUE: t.stack.taskQueue, PERMITCTL_OPERATOR: 'cli-test' });
    // No TEMPORAL_ADDRESS: the CLI finds the stack through <data dir>/stack.json.
    byStackFile = cleanEnv({ PERMIT_CHAIN_DATA_DIR: t.dataDir, PERMITCTL_OPERATOR: 'cli-test' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  function planFile(name: string, content: unknown): string {
    const path = join(t.dataDir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  async function planWorkflowCount(): Promise<number> {
    let n = 0;
    for await (const _ of t.stack.client.workflow.list({ query: `WorkflowType = '${PLAN_WORKFLOW_TYPE}'` })) n += 1;
    return n;
  }

  it('submit --wait --json executes the plan and prints the chain in the documented shape; status --json agrees', async () => {
    const plan = newPlan('CLIBTCUSDT', 'PARTIAL_75', 'cli');
    const file = planFile('plan.json', plan);
    const submitted = await runCli(['submit', file, '--wait', '--json'], byAddress);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).not.toMatch(FLOAT_NOISE);
    const state = JSON.parse(submitted.stdout) as Record<string, any>; // parsed CLI output, checked field by field below

    expect(Object.keys(state).sort()).toEqual([...STATUS_KEYS].sort());
    expect(state).toMatchObject({ plan_id: plan.plan_id, symbol: 'CLIBTCUSDT', action: 'PARTIAL_75', workflow_id: `plan-${plan.plan_id}`, state: 'EXECUTED', stage: 'done', reason: null });
    expect(Object.keys(state.permits).sort()).toEqual(['governor', 'p33']);
    expect(Object.keys(state.permits.governor)).toEqual(expect.arrayContaining(GOVERNOR_KEYS));
    expect(Object.keys(state.permits.p33)).toEqual(expect.arrayContaining(P33_KEYS));
    expect(Object.keys(state.permits.p33.context).sort()).toEqual([...CONTEXT_KEYS].sort());
    expect(Object.keys(state.order)).toEqual(expect.arrayContaining(ORDER_KEYS));
    expect(state.permits.governor).toMatchObject({ permit_key: `quantum:permit:${plan.plan_id}`, granted: true, computed_qty: 0.046, computed_notional: 2760, ttl_seconds: 15, consumed: true });
    expect(state.permits.p33).toMatchObject({ permit_key: `quantum:permit:p33:${plan.plan_id}`, allow: true, reason: null, context: { exchange_amt: 0.062, ledger_amt: 0.062, diff: 0, tolerance: 0.001 }, ttl_seconds: 15 });
    for (const p of [state.permits.governor, state.permits.p33]) {
      expect(Date.parse(p.expires_at) - Date.parse(p.created_at)).toBe(15_000);
    }
    expect(state.order).toMatchObject({ client_order_id: `pc1-${plan.plan_id}`, side: 'SELL', qty: 0.046, status: 'FILLED', filled_qty: 0.046, avg_price: 60000 });
    expect(typeof state.order.exchange_order_id).toBe('string');
    expect(typeof state.chain_latency_ms).toBe('number');
    expect(state.events.length).toBeGreaterThan(0);
    for (const e of state.events) {
      expect(typeof e.kind).toBe('string');
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }
    expect(state.events.find((e: { kind: string }) => e.kind === 'fill_booked')).toMatchObject({ ledger_amt: 0.016 });

    const [status, again] = await Promise.all([runCli(['status', plan.plan_id, '--json'], byStackFile), runCli(['submit', file], byAddress)]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual(state);
    expectOneLineError(again, 1, /already submitted/);
    expect(await executionsOf(t.stack.client, plan.plan_id)).toBe(1);
    expect(await t.paper.acceptedOrders('CLIBTCUSDT')).toHaveLength(1);
  });

  it('malformed plans exit 2 with a field-level message and start nothing; unknown plans exit 3', async () => {
    const before = await planWorkflowCount();
    const valid = newPlan('CLIBTCUSDT', 'PARTIAL_50', 'bad');
    const badFields = { ...valid, action: 'PARTIAL_80', symbol: 'btc-usdt', kill_score: undefined };
    const [fields, planId, notJson, unknown] = await Promise.all([
      runCli(['submit', planFile('fields.json', badFields), '--wait'], byAddress),
      runCli(['submit', '-', '--json'], byAddress, JSON.stringify({ ...valid, plan_id: 'has spaces/and slashes' })),
      runCli(['submit', planFile('broken.json', '{"plan_id": "x",')], byAddress),
      runCli(['status', 'no-such-plan', '--json'], byStackFile),
    ]);
    expectOneLineError(fields, 2, /^permitctl: invalid plan: symbol: symbol must be an upper-case futures symbol such as BTCUSDT; action: action must be one of PARTIAL_25, PARTIAL_50, PARTIAL_75, FULL_CLOSE; kill_score: kill_score is required and must be a number$/m);
    expectOneLineError(planId, 2, /invalid plan: plan_id: plan_id must be 1-32 characters/);
    expectOneLineError(notJson, 2, /invalid plan: not JSON/);
    for (const r of [fields, planId, notJson]) expect(r.stdout).toBe('');
    expect(await planWorkflowCount()).toBe(before);
    expect(await executionsOf(t.stack.client, valid.plan_id)).toBe(0);

    expectOneLineError(unknown, 3, /plan no-such-plan not found/);
    expect(unknown.stdout).toBe('');
  });

  it('a plan timestamped in milliseconds or from the future exits 2 naming timestamp and starts nothing', async () => {
    const before = await planWorkflowCount();
    const inMs = { ...newPlan('CLIBTCUSDT', 'PARTIAL_50', 'ms'), timestamp: 1769301008976 };
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const fromFuture = { ...newPlan('CLIBTCUSDT', 'PARTIAL_50', 'future'), timestamp: inAnHour };
    const [ms, future] = await Promise.all([
      runCli(['submit', planFile('ms.json', inMs), '--wait'], byAddress),
      runCli(['submit', '-', '--json'], byAddress, JSON.stringify(fromFuture)),
    ]);
    expectOneLineError(ms, 2, /^permitctl: invalid plan: timestamp: 1769301008976 looks like milliseconds; send unix seconds$/m);
    // 3600 s, or a little less when the CLI's start took seconds.
    expectOneLineError(future, 2, new RegExp(`^permitctl: invalid plan: timestamp: ${inAnHour} is 3[56]\\d\\d s in the future \\(allowed skew 60 s\\)$`, 'm'));
    for (const r of [ms, future]) expect(r.stdout).toBe('');
    expect(await planWorkflowCount()).toBe(before);
    expect(await executionsOf(t.stack.client, inMs.plan_id)).toBe(0);
    expect(await executionsOf(t.stack.client, fromFuture.plan_id)).toBe(0);
  });

  it('submit --wait and status end with an exit code per outcome: DENIED 10, RUNNING 14, CANCELLED 13', async () => {
    const unknownSymbol = newPlan('CLINONEUSDT', 'PARTIAL_50', 'exit-denied');
    const denied = await runCli(['submit', planFile('denied.json', unknownSymbol), '--wait'], byAddress);
    expect(denied.code, denied.stderr).toBe(10);
    expect(denied.stdout).toMatch(/DENIED/);
    expect(denied.stdout).toMatch(/Governor: denied unknown_symbol — the exchange lists no market CLINONEUSDT/);
    expect(denied.stdout).not.toMatch(/exchange 0 vs ledger 0/);
    expect((await runCli(['status', unknownSymbol.plan_id, '--json'], byAddress)).code).toBe(10);

    // The ledger (0) disagrees with the exchange (1): the plan waits for a reconcile, still RUNNING.
    const mismatch = newPlan('CLIMISUSDT', 'PARTIAL_50', 'exit-running');
    expect((await runCli(['submit', planFile('running.json', mismatch)], byAddress)).code).toBe(0);
    await waitForStage(t.stack.client, mismatch.plan_id, 'awaiting_reconcile', 30_000);
    const running = await runCli(['status', mismatch.plan_id], byAddress);
    expect(running.code, running.stderr).toBe(14);
    expect(running.stdout).toMatch(/RUNNING \(reconcile_required_qty_mismatch\) · stage awaiting_reconcile/);
    expect(running.stdout).toMatch(/Awaiting a reconcile until 20\d\d-.*Z: run permitctl reconcile CLIMISUSDT --reason "<why the exchange is right>"; without one the plan ends DENIED/);
    const waitingJson = JSON.parse((await runCli(['status', mismatch.plan_id, '--json'], byAddress)).stdout) as { reason: string; awaiting: { for: string; until: string; command: string } };
    expect(waitingJson).toMatchObject({ reason: 'reconcile_required_qty_mismatch', awaiting: { for: 'reconcile', command: expect.stringContaining('permitctl reconcile CLIMISUSDT') } });
    expect(Date.parse(waitingJson.awaiting.until)).toBeGreaterThan(Date.now());
    expect((await runCli(['cancel', mismatch.plan_id, '--reason', 'exit code test'], byAddress)).code).toBe(0);
    await t.result(mismatch.plan_id);
    const cancelled = await runCli(['status', mismatch.plan_id, '--json'], byAddress);
    expect(cancelled.code, cancelled.stderr).toBe(13);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ state: 'CANCELLED' });
  });
});
