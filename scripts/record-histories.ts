// Records plan workflow histories as replay fixtures (test/fixtures/histories/*.binpb). Re-run after a
// deliberate, versioned change to the workflow: `npx tsx scripts/record-histories.ts`. Keep the fixtures
// of the previous shapes under another name so that plans started on older code keep replaying:
// v1-activities-* (permit checks and booking as regular activities, before the local-steps patch),
// v2-local-steps-* (one client order id per plan, before the order-attempts patch), v3-order-attempts-*
// (a fill booked once per order and an open order looked up at most 30 times, before the cumulative-fills
// patch), v4-cumulative-fills-* (every reconcile request kept, before the reconcile-answers-denial patch),
// v5-reconcile-answers-* (no symbol turns, final orders not reported, before the symbol-turns patch),
// v6-symbol-turns-* (amounts as JSON numbers in activity payloads, before decimal text; no patch: the
// workflow compares both forms exactly), v7-decimal-text-paused-* (a plan's own pause and resume as signals,
// before operator commands became Workflow Updates), v8-operator-updates-* (a reconcile's ledger sync could be
// cancelled, before the reconcile-sync-completes patch).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protos from '@temporalio/proto';
import { runSeedScenario } from '../src/cli/demo.js';
import { runDriftSweep } from '../src/client/drift.js';
import { commandPlan, reconcileSymbol, setScopeTrading } from '../src/client/operator.js';
import { chainStateOf } from '../src/client/plans.js';
import type { ChainState } from '../src/domain/chain.js';
import { workflowIdForPlan } from '../src/domain/plan.js';
import { startPlanWorkflow } from '../src/client/start-plan.js';
import { startEmbeddedStack } from '../src/stack/embedded-stack.js';
import { PROJECT_ROOT } from '../temporal/cli-path.js';

const OUT = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
const dataDir = mkdtempSync(join(tmpdir(), 'permit-chain-record-'));
const env: NodeJS.ProcessEnv = { ...process.env, RECONCILE_WAIT_SECONDS: '1', ORDER_SETTLE_BOUND_MS: '1000', PERMIT_CHAIN_DATA_DIR: dataDir };
delete env.TEMPORAL_ADDRESS;
delete env.DATABASE_URL;
const stack = await startEmbeddedStack({ dataDir, scenarioPath: join(PROJECT_ROOT, 'scenarios', 'seed.json'), env, uiPort: false });

