// Plans of one symbol submitted together (issue 13, "Why" 1 and 3), against the real stack: a Temporal dev
// server, two `permitctl worker` processes, the paper exchange through the real ccxt client, PostgreSQL.
// Each worker serves its own task queue and the plans alternate between them, so the two workers hold plans
// of the same symbol at once and only the store coordinates them. N plans close exactly what they would one
// after another, never more; a plan waiting for its turn says so (status, search attribute, metric).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle.js';
import type { ChainState } from '../../src/domain/chain.js';
import type { Plan } from '../../src/domain/plan.js';
import { startPlanWorkflow } from '../../src/client/start-plan.js';
import { freePort } from '../../src/workers/ports.js';
import { turnSignal } from '../../src/workflows/contract.js';
import { newPlan, planResult, waitForChain } from '../support/plans.js';
import { runCli, type WorkerProcess } from '../support/processes.js';
import { metricSum, startWorkerFixture, waitFor, type WorkerFixture } from '../workers/fixture.js';
import { DEFAULT_CHAIN_POLICY } from '../../src/domain/chain-policy.js';

const TWO = 'TWOATONCEUSDT';
const FIVE = 'FIVEATONCEUSDT';
const WAIT = 'WAITTURNUSDT';
const RESET = 'RESETTURNUSDT';
const SYMBOLS = [TWO, FIVE, WAIT, RESET];

