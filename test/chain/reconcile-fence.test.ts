// A reconcile racing a booking, against the real stack (issue 13, "Why" 2 and 3): dev server, worker, ccxt over
// HTTP, PostgreSQL, the paper exchange. Plan A's order fills in two parts and the booking of the second part
// comes seconds late (a slow order lookup), so there is a moment when the exchange shows the whole fill and
// the ledger only the first part. An operator's `permitctl reconcile` then must not set the ledger to the
// exchange (the booking would count the rest a second time), and plan B of the symbol must not be denied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECONCILE_WORKFLOW_TYPE } from '../../src/workflows/contract.js';
import { newPlan, waitForChain } from '../support/plans.js';
import { runCli } from '../support/processes.js';
import { cleanEnv, startChainStack, type ChainStack } from '../support/stack.js';
import { waitFor } from '../workers/fixture.js';

const ORDER = '/fapi/v1/order';
const SYMBOL = 'FENCEUSDT';

describe('a reconcile is fenced against bookings', { timeout: 120_000 }, () => {
  let t: ChainStack;

  beforeAll(async () => {
    t = await startChainStack({ markets: [{ symbol: SYMBOL, position: '1', markPrice: '100' }], database: 'postgres' });
    await t.setLedger(SYMBOL, '1');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('order filled → reconcile → booking: the reconcile waits for the booking and counts the fill once; plan B waits its turn and is allowed', async () => {
    await t.paper.addFault({ method: 'POST', path: ORDER, count: 1, action: { type: 'partial_fill', ratio: 0.4, restAfterMs: 300 } });
    await t.paper.addFault({ method: 'GET', path: ORDER, count: 1, action: { type: 'latency', ms: 4_000 } });
    const a = newPlan(SYMBOL, 'PARTIAL_50', 'fence-a'); // sells 0.5: 0.2 at once, 0.3 after 300 ms, booked ~5 s later
    await t.submit(a);
    await waitFor('the rest executed on the exchange, not yet booked', async () => (await t.paper.position(SYMBOL)) === '0.5' && (await t.ledger(SYMBOL)) === '0.8', 20_000, 25);
    const store = t.stack.services.store;
    expect((await store.inFlightOrders('paper', SYMBOL)).map((o) => [o.planId, o.booked, o.qty])).toEqual([[a.plan_id, '0.2', '0.5']]);

    // Plan B now: it waits for A's turn instead of comparing exchange 0.5 with ledger 0.8.
    const b = newPlan(SYMBOL, 'PARTIAL_50', 'fence-b');
    await t.submit(b);
    const env = cleanEnv({ TEMPORAL_ADDRESS: t.stack.temporalAddress, TEMPORAL_TASK_QUEUE: t.stack.taskQueue, PERMITCTL_OPERATOR: 'fence-test' });
    const reconcile = runCli(['reconcile', SYMBOL, '--reason', 'end of day'], env);
    // While A's rest is unbooked the sync refuses (and retries): the ledger stays as it is.
    const fenced = await waitFor('the reconcile to be fenced', async () => {
      for await (const wf of t.stack.client.workflow.list({ query: `WorkflowType = '${RECONCILE_WORKFLOW_TYPE}'` })) {
        const described = await t.stack.client.workflow.getHandle(wf.workflowId).describe();
        const failure = described.raw.pendingActivities?.[0]?.lastFailure?.message ?? '';
        if (/reconcile_fenced/.test(failure)) return failure;
      }
      return null;
    }, 20_000, 100);
    expect(fenced).toMatch(new RegExp(`order\\(s\\) of ${SYMBOL} in flight: pc1-${a.plan_id}`));
    const waiting = await waitForChain(t.stack.client, b.plan_id, (s) => s.stage === 'waiting_turn', 'plan B waiting for its turn');
    expect(waiting.turn).toMatchObject({ waiting_for: a.plan_id });
    expect(await t.ledger(SYMBOL)).toBe('0.8');

    const done = await reconcile;
    expect(done.code, done.stderr).toBe(0);
    // The sync ran once nothing was in flight (after A's booking, maybe after B's too): no change to make.
    expect(done.stdout).toMatch(new RegExp(`^ledger ${SYMBOL}: (\\S+) → \\1 \\(exchange \\1, read at \\S+\\); no plan was waiting for it`, 'm'));
    const [ra, rb] = await Promise.all([t.result(a.plan_id), t.result(b.plan_id)]);
    expect(ra).toMatchObject({ state: 'EXECUTED', order: { status: 'FILLED', filled_qty: '0.5' } });
    expect(rb).toMatchObject({ state: 'EXECUTED', order: { filled_qty: '0.25' } });
    expect(rb.permits.p33).toMatchObject({ allow: true, context: { exchange_amt: '0.5', ledger_amt: '0.5', diff: '0' } });
    expect(rb.permits.p33?.context.in_flight).toBeUndefined();

    // Every fill counted once: ledger = exchange, and the sync read the exchange after A's last booking.
    expect(await t.paper.position(SYMBOL)).toBe('0.25');
    expect(await t.ledger(SYMBOL)).toBe('0.25');
    const sync = (await store.adjustmentHistory('paper', SYMBOL)).find((x) => x.who === 'fence-test')!;
    expect(sync).toMatchObject({ delta: '0', why: 'end of day', basedOnVersion: expect.any(Number), exchangeUpdatedAt: expect.any(String) });
    expect(['0.5', '0.25']).toContain(sync.after);
    // It read the exchange after the booking of every fill it counted (store clock vs the estimate of the
    // exchange clock, both this host's: the estimate's error is a few ms).
    const fills = [...(await store.fillsForPlan(a.plan_id)), ...(await store.fillsForPlan(b.plan_id))];
    const counted = fills.filter((f) => Date.parse(f.bookedAt) < Date.parse(sync.at));
    expect(counted.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(sync.exchangeReadAt!)).toBeGreaterThanOrEqual(Math.max(...counted.map((f) => Date.parse(f.bookedAt))) - 50);
  });
});
