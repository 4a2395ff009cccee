// The order-attempt log and plan claims on both backends: an attempt is begun only when every earlier
// attempt of its plan is settled as not executed, with its permits consumed in the same transaction.
import { describe, expect, it } from 'vitest';
import { type OrderAttemptInput, type Store } from '../../src/store/index.js';
import { embeddedBackend, postgresBackend, useTwoStores, type Backend } from './backends.js';
import { fill, newPlanId, newSymbol, permit, VENUE } from './fixtures.js';

const backends: Backend[] = [postgresBackend(), embeddedBackend()];

describe.each(backends)('order attempts on $name', (backend) => {
  let store!: Store;
  let second!: Store;
  useTwoStores(backend, (a, b) => {
    store = a;
    second = b;
  });

  /** A plan with a granted governor and P3.3 permit pair, and the attempt input that uses them. */
  async function planWithPermits(sequence = 1): Promise<{ planId: string; input: OrderAttemptInput }> {
    const planId = newPlanId();
    const governor = permit({ planId, permitId: `quantum:permit:${planId}#${sequence}` });
    const p33 = permit({ planId, layer: 'p33', permitId: `quantum:permit:p33:${planId}#${sequence}`, computedQty: null, computedNotional: null });
    await store.recordPermit(governor);
    await store.recordPermit(p33);
    const now = Date.now();
    return {
      planId,
      input: {
        planId, symbol: 'BTCUSDT', side: 'SELL', qty: '0.046', governorPermitId: governor.permitId, positionPermitId: p33.permitId,
        exchangeTimestamp: now, recvWindowMs: 5000, settlesAt: now + 11_000, at: new Date(now),
      },
    };
  }

  it('records the first attempt with its own client order id and consumes both permits', async () => {
    const { planId, input } = await planWithPermits();
    const begun = await store.beginOrderAttempt(input);
    expect(begun).toMatchObject({ ok: true, attempt: { attemptNo: 1, clientOrderId: `pc1-${planId}`, outcome: 'pending', settlesAt: input.settlesAt } });
    const permits = await store.permitsForPlan(planId);
    expect(permits.every((p) => p.consumedAt !== null)).toBe(true);
  });

  it('refuses a second attempt while the first is pending, and after it was placed', async () => {
    const { planId, input } = await planWithPermits();
    await store.beginOrderAttempt(input);
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: false, reason: 'unsettled_attempt', attempt: { attemptNo: 1 } });
    await store.settleOrderAttempt(planId, 1, 'placed', '4000000001', null);
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: false, reason: 'order_placed' });
  });

  it('allows the next attempt under the same permits once the earlier one is settled as not executed', async () => {
    const { planId, input } = await planWithPermits();
    await store.beginOrderAttempt(input);
    await store.settleOrderAttempt(planId, 1, 'refused', null, '429 Too many requests');
    const next = await store.beginOrderAttempt(input);
    expect(next).toMatchObject({ ok: true, attempt: { attemptNo: 2, clientOrderId: `pc2-${planId}` } });
  });

  it('does not accept permits consumed by something other than an attempt of this plan', async () => {
    const { planId, input } = await planWithPermits();
    expect(await store.consumePermit(input.governorPermitId, new Date())).toBe('consumed');
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: false, reason: 'consumed_without_attempt', permitId: input.governorPermitId });
    expect(await store.orderAttempts(planId)).toEqual([]);
  });

  it('refuses an expired permit and records nothing', async () => {
    const { planId, input } = await planWithPermits();
    const late = { ...input, at: new Date(Date.now() + 60_000) };
    expect(await store.beginOrderAttempt(late)).toMatchObject({ ok: false, reason: 'expired' });
    expect(await store.orderAttempts(planId)).toEqual([]);
  });

  it('never revises a settled outcome; the same outcome again is idempotent', async () => {
    const { planId, input } = await planWithPermits();
    await store.beginOrderAttempt(input);
    await store.settleOrderAttempt(planId, 1, 'not_found', null, 'lookup after settle time');
    await expect(store.settleOrderAttempt(planId, 1, 'not_found', null, 'again')).resolves.toMatchObject({ outcome: 'not_found' });
    await expect(store.settleOrderAttempt(planId, 1, 'placed', '4000000001', null)).rejects.toThrow(/already settled as not_found/);
  });

  it('rolls back a refused begin: a permit consumed before the other one refused stays unconsumed', async () => {
    const { planId, input } = await planWithPermits();
    await store.revokePermits(planId, [input.positionPermitId], new Date());
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: false, reason: 'revoked', permitId: input.positionPermitId });
    expect((await store.permitsForPlan(planId)).map((p) => p.consumedAt)).toEqual([null, null]);
  });

  it('revoked permits begin nothing, also for a plan whose earlier attempt under them was refused', async () => {
    const { planId, input } = await planWithPermits();
    await store.beginOrderAttempt(input);
    await store.settleOrderAttempt(planId, 1, 'refused', null, '429');
    await store.revokePermits(planId, [input.governorPermitId, input.positionPermitId], new Date());
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('a re-used permit is checked again: trading paused since the first attempt refuses the next', async () => {
    const { planId, input } = await planWithPermits();
    await store.beginOrderAttempt(input);
    await store.settleOrderAttempt(planId, 1, 'refused', null, '429');
    await store.setTradingState({ scope: `plan:${planId}`, state: 'paused', who: 'test', why: 'hold' });
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: false, reason: 'trading_paused' });
  });

  it('permits consumed with no attempt recorded (a pre-protocol run) are refused, and attempt 0 stands for that run', async () => {
    const { planId, input } = await planWithPermits();
    await store.consumePermit(input.governorPermitId, new Date());
    await store.consumePermit(input.positionPermitId, new Date());
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: false, reason: 'consumed_without_attempt' });
    const legacy = await store.recordLegacyAttempt({ ...input, settlesAt: input.settlesAt });
    expect(legacy).toMatchObject({ attemptNo: 0, clientOrderId: `pc-${planId}`, outcome: 'pending' });
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: false, reason: 'unsettled_attempt', attempt: { attemptNo: 0 } });
    await store.settleOrderAttempt(planId, 0, 'not_found', null, 'after its window');
    expect(await store.beginOrderAttempt(input)).toMatchObject({ ok: true, attempt: { attemptNo: 1, clientOrderId: `pc1-${planId}` } });
  });

  it('lets exactly one of several racing begins through', async () => {
    const { planId, input } = await planWithPermits();
    const results = await Promise.all([store, second, store, second, store].map((s) => s.beginOrderAttempt(input)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    // The others were told an attempt is open: never "permit consumed, nothing sent".
    expect(results.filter((r) => !r.ok).map((r) => r.reason)).toEqual(Array(4).fill('unsettled_attempt'));
    expect(await store.orderAttempts(planId)).toHaveLength(1);
  });

  it('a plan id belongs to the first workflow run that claims it, for ever', async () => {
    const planId = newPlanId();
    const first = { planId, symbol: 'BTCUSDT', workflowId: `plan-${planId}`, runId: 'run-1', at: new Date() };
    expect(await store.claimPlan(first)).toMatchObject({ claimed: true, claim: { runId: 'run-1' } });
    expect(await second.claimPlan(first)).toMatchObject({ claimed: true });
    expect(await second.claimPlan({ ...first, runId: 'run-2' })).toMatchObject({ claimed: false, claim: { runId: 'run-1', workflowId: `plan-${planId}` } });
  });
  it('lists the orders of a symbol in flight: pending or placed and not fully booked, of other plans', async () => {
    const symbol = newSymbol();
    /** Begins an attempt of a new plan on `symbol`, settled as given. */
    const attempt = async (qty: string, side: 'BUY' | 'SELL', outcome: 'pending' | 'placed' | 'refused' | 'not_found') => {
      const { planId, input } = await planWithPermits();
      const begun = await store.beginOrderAttempt({ ...input, symbol, side, qty });
      if (!begun.ok) throw new Error(`not begun: ${begun.reason}`);
      const exchangeOrderId = outcome === 'placed' ? `ex-${planId}` : null;
      if (outcome !== 'pending') await store.settleOrderAttempt(planId, 1, outcome, exchangeOrderId, null);
      return { planId, clientOrderId: begun.attempt.clientOrderId, exchangeOrderId };
    };
    const book = (a: { planId: string; clientOrderId: string; exchangeOrderId: string | null }, side: 'BUY' | 'SELL', qty: string) =>
      store.bookFill(fill({ symbol, planId: a.planId, clientOrderId: a.clientOrderId, exchangeOrderId: a.exchangeOrderId!, side, qty }));

    const pending = await attempt('0.1', 'SELL', 'pending');
    const placed = await attempt('0.25', 'SELL', 'placed');
    const partlyBooked = await attempt('0.5', 'BUY', 'placed');
    await book(partlyBooked, 'BUY', '0.2');
    const fullyBooked = await attempt('0.3', 'SELL', 'placed');
    await book(fullyBooked, 'SELL', '0.3');
    await attempt('0.4', 'SELL', 'refused');
    await attempt('0.6', 'SELL', 'not_found');
    const own = await attempt('0.7', 'SELL', 'placed');
    const otherSymbol = await planWithPermits();
    await store.beginOrderAttempt({ ...otherSymbol.input, symbol: newSymbol() });

    const byId = <T extends { clientOrderId: string }>(list: T[]) => [...list].sort((a, b) => a.clientOrderId.localeCompare(b.clientOrderId));
    const inFlight = await second.inFlightOrders(VENUE, symbol, own.planId);
    expect(byId(inFlight)).toEqual(byId([
      { planId: pending.planId, clientOrderId: pending.clientOrderId, symbol, side: 'SELL', qty: '0.1', finalQty: null, booked: '0', outcome: 'pending' },
      { planId: placed.planId, clientOrderId: placed.clientOrderId, symbol, side: 'SELL', qty: '0.25', finalQty: null, booked: '0', outcome: 'placed' },
      { planId: partlyBooked.planId, clientOrderId: partlyBooked.clientOrderId, symbol, side: 'BUY', qty: '0.5', finalQty: null, booked: '0.2', outcome: 'placed' },
    ]));
    // Not excluding anyone: the asking plan's own order is listed too; fills on another venue do not count.
    expect((await store.inFlightOrders(VENUE, symbol)).map((o) => o.planId)).toContain(own.planId);
    expect((await store.inFlightOrders('other-venue', symbol)).map((o) => o.planId)).toContain(fullyBooked.planId);
    // Booking the rest takes an order out; so does its final report when it ended short of its quantity.
    await book(placed, 'SELL', '0.25');
    expect((await store.inFlightOrders(VENUE, symbol, own.planId)).map((o) => o.planId).sort()).toEqual([pending.planId, partlyBooked.planId].sort());
    await store.bookFill(fill({ symbol, planId: partlyBooked.planId, clientOrderId: partlyBooked.clientOrderId, exchangeOrderId: partlyBooked.exchangeOrderId!, side: 'BUY', qty: '0.3', final: { status: 'EXPIRED' } }));
    expect((await store.inFlightOrders(VENUE, symbol, own.planId)).map((o) => o.planId)).toEqual([pending.planId]);
    expect(await store.allInFlightOrders(VENUE)).toEqual(expect.arrayContaining([expect.objectContaining({ planId: pending.planId, symbol })]));
  });

  it('a final report of an order that ended with nothing executed books nothing and takes it out of flight', async () => {
    const symbol = newSymbol();
    const { planId, input } = await planWithPermits();
    const begun = await store.beginOrderAttempt({ ...input, symbol });
    if (!begun.ok) throw new Error(`not begun: ${begun.reason}`);
    await store.settleOrderAttempt(planId, 1, 'placed', `ex-${planId}`, null);
    const nothing = fill({ symbol, planId, clientOrderId: begun.attempt.clientOrderId, exchangeOrderId: `ex-${planId}`, side: 'SELL', qty: '0', price: '0', final: { status: 'CANCELED' } });
    expect(await store.bookFill(nothing)).toEqual({ booked: false, position: '0' });
    expect(await store.inFlightOrders(VENUE, symbol)).toEqual([]);
    expect(await store.fillsForPlan(planId)).toEqual([]);
    // A report that is not final still needs something executed.
    await expect(store.bookFill({ ...nothing, final: null })).rejects.toThrow(/qty: must be greater than 0/);
  });
});
