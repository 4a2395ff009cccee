// `permitctl trace` and `permitctl list` against a real dev server: the timeline comes from the history,
// the list from the search attributes, and both print the plan's Web UI address.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../temporal/cli-path.js';
import { newPlan } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';

const run = promisify(execFile);
const UI = 'http://ui.example.test:8233';
let chain: ChainStack;
const denied = newPlan('TRDENYUSDT', 'PARTIAL_50', 'tr-deny');
const executed = newPlan('TREXECUSDT', 'PARTIAL_75', 'tr-exec');

async function permitctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...chain.env, TEMPORAL_ADDRESS: chain.stack.temporalAddress, TEMPORAL_UI_URL: UI };
  try {
    const { stdout, stderr } = await run('node', [join(PROJECT_ROOT, 'bin', 'permitctl.js'), ...args], { env, cwd: PROJECT_ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  chain = await startChainStack({
    markets: [
      { symbol: 'TRDENYUSDT', position: '0.1' },
      { symbol: 'TREXECUSDT', position: '0.062' },
    ],
    env: { RECONCILE_WAIT_SECONDS: '1' },
  });
  await chain.setLedger('TREXECUSDT', '0.062');
  await chain.setLedger('TRDENYUSDT', '0.002');
  await Promise.all([chain.submit(denied), chain.submit(executed)]);
  expect((await chain.result(denied.plan_id)).state).toBe('DENIED');
  expect((await chain.result(executed.plan_id)).state).toBe('EXECUTED');
});

afterAll(async () => {
  await chain?.stop();
});

describe('permitctl trace', () => {
  it('prints the executed chain as the seed timing table, from history', async () => {
    const { code, stdout } = await permitctl('trace', executed.plan_id);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\| Time \(UTC\)\s+\| Layer\s+\| Action\s+\| Result\s+\| TTL \|/);
    expect(stdout).toMatch(/\| Governor \| Governor: granted SELL 0\.046 TREXECUSDT, notional 2760, expires \d\d:\d\d:\d\d\.\d{3}\s+\| GRANTED\s+\| 15s/);
    expect(stdout).toMatch(/\| P3\.3\s+\| P3\.3: allowed — exchange 0\.062 vs ledger 0\.062, diff 0 ≤ tolerance 0\.001/);
    expect(stdout).toMatch(/\| Exchange \| Order pc1-tr-exec-\w+ SELL 0\.046\/0\.046 @ 60000\s+\| FILLED/);
    expect(stdout).toMatch(/\| Ledger\s+\| Fill booked, ledger now 0\.016\s+\| BOOKED/);
    expect(stdout).toMatch(/\| Outcome\s+\| .*\| EXECUTED/);
    expect(stdout).toContain(`Web UI: ${UI}/namespaces/default/workflows/plan-${executed.plan_id}`);
  });

  it('shows the denial with its context, and JSON rows', async () => {
    const { code, stdout } = await permitctl('trace', denied.plan_id, '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { rows: Array<{ layer: string; action: string; result: string; ttl: string }>; ui: string };
    const p33 = out.rows.find((r) => r.layer === 'P3.3');
    expect(p33).toMatchObject({ result: 'DENIED', ttl: '15s', action: 'P3.3: denied reconcile_required_qty_mismatch — exchange 0.1 vs ledger 0.002, diff 0.098 > tolerance 0.001' });
    expect(out.rows.at(-1)).toMatchObject({ layer: 'Outcome', result: 'DENIED' });
    expect(out.ui).toBe(`${UI}/namespaces/default/workflows/plan-${denied.plan_id}`);
  });

  it('answers exit 3 for an unknown plan', async () => {
    const { code, stderr } = await permitctl('trace', 'no-such-plan');
    expect(code).toBe(3);
    expect(stderr.trim().split('\n')).toEqual(['permitctl: plan no-such-plan not found (no workflow plan-no-such-plan)']);
  });
});

describe('permitctl list', () => {
  it('filters by symbol and outcome through the search attributes', async () => {
    const { code, stdout } = await permitctl('list', '--symbol', 'TRDENYUSDT', '--outcome', 'DENIED', '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { query: string; plans: Array<Record<string, unknown>> };
    expect(out.query).toBe(`WorkflowType = 'planWorkflow' AND PermitSymbol = 'TRDENYUSDT' AND PermitOutcome = 'DENIED'`);
    expect(out.plans).toEqual([
      expect.objectContaining({ plan_id: denied.plan_id, symbol: 'TRDENYUSDT', action: 'PARTIAL_50', stage: 'done', outcome: 'DENIED', reason: 'reconcile_required_qty_mismatch', kill_score: 0.539, ui: `${UI}/namespaces/default/workflows/plan-${denied.plan_id}` }),
    ]);
  });

  it('prints a table with the Web UI address', async () => {
    const { code, stdout } = await permitctl('list', '--symbol', 'TREXECUSDT');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`${executed.plan_id}\\s+TREXECUSDT\\s+PARTIAL_75\\s+done\\s+EXECUTED`));
    expect(stdout).toContain(`${UI}/namespaces/default/workflows/plan-${executed.plan_id}`);
  });

  it('finds nothing running once both plans ended', async () => {
    const { stdout } = await permitctl('list', '--symbol', 'TRDENYUSDT', '--running', '--json');
    expect((JSON.parse(stdout) as { plans: unknown[] }).plans).toEqual([]);
  });

  it.each([
    [['--outcome', 'MAYBE'], 'invalid --outcome "MAYBE"'],
    [['--stage', 'nowhere'], 'invalid --stage "nowhere"'],
    [['--symbol', "X' OR '1'='1"], 'invalid --symbol'],
  ])('refuses %j with exit 2', async (args, message) => {
    const { code, stderr } = await permitctl('list', ...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
