// The permanent record in the CLI: `permitctl ledger` and `permitctl audit` against the embedded stack
// that holds its store (as `up` does) and against PostgreSQL, each checked against what the store holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPlan, waitForStage } from '../support/plans.js';
import { runCli } from '../support/processes.js';
import { cleanEnv, startChainStack, type ChainStack } from '../support/stack.js';

describe.each(['embedded', 'postgres'] as const)('the permanent record in the CLI (%s store)', (database) => {
  const SYMBOL = database === 'embedded' ? 'RECEMBUSDT' : 'RECPGUSDT';
  let t: ChainStack;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await startChainStack({ markets: [{ symbol: SYMBOL, position: '1', markPrice: '100' }], database });
    await t.setLedger(SYMBOL, '0.5');
    env = cleanEnv({ PERMIT_CHAIN_DATA_DIR: t.dataDir, PERMITCTL_OPERATOR: 'records-test' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a denied, reconciled, paused, resumed and executed plan: its journal and its audit match the store', { timeout: 180_000 }, async () => {
    const plan = newPlan(SYMBOL, 'PARTIAL_50', 'rec');
    await t.submit(plan);
    const waiting = await waitForStage(t.stack.client, plan.plan_id, 'awaiting_reconcile', 30_000);
    const denial = waiting.permits.p33!;
    // The plan's own pause holds it after the reconcile, before its order; the resume lets it go on.
    expect((await runCli(['pause', plan.plan_id, '--reason', 'look before it trades'], env)).code).toBe(0);
    expect((await runCli(['reconcile', SYMBOL, '--reason', 'the exchange is right'], env)).code).toBe(0);
    await waitForStage(t.stack.client, plan.plan_id, 'paused', 30_000);
    expect((await runCli(['resume', plan.plan_id, '--reason', 'looked: fine'], env)).code).toBe(0);
    expect(await t.result(plan.plan_id)).toMatchObject({ state: 'EXECUTED' });

    const ledger = await runCli(['ledger', SYMBOL, '--json'], env);
    expect(ledger.code, ledger.stderr).toBe(0);
    const journal = JSON.parse(ledger.stdout) as { position: string; entries: Array<Record<string, unknown>> };
    expect(journal).toMatchObject({ symbol: SYMBOL, position: '0.5' });
    expect(journal.entries).toEqual(await t.stack.services.store.ledgerJournal(t.stack.services.settings.venueName, SYMBOL));
    // Newest first: the plan's fill, its reconcile, the set-up.
    expect(journal.entries.map((e) => [e.kind, e.before, e.after, e.planId])).toEqual([
      ['fill', '1', '0.5', plan.plan_id],
      ['adjustment', '0.5', '1', plan.plan_id],
      ['adjustment', '0', '0.5', null],
    ]);
    expect(journal.entries[1]).toMatchObject({ who: 'records-test', why: 'the exchange is right', adjustment: { answers: { permit_id: denial.permit_id, exchange_amt: '1', ledger_amt: '0.5' } } });
    const text = await runCli(['ledger', SYMBOL], env);
    expect(text.stdout).toMatch(new RegExp(`^Ledger ${SYMBOL} on paper: position 0.5 \\(3 journal row\\(s\\), newest first\\)`));
    expect(text.stdout).toMatch(/ADJUSTMENT +0\.5 → 1 +0\.5 .*records-test +the exchange is right; answers P3\.3/);

    const audit = await runCli(['audit', plan.plan_id, '--json'], env);
    expect(audit.code, audit.stderr).toBe(0);
    const record = JSON.parse(audit.stdout) as Record<string, unknown> & { events: unknown[] | null };
    const { events, ...stored } = record;
    expect(stored).toEqual(await t.stack.services.store.planRecord(plan.plan_id));
    expect(events).not.toBeNull();
    expect(stored).toMatchObject({
      claim: { planId: plan.plan_id, workflowId: `plan-${plan.plan_id}` },
      attempts: [{ attemptNo: 1, outcome: 'placed', side: 'SELL', qty: '0.5' }],
      fills: [{ qty: '0.5', positionBefore: '1', positionAfter: '0.5' }],
      adjustments: [{ who: 'records-test', why: 'the exchange is right' }],
      tradingChanges: [
        { scope: `plan:${plan.plan_id}`, state: 'paused', who: 'records-test', why: 'look before it trades' },
        { scope: `plan:${plan.plan_id}`, state: 'running', who: 'records-test', why: 'looked: fine' },
      ],
    });
    const permits = (stored as { permits: Array<{ layer: string; granted: boolean; reason: string | null; context: Record<string, unknown>; expiresAt: string; consumedAt: string | null }> }).permits;
    expect(permits.find((p) => p.layer === 'p33' && !p.granted)).toMatchObject({ reason: 'reconcile_required_qty_mismatch', context: { exchange_amt: 1, ledger_amt: 0.5, diff: 0.5, tolerance: 0.001 } });
    expect(permits.filter((p) => p.consumedAt !== null).length).toBeGreaterThanOrEqual(1);
    const auditText = await runCli(['audit', plan.plan_id], env);
    expect(auditText.stdout).toMatch(/P3\.3 +quantum:permit:p33:.*#1 +denied reconcile_required_qty_mismatch +exchange 1 vs ledger 0\.5, diff 0\.5, tolerance 0\.001/);
    expect(auditText.stdout).toMatch(/pause +records-test +look before it trades/);
    expect(auditText.stdout).toMatch(/reconcile +records-test +the exchange is right +ledger 0\.5 → 1, answering quantum:permit:p33:/);
  });

  it('audit of an unknown plan is not found (3); ledger of a symbol never booked is empty', { timeout: 60_000 }, async () => {
    const unknown = await runCli(['audit', 'never-submitted'], env);
    expect(unknown.code, unknown.stderr).toBe(3);
    expect(unknown.stderr).toMatch(/^permitctl: plan never-submitted not found: the store holds nothing of it/);
    const empty = await runCli(['ledger', 'NEVERUSDT'], env);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/^Ledger NEVERUSDT on paper: position 0 \(0 journal row\(s\), newest first\)\nnothing booked or adjusted yet/);
  });
});
