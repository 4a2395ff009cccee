// The drift sweep between plans (issue 13, "Why" 6), against the real stack: a Temporal dev server with the
// sweep's Schedule, a `permitctl worker` process with DRIFT_ACTION=pause, the paper exchange through the real
// ccxt client, PostgreSQL. A manual change on the exchange (/_paper/position) is found with nothing in
// flight, recorded for good, counted in /metrics, listed by `permitctl drift`, and pauses the symbol until an
// operator reconciles it; a sweep that cannot read the exchange says so and never takes it as flat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport, DriftSweepResult } from '../../src/activities/contract.js';
import { freePort } from '../../src/workers/ports.js';
import { newPlan, planResult, waitForChain } from '../support/plans.js';
import { runCli, type WorkerProcess } from '../support/processes.js';
import { metricSum, startWorkerFixture, waitFor, type WorkerFixture } from '../workers/fixture.js';

const DRIFTED = 'DRIFTUSDT';
const STEADY = 'STEADYUSDT';
const ORPHAN = 'ORPHANUSDT';

describe('the drift sweep', { timeout: 180_000 }, () => {
  let fx: WorkerFixture;
  let worker: WorkerProcess;
  let metricsUrl: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    fx = await startWorkerFixture({
      prefix: 'drift',
      markets: [DRIFTED, STEADY, ORPHAN].map((symbol) => ({ symbol, position: '1', markPrice: '100' })),
      ledger: { [DRIFTED]: '1', [STEADY]: '1', [ORPHAN]: '1' },
    });
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    worker = fx.spawn({ DRIFT_ACTION: 'pause', METRICS_PORT: String(port) });
    await worker.ready;
    env = fx.workerEnv({ PERMITCTL_OPERATOR: 'drift-test' });
  });

  afterAll(async () => {
    await fx?.stop();
  });

  const report = async (...args: string[]): Promise<DriftReport> => {
    const out = await runCli(['drift', '--json', ...args], env);
    expect(out.code, out.stderr).toBe(0);
    return JSON.parse(out.stdout) as DriftReport;
  };

  it('finds a manual change on the exchange, records it, counts it, lists it and pauses the symbol until a reconcile', async () => {
    const scheduled = await runCli(['drift-schedule', '--every', '1'], env);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toMatch(/^created the drift sweep Schedule permit-chain-drift-sweep: every 1 s on task queue permit-chain-drift$/m);
    // Quiet sweeps first: nothing drifted, both symbols compared.
    await waitFor('a sweep that compared both symbols', async () => (await fx.store.driftSweeps(5)).find((s) => s.checked === 3 && s.error === null), 30_000, 250);
    expect(await fx.store.driftFindings({})).toEqual([]);

    await fx.paper.setPosition(DRIFTED, '3'); // a manual trade nobody booked
    const [finding] = await waitFor('the drift finding', async () => {
      const open = await fx.store.driftFindings({ symbol: DRIFTED, openOnly: true });
      return open.length > 0 ? open : null;
    }, 30_000, 200);
    expect(finding).toMatchObject({ symbol: DRIFTED, exchangeAmt: '3', ledgerAmt: '1', diff: '2', tolerance: '0.001', action: 'paused', exchangeUpdatedAt: expect.any(String) });
    expect(await fx.store.isTradingPaused(DRIFTED)).toMatchObject({ paused: true, scope: DRIFTED });
    expect((await fx.store.tradingStateHistory(20)).find((c) => c.scope === DRIFTED)).toMatchObject({ state: 'paused', who: 'drift-sweep', why: expect.stringMatching(/exchange 3 vs ledger 1/) });
    expect((await fx.store.isTradingPaused(STEADY)).paused).toBe(false);
    expect(await fx.store.driftFindings({ symbol: STEADY })).toEqual([]);

    const listed = await report('--open');
    expect(listed.findings).toEqual([expect.objectContaining({ finding_id: finding!.findingId, symbol: DRIFTED, exchange_amt: '3', ledger_amt: '1', resolved_at: null })]);
    const text = await runCli(['drift'], env);
    expect(text.stdout).toMatch(new RegExp(`^${finding!.findingId}\\s+${DRIFTED}\\s+3\\s+1\\s+2\\s+0\\.001\\s+paused\\s+.*OPEN$`, 'm'));
    await waitFor('the metric', async () => metricSum(await (await fetch(metricsUrl)).text(), 'permit_chain_drift_detected', { symbol: DRIFTED }) === 1, 10_000, 200);
    // Later sweeps see the same drift again: one finding, seen more than once, not a new one each time.
    await waitFor('the drift seen again', async () => ((await fx.store.driftFindings({ symbol: DRIFTED }))[0]?.seenCount ?? 0) > 1, 20_000, 200);
    expect(await fx.store.driftFindings({ symbol: DRIFTED })).toHaveLength(1);

    // A plan of the symbol is held by the pause, not denied.
    const plan = newPlan(DRIFTED, 'PARTIAL_50', 'drift');
    await fx.submit(plan);
    const held = await waitForChain(fx.client, plan.plan_id, (s) => s.stage === 'paused', 'held by the drift pause');
    expect(held.permits.governor).toMatchObject({ granted: false, reason: 'trading_paused' });
    expect(await fx.paper.orderPosts(DRIFTED)).toEqual([]);

    const reconciled = await runCli(['reconcile', DRIFTED, '--reason', 'manual trade confirmed'], env);
    expect(reconciled.code, reconciled.stderr).toBe(0);
    expect(reconciled.stdout).toMatch(/ledger DRIFTUSDT: 1 → 3 .*drift finding resolved; the drift pause of DRIFTUSDT is lifted/);
    expect((await fx.store.isTradingPaused(DRIFTED)).paused).toBe(false);
    expect((await fx.store.driftFindings({ symbol: DRIFTED }))[0]).toMatchObject({ resolvedAt: expect.any(String), resolution: expect.stringMatching(/^reconciled by drift-test/) });
    // The held plan is told at once and trades on the reconciled position: 3 → 1.5.
    expect(await planResult(fx.client, plan.plan_id)).toMatchObject({ state: 'EXECUTED', order: { filled_qty: '1.5' } });
    const planEnded = Date.now();
    const later = await waitFor('a sweep after the plan', async () => (await fx.store.driftSweeps(5)).find((s) => Date.parse(s.startedAt) > planEnded && s.checked === 3), 20_000, 200);
    expect(later.drifted, JSON.stringify(await fx.store.driftFindings({}))).toBe(0);
    expect(await fx.store.driftFindings({ openOnly: true })).toEqual([]);
  });

  it('a sweep that cannot read the exchange says so: nothing compared, nothing taken as flat', async () => {
    const removed = await runCli(['drift-schedule', '--delete'], env);
    expect(removed.stdout).toMatch(/^deleted the drift sweep Schedule/m);
    await fx.paper.addFault({ method: 'GET', path: '/fapi/v3/positionRisk', count: 20, action: { type: 'http', status: 503 } });
    try {
      const swept = await runCli(['drift-sweep'], env);
      expect(swept.code).toBe(1);
      expect(swept.stderr).toMatch(/the exchange could not be read .*nothing was compared; a failed read is never taken as a flat position/);
      const [last] = await fx.store.driftSweeps(1);
      expect(last).toMatchObject({ checked: 0, drifted: 0, error: expect.stringMatching(/could not be read/) });
      expect(await fx.store.driftFindings({ openOnly: true })).toEqual([]);
      const text = await runCli(['drift'], env);
      expect(text.stdout).toMatch(/last sweep .*: FAILED: the exchange could not be read/);
      expect(metricSum(await (await fetch(metricsUrl)).text(), 'permit_chain_drift_sweeps', { result: 'failed' })).toBeGreaterThanOrEqual(1);
    } finally {
      await fx.paper.clearFaults();
    }
  });
  it('an order left open by a terminated plan is followed by the sweep and booked as final once the exchange says so', async () => {
    const sweep = async (): Promise<DriftSweepResult> => {
      const out = await runCli(['drift-sweep', '--json'], env);
      expect(out.code, out.stderr).toBe(0);
      return JSON.parse(out.stdout) as DriftSweepResult;
    };
    await fx.paper.addFault({ method: 'POST', path: '/fapi/v1/order', count: 1, action: { type: 'partial_fill', ratio: 0.4, restAfterMs: 6_000 } });
    const plan = newPlan(ORPHAN, 'PARTIAL_50', 'orphan'); // sells 0.5: 0.2 at once, 0.3 six seconds later
    await fx.submit(plan);
    await waitForChain(fx.client, plan.plan_id, (s) => s.stage === 'booking' && s.events.some((e) => e.kind === 'fill_booked'), 'the partial fill booked');
    await fx.client.workflow.getHandle(`plan-${plan.plan_id}`).terminate('test: an operator terminates a plan whose order is open');
    expect(await fx.store.ledgerPosition('paper', ORPHAN)).toBe('0.8');

    const open = await sweep();
    expect(open.orphans).toEqual([expect.objectContaining({ symbol: ORPHAN, plan_id: plan.plan_id, settled: false, status: 'PARTIALLY_FILLED', why: expect.stringMatching(/^plan TERMINATED; the order is still PARTIALLY_FILLED/) })]);
    expect(open.busy).toEqual([expect.objectContaining({ symbol: ORPHAN, why: expect.stringMatching(/^order in flight/) })]);

    await waitFor('the rest of the order executed', async () => (await fx.paper.position(ORPHAN)) === '0.5', 20_000, 200);
    const settled = await sweep();
    expect(settled.orphans).toEqual([expect.objectContaining({ symbol: ORPHAN, settled: true, status: 'FILLED', executed: '0.5' })]);
    expect(settled.busy.map((b) => b.symbol)).not.toContain(ORPHAN);
    expect(settled.drifted.map((d) => d.symbol)).not.toContain(ORPHAN);
    expect(await fx.store.ledgerPosition('paper', ORPHAN)).toBe('0.5');
    expect(await fx.store.allInFlightOrders('paper')).toEqual([]);
    // Once booked it is no orphan any more.
    expect((await sweep()).orphans).toBeUndefined();
  });
});