describe('plans of one symbol at once, on two worker processes', () => {
  let fx: WorkerFixture;
  const queues = ['permit-chain-conc-a', 'permit-chain-conc-b'];
  const metricsPorts: number[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    fx = await startWorkerFixture({
      prefix: 'conc',
      markets: SYMBOLS.map((symbol) => ({ symbol, position: '1', markPrice: '100' })),
      ledger: Object.fromEntries(SYMBOLS.map((s) => [s, '1'])),
    });
    const bundle = await buildWorkflowBundle(join(fx.dataDir, 'workflow-bundle.js'));
    for (const queue of queues) {
      const port = await freePort();
      metricsPorts.push(port);
      workers.push(fx.spawn({ WORKFLOW_BUNDLE_PATH: bundle, TEMPORAL_TASK_QUEUE: queue, METRICS_PORT: String(port) }));
    }
    await Promise.all(workers.map((w) => w.ready));
  });

  afterAll(async () => {
    await fx?.stop();
  });

  const submitOn = (plan: Plan, i: number) =>
    startPlanWorkflow(fx.client, plan, { taskQueue: queues[i % queues.length]!, policy: { ...DEFAULT_CHAIN_POLICY, orderAttemptTimeoutMs: 5000 } });

  async function soldQuantities(symbol: string): Promise<string[]> {
    return (await fx.paper.bookedOrders(symbol)).map((o) => o.executedQty);
  }

  it('two PARTIAL_50 on a position of 1 close 0.5 then 0.25, as one after the other would', async () => {
    const plans = [newPlan(TWO, 'PARTIAL_50', 'two'), newPlan(TWO, 'PARTIAL_50', 'two')];
    await Promise.all(plans.map((p, i) => submitOn(p, i)));
    const results = await Promise.all(plans.map((p) => planResult(fx.client, p.plan_id)));
    expect(results.map((r) => r.state)).toEqual(['EXECUTED', 'EXECUTED']);
    expect(await soldQuantities(TWO)).toEqual(['0.5', '0.25']);
    expect(await fx.paper.position(TWO)).toBe('0.25');
    expect(await fx.store.ledgerPosition('paper', TWO)).toBe('0.25');
    // The second sized from what the first left: it waited for the first, which passed it the turn.
    const [first, second] = results[0]!.order!.filled_qty === '0.5' ? results : [results[1]!, results[0]!];
    expect(second!.events.find((e) => e.kind === 'turn_waiting')).toMatchObject({ waiting_for: first!.plan_id });
    expect(first!.events.find((e) => e.kind === 'turn_passed')).toMatchObject({ next_plan_id: second!.plan_id });
    expect(second!.permits.governor).toMatchObject({ computed_qty: '0.25' });
  });

  it('five PARTIAL_50 at once close 0.5, 0.25, 0.125, 0.062, 0.031: never more than in sequence', async () => {
    const plans = Array.from({ length: 5 }, () => newPlan(FIVE, 'PARTIAL_50', 'five'));
    await Promise.all(plans.map((p, i) => submitOn(p, i)));
    const results: ChainState[] = await Promise.all(plans.map((p) => planResult(fx.client, p.plan_id)));
    expect(results.map((r) => r.state)).toEqual(Array(5).fill('EXECUTED'));
    expect(await soldQuantities(FIVE)).toEqual(['0.5', '0.25', '0.125', '0.062', '0.031']);
    expect(await fx.paper.position(FIVE)).toBe('0.032');
    expect(await fx.store.ledgerPosition('paper', FIVE)).toBe('0.032');
    // Both workers ran plans of the symbol (each task queue has one worker).
    expect(new Set(plans.map((_, i) => queues[i % 2])).size).toBe(2);
    expect(results.filter((r) => r.events.some((e) => e.kind === 'turn_waiting'))).toHaveLength(4);
    const turns = (await Promise.all(plans.map((p) => fx.store.turnsOfPlan(p.plan_id)))).flat();
    expect(turns.every((t) => t.releasedAt !== null && t.releaseReason === 'plan ended EXECUTED')).toBe(true);
    expect(await fx.store.openTurns('paper', FIVE)).toEqual([]);
  });

  it('a plan waiting for its turn shows whose turn it is in status, in list --stage waiting_turn and in the metrics', async () => {
    await fx.paper.addFault({ method: 'POST', path: '/fapi/v1/order', count: 1, action: { type: 'latency', ms: 4_000 } });
    const a = newPlan(WAIT, 'PARTIAL_50', 'wait-a');
    const b = newPlan(WAIT, 'PARTIAL_50', 'wait-b');
    await submitOn(a, 0);
    await waitFor("plan A's order on its way", async () => (await fx.paper.orderPosts(WAIT)).length > 0, 30_000, 25);
    await submitOn(b, 1);
    const waiting = await waitForChain(fx.client, b.plan_id, (s) => s.stage === 'waiting_turn', 'waiting for its turn');
    expect(waiting.turn).toMatchObject({ state: 'waiting', waiting_for: a.plan_id, ahead: 1 });
    expect(waiting.permits.governor).toBeNull(); // nothing sized while it waits

    const env = fx.workerEnv();
    const status = await runCli(['status', b.plan_id], env);
    expect(status.stdout).toContain(`Waiting for its turn on ${WAIT}`);
    expect(status.stdout).toContain(`plan ${a.plan_id} holds it (1 ahead)`);
    const listed = await waitFor('the search attribute PermitStage=waiting_turn', async () => {
      const out = await runCli(['list', '--stage', 'waiting_turn', '--symbol', WAIT, '--json'], env);
      const plans = (JSON.parse(out.stdout) as { plans: Array<{ plan_id: string }> }).plans;
      return plans.length > 0 ? plans : null;
    }, 20_000, 250);
    expect(listed.map((p) => p.plan_id)).toEqual([b.plan_id]);
    const metrics = await Promise.all(metricsPorts.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
    expect(metrics.reduce((n, text) => n + metricSum(text, 'permit_chain_turn_waits', { symbol: WAIT }), 0)).toBe(1);

    const [ra, rb] = await Promise.all([planResult(fx.client, a.plan_id), planResult(fx.client, b.plan_id)]);
    expect([ra.state, rb.state]).toEqual(['EXECUTED', 'EXECUTED']);
    expect(rb.order).toMatchObject({ filled_qty: '0.25' });
    expect(rb.events.find((e) => e.kind === 'turn_granted')?.waited_ms).toBeGreaterThan(1_000);
    const after = await Promise.all(metricsPorts.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
    expect(after.reduce((n, text) => n + metricSum(text, 'permit_chain_turn_wait_count', { symbol: WAIT }), 0)).toBe(1);
  });
  it('a reset plan keeps its turn: the plan behind it is not let through when the old run closes', async () => {
    await fx.paper.setPosition(RESET, '0.5'); // ledger 1: A is denied by P3.3 and holds the turn while it awaits a reconcile
    const policy = { ...DEFAULT_CHAIN_POLICY, orderAttemptTimeoutMs: 5000, turnCheckSeconds: 1 };
    const a = newPlan(RESET, 'PARTIAL_50', 'reset-a');
    const b = newPlan(RESET, 'PARTIAL_50', 'reset-b');
    await startPlanWorkflow(fx.client, a, { taskQueue: queues[0]!, policy });
    await waitForChain(fx.client, a.plan_id, (s) => s.stage === 'awaiting_reconcile', 'A awaiting a reconcile');
    await startPlanWorkflow(fx.client, b, { taskQueue: queues[1]!, policy });
    await waitForChain(fx.client, b.plan_id, (s) => s.stage === 'waiting_turn', 'B waiting for its turn');

    // An operator resets A to a point after it took its turn and its permits: the old run is TERMINATED and a
    // new run carries on from the same history, holding the same turn. (A no-op signal makes a workflow task
    // after the one that took the turn, so the reset keeps that one.)
    const workflowId = `plan-${a.plan_id}`;
    const oldRun = (await fx.client.workflow.getHandle(workflowId).describe()).runId;
    const completedTasks = async () => ((await fx.client.workflow.getHandle(workflowId, oldRun).fetchHistory()).events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes);
    const before = (await completedTasks()).length;
    await fx.client.workflow.getHandle(workflowId, oldRun).signal(turnSignal, { from_plan_id: 'test' });
    const tasks = await waitFor('a workflow task after the signal', async () => {
      const t = await completedTasks();
      return t.length > before ? t : null;
    }, 20_000, 100);
    const reset = await fx.client.workflowService.resetWorkflowExecution({
      namespace: fx.client.options.namespace,
      workflowExecution: { workflowId, runId: oldRun },
      workflowTaskFinishEventId: tasks[tasks.length - 1]!.eventId,
      reason: 'test: reset while holding the turn',
      requestId: `reset-${a.plan_id}`,
    });
    expect(reset.runId).not.toBe(oldRun);
    await waitForChain(fx.client, a.plan_id, (s) => s.stage === 'awaiting_reconcile', 'the new run of A awaiting a reconcile');
    // B checks the holder every second: the old run is closed but its plan is not, so B keeps waiting.
    await new Promise((r) => setTimeout(r, 4_000));
    const stillWaiting = await waitForChain(fx.client, b.plan_id, () => true, 'B');
    expect(stillWaiting).toMatchObject({ stage: 'waiting_turn', permits: { governor: null } });
    expect(stillWaiting.events.some((e) => e.kind === 'turn_freed')).toBe(false);

    await runCli(['reconcile', RESET, '--reason', 'test'], fx.workerEnv());
    const [ra, rb] = await Promise.all([planResult(fx.client, a.plan_id), planResult(fx.client, b.plan_id)]);
    // A plan id runs once: the reset run is refused at its next permit (duplicate_plan) and passes the turn on.
    expect([ra.state, ra.reason, rb.state]).toEqual(['DENIED', 'duplicate_plan', 'EXECUTED']);
    expect(await soldQuantities(RESET)).toEqual(['0.25']);
    expect(await fx.store.openTurns('paper', RESET)).toEqual([]);
  });
});