async function stageReached(planId: string, stage: ChainState['stage']): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    const state = await chainStateOf(stack.client, planId).catch(() => null);
    if (state?.stage === stage) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`plan ${planId} did not reach stage ${stage}`);
}
try {
  const seed = await runSeedScenario(stack, PROJECT_ROOT, () => undefined);
  const denied = { plan_id: 'replay-denied', symbol: 'BTCUSDT', action: 'PARTIAL_25' as const, kill_score: 0.9, decision: 'EXECUTE', timestamp: 1769301100 };
  await stack.services.store.adjustLedger({ venue: stack.services.settings.venueName, symbol: 'BTCUSDT', target: '0.5', who: 'record-histories', why: 'force a P3.3 mismatch', command: 'record' });
  await startPlanWorkflow(stack.client, denied, { taskQueue: stack.taskQueue, policy: stack.policy });
  await stack.client.workflow.getHandle(workflowIdForPlan(denied.plan_id)).result();
  // An order whose answer is lost: the plan settles its attempt (timer, lookup) before booking the fill.
  await stack.services.store.adjustLedger({ venue: stack.services.settings.venueName, symbol: 'BTCUSDT', target: (await stack.services.venue.position('BTCUSDT')).amount, who: 'record-histories', why: 'match the exchange again', command: 'record' });
  await fetch(`${stack.paper!.url}/_paper/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method: 'POST', path: '/fapi/v1/order', action: { type: 'unknown_then_execute', delayMs: 500 } }) });
  const unclear = { ...denied, plan_id: 'replay-unclear', action: 'PARTIAL_50' as const };
  await startPlanWorkflow(stack.client, unclear, { taskQueue: stack.taskQueue, policy: stack.policy });
  await stack.client.workflow.getHandle(workflowIdForPlan(unclear.plan_id)).result();
  // An order that fills partly at once and the rest later: booked at once, followed (timers, lookups), the rest booked.
  await fetch(`${stack.paper!.url}/_paper/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method: 'POST', path: '/fapi/v1/order', action: { type: 'partial_fill', ratio: 0.4, restAfterMs: 1500 } }) });
  const partial = { ...denied, plan_id: 'replay-partial', action: 'PARTIAL_50' as const };
  await startPlanWorkflow(stack.client, partial, { taskQueue: stack.taskQueue, policy: stack.policy });
  await stack.client.workflow.getHandle(workflowIdForPlan(partial.plan_id)).result();
  // A plan held by its own pause after a denial and a reconcile, then resumed: pause and resume signals.
  const ops = { client: stack.client, taskQueue: stack.taskQueue, who: 'record-histories' };
  await stack.services.store.adjustLedger({ venue: stack.services.settings.venueName, symbol: 'BTCUSDT', target: '0.5', who: 'record-histories', why: 'force a P3.3 mismatch', command: 'record' });
  const held = { ...denied, plan_id: 'replay-paused', action: 'PARTIAL_25' as const };
  await startPlanWorkflow(stack.client, held, { taskQueue: stack.taskQueue, policy: { ...stack.policy, reconcileWaitSeconds: 60 } });
  await stageReached(held.plan_id, 'awaiting_reconcile');
  await commandPlan(ops, held.plan_id, 'pause', 'look before it trades');
  await reconcileSymbol(ops, 'BTCUSDT', 'the exchange is right');
  await stageReached(held.plan_id, 'paused');
  await commandPlan(ops, held.plan_id, 'resume', 'looked: fine');
  await stack.client.workflow.getHandle(workflowIdForPlan(held.plan_id)).result();
  // A plan that finds trading paused globally: held (store polls on timers) until the global resume wakes it.
  await setScopeTrading(ops, 'global', 'paused', 'exchange maintenance');
  const halted = { ...denied, plan_id: 'replay-global-pause', action: 'PARTIAL_25' as const };
  await startPlanWorkflow(stack.client, halted, { taskQueue: stack.taskQueue, policy: stack.policy });
  await stageReached(halted.plan_id, 'paused');
  await setScopeTrading(ops, 'global', 'running', 'maintenance over');
  await stack.client.workflow.getHandle(workflowIdForPlan(halted.plan_id)).result();
  // Two plans of the symbol at once: the second waits for its turn, is woken by the first, sizes after it.
  await stack.services.store.adjustLedger({ venue: stack.services.settings.venueName, symbol: 'BTCUSDT', target: (await stack.services.venue.position('BTCUSDT')).amount, who: 'record-histories', why: 'match the exchange again', command: 'record' });
  const together = [{ ...denied, plan_id: 'replay-turn-first', action: 'PARTIAL_25' as const }, { ...denied, plan_id: 'replay-turn-second', action: 'PARTIAL_25' as const }];
  await Promise.all(together.map((p) => startPlanWorkflow(stack.client, p, { taskQueue: stack.taskQueue, policy: stack.policy })));
  const ended = await Promise.all(together.map((p) => stack.client.workflow.getHandle(workflowIdForPlan(p.plan_id)).result() as Promise<ChainState>));
  const waited = ended.find((s) => s.events.some((e) => e.kind === 'turn_waiting'));
  if (!waited) throw new Error('neither of the two plans waited for its turn');
  const sweep = await runDriftSweep(stack.client, stack.taskQueue);
  const recorded = [['seed-executed', seed.plan_id], ['denied', denied.plan_id], ['order-settled', unclear.plan_id], ['partial-fill', partial.plan_id], ['paused-own', held.plan_id], ['paused-global', halted.plan_id], ['turn-waited', waited.plan_id]] as const;
  const workflows: Array<readonly [string, string]> = [...recorded.map(([name, planId]) => [name, workflowIdForPlan(planId)] as const), ['drift-sweep', sweep.sweep_id]];
  for (const [name, workflowId] of workflows) {
    // Binary protobuf, encoded and decoded by @temporalio/proto's own types (the JSON route crosses two
    // copies of protobufjs that npm does not dedupe, see test/replay/replay.test.ts).
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(join(OUT, `${name}.binpb`), protos.temporal.api.history.v1.History.encode(history).finish());
    console.log(`recorded ${name}: ${history.events?.length} events`);
  }
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
