// Three `permitctl worker` processes on one task queue, 200 plans in flight (one market each, every
// order slowed on the exchange so many are in flight at once). Mid-run one worker is killed (SIGKILL)
// and one is sent SIGTERM: every plan still reaches a final state, no plan has two orders, and the
// SIGTERM'd worker exits 0 only after the activities it had in flight finished.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainState } from '../../src/domain/chain.js';
import type { Plan } from '../../src/domain/plan.js';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle.js';
import { newPlan, planResult } from '../support/plans.js';
import type { WorkerProcess } from '../support/processes.js';
import { activityRuns, logLines, startWorkerFixture, waitFor, type WorkerFixture } from './fixture.js';

const PLANS = 200;
const ORDER_LATENCY_MS = 1_500;
const FINAL_STATES = ['EXECUTED', 'DENIED', 'EXPIRED', 'CANCELLED', 'FAILED'];
const symbolOf = (i: number) => `SO${String(i).padStart(3, '0')}USDT`;

/** placeOrder executions the worker had started and not yet finished, per its own log lines. */
function ordersInFlight(worker: WorkerProcess): number {
  return activityRuns(logLines(worker.output())).filter((r) => r.type === 'placeOrder' && r.finished === null).length;
}

describe('three workers, 200 plans, one SIGKILL and one SIGTERM mid-run', () => {
  let fx: WorkerFixture;
  const symbols = Array.from({ length: PLANS }, (_, i) => symbolOf(i));

  beforeAll(async () => {
    fx = await startWorkerFixture({
      prefix: 'scaleout',
      markets: symbols.map((symbol) => ({ symbol, position: '2', markPrice: '100' })),
      ledger: Object.fromEntries(symbols.map((s) => [s, '2'])),
    });
  });

  afterAll(async () => {
    await fx?.stop();
  });

  it('every plan ends, none has two orders, and the drained worker exits after its in-flight orders', async () => {
    // The image's way: the workflow bundle built once into a file, WORKFLOW_BUNDLE_PATH for every worker.
    const bundle = await buildWorkflowBundle(join(fx.dataDir, 'workflow-bundle.js'));
    const env = { WORKFLOW_BUNDLE_PATH: bundle, PERMIT_TTL_SECONDS: '30', WORKER_SHUTDOWN_GRACE: '30s' };
    const [killed, drained, survivor] = [fx.spawn(env), fx.spawn(env), fx.spawn(env)];
    await Promise.all([killed.ready, drained.ready, survivor.ready]);
    await fx.paper.addFault({ method: 'POST', path: '/fapi/v1/order', count: PLANS, action: { type: 'latency', ms: ORDER_LATENCY_MS } });

    const plans: Plan[] = symbols.map((s) => newPlan(s, 'PARTIAL_50', 'so'));
    for (let i = 0; i < plans.length; i += 25) await Promise.all(plans.slice(i, i + 25).map((p) => fx.submit(p)));

    // Mid-run: orders are reaching the exchange and the worker to drain has some of them in flight.
    await waitFor('orders in flight on the worker to drain', async () => {
      const accepted = (await fx.orderLog()).filter((e) => e.method === 'POST').length;
      return accepted >= 20 && ordersInFlight(drained) >= 2;
    }, 90_000, 50);
    await killed.kill();
    drained.terminate();
    const signalledAt = Date.now();

    const results = await Promise.all(plans.map((p) => planResult(fx.client, p.plan_id)));
    const exit = await drained.exit;

    // Every plan reached a final state.
    const states = results.map((r: ChainState) => r.state);
    expect(states.filter((s) => !FINAL_STATES.includes(s))).toEqual([]);
    expect(states.filter((s) => s === 'EXECUTED').length).toBeGreaterThan(PLANS / 2);

    // No plan has two orders: at most one accepted order per market, exactly one for an EXECUTED plan.
    const log = await fx.orderLog();
    for (const [i, plan] of plans.entries()) {
      const accepted = log.filter((e) => e.params['symbol'] === plan.symbol && e.method === 'POST' && e.outcome.type === 'accepted');
      expect(accepted.length, `${plan.plan_id} on ${plan.symbol}`).toBeLessThanOrEqual(1);
      if (results[i]!.state === 'EXECUTED') {
        expect(accepted, `${plan.plan_id} executed`).toHaveLength(1);
        expect(await fx.store.fillsForPlan(plan.plan_id)).toHaveLength(1);
      }
    }
    const booked = await fx.paper.request<{ orders: Array<{ symbol: string }> }>('GET', '/_paper/state');
    const perSymbol = new Map<string, number>();
    for (const o of booked.orders) perSymbol.set(o.symbol, (perSymbol.get(o.symbol) ?? 0) + 1);
    expect([...perSymbol.values()].filter((n) => n > 1)).toEqual([]);

    // The SIGTERM'd worker: exit 0, after every activity it had started finished (none cut off).
    expect(exit).toMatchObject({ code: 0, signal: null });
    const runs = activityRuns(logLines(drained.output()));
    expect(runs.filter((r) => r.finished === null)).toEqual([]);
    const inFlightAtSignal = runs.filter((r) => r.type === 'placeOrder' && r.started < signalledAt && r.finished! > signalledAt);
    expect(inFlightAtSignal.length).toBeGreaterThanOrEqual(1);
    expect(inFlightAtSignal.map((r) => r.outcome)).toEqual(inFlightAtSignal.map(() => 'completed'));
    expect(exit.at).toBeGreaterThanOrEqual(Math.max(...runs.map((r) => r.finished!)));
    const drainedPlans = new Set(inFlightAtSignal.map((r) => r.planId));
    for (const plan of plans.filter((p) => drainedPlans.has(p.plan_id))) {
      expect(log.filter((e) => e.params['symbol'] === plan.symbol && e.outcome.type === 'accepted')).toHaveLength(1);
    }
  }, 240_000);
});
