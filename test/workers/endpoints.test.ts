// One `permitctl worker` process, as a pod runs it: readiness only once the worker runs, the project's
// counters on /metrics with exact values after a known set of plans, JSON logs carrying plan and
// workflow ids, and on SIGTERM: not-ready at once, the order in flight finishes, exit 0 after it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/workers/ports.js';
import { newPlan, planResult } from '../support/plans.js';
import type { WorkerProcess } from '../support/processes.js';
import { activityRuns, httpStatus, logLines, metricSum, startWorkerFixture, waitFor, type WorkerFixture } from './fixture.js';

const EXECUTED = ['EPA', 'EPB', 'EPC'].map((s) => `${s}USDT`);
const FLAT = 'EPFLATUSDT';
const DRAIN = 'EPDRAINUSDT';
const ORDER_LATENCY_MS = 4_000;

describe('worker process: health, metrics, logs, graceful shutdown', () => {
  let fx: WorkerFixture;
  let worker: WorkerProcess;
  let health: string;
  let metricsUrl: string;
  const readinessSeen: Array<{ status: number | null; workerReadyLogged: boolean }> = [];

  beforeAll(async () => {
    const markets = [...EXECUTED, DRAIN].map((symbol) => ({ symbol, position: '2', markPrice: '100' }));
    fx = await startWorkerFixture({
      prefix: 'endpoints',
      markets: [...markets, { symbol: FLAT, position: '0', markPrice: '100' }],
      ledger: Object.fromEntries([...EXECUTED, DRAIN].map((s) => [s, '2'])),
    });
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    health = `http://127.0.0.1:${healthPort}`;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    // No WORKFLOW_BUNDLE_PATH: the worker bundles at start, a wide window in which it must be not-ready.
    worker = fx.spawn({ HEALTH_PORT: String(healthPort), METRICS_PORT: String(metricsPort) });
    await waitFor('readiness 200', async () => {
      const status = await httpStatus(`${health}/readyz`);
      readinessSeen.push({ status, workerReadyLogged: worker.output().includes('worker ready') });
      return status === 200;
    }, 90_000, 50);
  });

  afterAll(async () => {
    await fx?.stop();
  });

  it('is ready only once the worker runs; live all along', async () => {
    expect(readinessSeen.some((r) => r.status === 503)).toBe(true);
    const firstReady = readinessSeen.find((r) => r.status === 200)!;
    expect(firstReady.workerReadyLogged).toBe(true);
    expect(readinessSeen.filter((r) => r.status === 200)).toHaveLength(1); // polling stopped at the first 200
    expect(await httpStatus(`${health}/livez`)).toBe(200);
    const body = (await (await fetch(`${health}/readyz`)).json()) as unknown;
    expect(body).toEqual({ ready: true, state: 'RUNNING', checks: { temporal: 'ok', store: 'ok' } });
  });

  it('exposes the project\'s counters with exact values after 3 executed plans and 1 denied', async () => {
    // A rate limit is a definitive "not executed": the order step retries under the same permits.
    await fx.paper.addFault({ method: 'POST', path: '/fapi/v1/order', count: 1, action: { type: 'http', status: 429, body: { code: -1003, msg: 'Too many requests.' } } });
    const plans = [...EXECUTED.map((s) => newPlan(s, 'PARTIAL_50', 'ep')), newPlan(FLAT, 'PARTIAL_50', 'ep')];
    for (const plan of plans) await fx.submit(plan);
    const results = await Promise.all(plans.map((p) => planResult(fx.client, p.plan_id)));
    expect(results.map((r) => r.state)).toEqual(['EXECUTED', 'EXECUTED', 'EXECUTED', 'DENIED']);
    expect(results[3]!.reason).toBe('no_position');

    const text = await (await fetch(metricsUrl)).text();
    const permits = (labels: Record<string, string>) => metricSum(text, 'permit_chain_permits_total', labels);
    expect(permits({ layer: 'governor', decision: 'granted', reason: 'none' })).toBe(3);
    expect(permits({ layer: 'governor', decision: 'denied', reason: 'no_position' })).toBe(1);
    expect(permits({ layer: 'governor' })).toBe(4);
    expect(permits({ layer: 'p33', decision: 'granted' })).toBe(4);
    expect(permits({ decision: 'denied' })).toBe(1);
    expect(metricSum(text, 'permit_chain_plans', { outcome: 'EXECUTED' })).toBe(3);
    expect(metricSum(text, 'permit_chain_plans', { outcome: 'DENIED' })).toBe(1);
    expect(metricSum(text, 'permit_chain_plans')).toBe(4);
    expect(metricSum(text, 'permit_chain_chain_latency_count')).toBe(4);
    expect(metricSum(text, 'permit_chain_exchange_call_duration_seconds_count', { call: 'place_order', result: 'ok' })).toBe(3);
    expect(metricSum(text, 'permit_chain_exchange_errors_total', { call: 'place_order' })).toBe(1);
    // The Temporal runtime's own metrics come through the same endpoint.
    expect(text).toMatch(/^temporal_num_pollers\{/m);
    expect(metricSum(text, 'temporal_workflow_completed')).toBe(4);
  });

  it('writes JSON log lines with plan id and workflow id for every workflow and activity line', () => {
    const lines = logLines(worker.output());
    const aboutWorkflows = lines.filter((l) => l['sdkComponent'] === 'workflow' || l['sdkComponent'] === 'activity');
    expect(aboutWorkflows.length).toBeGreaterThan(10);
    for (const line of aboutWorkflows) {
      expect(line.workflowId).toMatch(/^plan-ep-/);
      expect(line.planId).toBe(line.workflowId!.slice('plan-'.length));
    }
    expect(lines.filter((l) => l.msg === 'plan finished')).toHaveLength(4);
    expect(worker.output()).not.toMatch(/paper-secret|taskToken/);
  });

  it('on SIGTERM turns not-ready at once, finishes the order in flight, then exits 0', async () => {
    await fx.paper.addFault({ method: 'POST', path: '/fapi/v1/order', count: 1, action: { type: 'latency', ms: ORDER_LATENCY_MS } });
    const plan = newPlan(DRAIN, 'PARTIAL_50', 'ep');
    await fx.submit(plan);
    const post = await waitFor('the order reaching the exchange', async () => (await fx.orderLog()).find((e) => e.params['symbol'] === DRAIN && e.method === 'POST'), 30_000, 25);

    worker.terminate();
    const signalledAt = Date.now();
    expect(await httpStatus(`${health}/readyz`)).toBe(503);
    expect(await httpStatus(`${health}/livez`)).toBe(200);
    const exit = await worker.exit;

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at).toBeGreaterThanOrEqual(post.receivedAt + ORDER_LATENCY_MS);
    const [order] = (await fx.orderLog()).filter((e) => e.params['symbol'] === DRAIN);
    expect(order?.outcome).toMatchObject({ type: 'accepted' });
    const placeOrder = activityRuns(logLines(worker.output())).filter((r) => r.type === 'placeOrder' && r.planId === plan.plan_id);
    expect(placeOrder).toHaveLength(1);
    expect(placeOrder[0]).toMatchObject({ outcome: 'completed' });
    expect(placeOrder[0]!.started).toBeLessThan(signalledAt);
    expect(placeOrder[0]!.finished).toBeGreaterThan(signalledAt);
    expect(worker.output()).toMatch(/"msg":"draining: not ready[^\n]*\n(.*\n)*.*"msg":"worker stopped: in-flight activities finished"/);

    // Another worker books the fill: the plan ends EXECUTED with its one order.
    const next = fx.spawn();
    await next.ready;
    expect((await planResult(fx.client, plan.plan_id)).state).toBe('EXECUTED');
    expect(await fx.paper.acceptedOrders(DRAIN)).toHaveLength(1);
    expect(await fx.paper.bookedOrders(DRAIN)).toHaveLength(1);
  });
});
