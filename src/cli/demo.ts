// The main job: the seed scenario end to end on the embedded stack. The exchange holds 0.062 BTC, the
// ledger 0.002; the seed's plan is denied by P3.3, reconciled, and executed (SELL 0.046 → 0.016).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainState } from '../domain/chain.js';
import { dec } from '../domain/decimal.js';
import { parsePlan, workflowIdForPlan } from '../domain/plan.js';
import { startPlanWorkflow } from '../client/start-plan.js';
import type { EmbeddedStack } from '../stack/embedded-stack.js';
import { CliError } from './errors.js';
import { renderChain, workflowUiUrl } from './format.js';
import { reconcileSymbol } from '../client/operator.js';
import { chainStateOf, runningPlans } from '../client/plans.js';

export const SEED_PLAN_FILE = 'scenarios/seed-plan.json';
export const SEED_SCENARIO_FILE = 'scenarios/seed.json';
const SEED_LEDGER_AMOUNT = '0.002';

async function waitForStage(stack: EmbeddedStack, planId: string, stage: string, timeoutMs: number): Promise<ChainState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await chainStateOf(stack.client, planId);
    if (state.stage === stage || state.state !== 'RUNNING') return state;
    if (Date.now() > deadline) throw new CliError(`plan ${planId} did not reach stage ${stage} within ${timeoutMs} ms (now ${state.stage})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `reconcile` reaches the plans its visibility query finds awaiting one: wait until the search attribute shows it. */
async function waitUntilListedAwaiting(stack: EmbeddedStack, symbol: string, workflowId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await runningPlans(stack.client, symbol, 'awaiting_reconcile')).some((p) => p.workflowId === workflowId)) {
    if (Date.now() > deadline) return; // reconcile then syncs directly and says no plan was waiting
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function freshDemoDir(dataDir: string): string {
  const dir = join(dataDir, 'demo');
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

export async function runSeedScenario(stack: EmbeddedStack, projectRoot: string, log: (line: string) => void): Promise<ChainState> {
  const { store, settings, venue } = stack.services;
  const parsed = parsePlan(JSON.parse(readFileSync(join(projectRoot, SEED_PLAN_FILE), 'utf8')), { now: Date.now() });
  if (!parsed.ok) throw new CliError('the seed plan no longer validates: this is a bug');
  const plan = parsed.plan;
  await store.adjustLedger({ venue: settings.venueName, symbol: plan.symbol, target: SEED_LEDGER_AMOUNT, who: 'permitctl demo', why: 'seed scenario: the ledger as the seed document recorded it', command: 'permitctl demo' });
  log(`exchange ${plan.symbol}: ${(await venue.position(plan.symbol)).amount}, ledger: ${await store.ledgerPosition(settings.venueName, plan.symbol)}`);
  const started = await startPlanWorkflow(stack.client, plan, { taskQueue: stack.taskQueue, policy: stack.policy, eager: stack.eagerStart });
  log(`submitted the seed plan ${plan.plan_id} verbatim → workflow ${started.workflowId}`);
  const denied = await waitForStage(stack, plan.plan_id, 'awaiting_reconcile', 30_000);
  const ctx = denied.permits.p33?.context;
  if (ctx) log(`P3.3 denied: ${denied.permits.p33?.reason} (exchange_amt ${ctx.exchange_amt}, ledger_amt ${ctx.ledger_amt}, diff ${ctx.diff}, tolerance ${ctx.tolerance})`);
  await waitUntilListedAwaiting(stack, plan.symbol, started.workflowId, 10_000);
  const outcome = await reconcileSymbol({ client: stack.client, taskQueue: stack.taskQueue, who: 'permitctl demo' }, plan.symbol, 'demo: sync the ledger to the exchange after the P3.3 denial');
  for (const { planId, answer } of outcome.answered) log(`reconcile answered by plan ${planId}: ${answer.detail}`);
  if (outcome.answered.length === 0) log('no plan took the reconcile');
  const final = (await stack.client.workflow.getHandle(workflowIdForPlan(plan.plan_id)).result()) as ChainState;
  log('');
  log(renderChain(final, workflowUiUrl(stack.uiUrl, stack.namespace, started.workflowId)));
  const exchangeAmt = (await venue.position(plan.symbol)).amount;
  const ledgerAmt = await store.ledgerPosition(settings.venueName, plan.symbol);
  log('');
  log(`exchange ${plan.symbol}: ${exchangeAmt}, ledger: ${ledgerAmt}`);
  if (final.state !== 'EXECUTED' || !dec(exchangeAmt).eq(ledgerAmt)) {
    throw new CliError(`seed scenario did not end as expected: ${final.state}, exchange ${exchangeAmt} vs ledger ${ledgerAmt}`);
  }
  return final;
}
