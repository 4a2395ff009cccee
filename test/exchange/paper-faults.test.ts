// The timing faults of the paper exchange, through the real ccxt client: deliver_late (slow way in),
// unknown_then_execute (503 / -1007, then the order executes anyway) and lookup_stale (a lagging read).
// Assertions are about order of events, not about how long anything took.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ccxtErrors, type BinanceUsdm } from '../../src/exchange/ccxt-lib.js';
import { createCcxtExchange } from '../../src/exchange/ccxt-venue.js';
import type { OrderLogEntry, PaperExchange, PaperOrder } from '../../src/exchange/paper/index.js';
import { BTC, addFault, admin, bookedOrders, caught, orderLog, paperConfig, sleep, startSeedPaper, until } from './helpers.js';

const { ExchangeNotAvailable, InvalidNonce, InvalidOrder, OrderNotFound, RequestTimeout } = ccxtErrors;
const ORDER = '/fapi/v1/order';

describe('paper exchange timing faults', () => {
  let paper: PaperExchange;
  let client: BinanceUsdm;

  beforeEach(async () => {
    paper = await startSeedPaper();
    client = createCcxtExchange(paperConfig(paper));
    await client.loadMarkets(); // before any fault, so faults meet only the calls under test
  });

  afterEach(async () => {
    await client.close();
    await paper.close();
  });

  const sell = (qty: number, clientOrderId: string, extra: Record<string, unknown> = {}) =>
    client.createOrder(BTC, 'market', 'sell', qty, undefined, { reduceOnly: true, newClientOrderId: clientOrderId, ...extra });

  async function lookup(clientOrderId: string) {
    try {
      return await client.fetchOrder('', BTC, { clientOrderId });
    } catch (err) {
      if (err instanceof OrderNotFound) return undefined;
      throw err;
    }
  }

  const posts = async () => (await orderLog(paper)).filter((e) => e.method === 'POST');
  const untilBooked = (n: number) =>
    until(`${n} booked order(s)`, async () => {
      const orders = await bookedOrders(paper);
      return orders.length >= n ? orders : undefined;
    });
  const untilOutcome = (seq: number, type: OrderLogEntry['outcome']['type']) =>
    until(`order log entry ${seq} to become ${type}`, async () => (await orderLog(paper)).find((e) => e.seq === seq && e.outcome.type === type));
  const faultsLeft = async () => ((await admin(paper, 'GET', '/_paper/faults')).body as unknown[]).length;

  describe('deliver_late', () => {
    it('a request held longer than its recvWindow arrives too late: -1021 (InvalidNonce), nothing executes', async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'deliver_late', ms: 1_500 } });
      const err = await caught(sell(0.01, 'late-1', { recvWindow: 500 }));
      expect(err).toBeInstanceOf(InvalidNonce);
      expect(err.message).toContain('-1021');

      const [entry] = await posts();
      expect(entry?.outcome).toMatchObject({ type: 'error', code: -1021 });
      expect(entry?.fault?.action).toEqual({ type: 'deliver_late', ms: 1_500 });
      // Logged (and checked) at its late arrival, past timestamp + recvWindow.
      expect(entry!.receivedAt - Number(entry!.params['timestamp'])).toBeGreaterThan(500);
      expect(await bookedOrders(paper)).toEqual([]);
    });

    it('with a recvWindow longer than the hold it executes, logged at its late arrival after a request sent later', async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'deliver_late', ms: 2_000 } });
      const placing = sell(0.01, 'late-2', { recvWindow: 10_000 });
      await until('the held request to take its fault', async () => ((await faultsLeft()) === 0 ? true : undefined));
      // Sent after the order, reaches the exchange before it.
      expect(await lookup('late-2')).toBeUndefined();
      const order = await placing;
      expect(order).toMatchObject({ clientOrderId: 'late-2', status: 'closed' });

      const log = await orderLog(paper);
      expect(log.map((e) => [e.seq, e.method, e.outcome.type])).toEqual([
        [1, 'GET', 'error'],
        [2, 'POST', 'accepted'],
      ]);
      expect(log[1]!.receivedAt).toBeGreaterThan(log[0]!.receivedAt);
      expect(log[1]!.receivedAt - Number(log[1]!.params['timestamp'])).toBeGreaterThanOrEqual(1_000);
      expect(order.timestamp).toBeGreaterThanOrEqual(log[1]!.receivedAt);
    });
  });

  describe('unknown_then_execute', () => {
    it('answers 503 without a code (ExchangeNotAvailable), then executes the order delayMs later whatever its recvWindow', async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 1_500 } });
      const err = await caught(sell(0.046, 'unknown-1', { recvWindow: 500 }));
      expect(err).toBeInstanceOf(ExchangeNotAvailable);
      expect(err.message).toContain('503');

      // Answered, not yet executed: a lookup right after misses it.
      expect(await lookup('unknown-1')).toBeUndefined();
      const [pending] = await posts();
      expect(pending?.outcome).toMatchObject({ type: 'execution_pending' });
      expect(pending?.fault?.action).toEqual({ type: 'unknown_then_execute', delayMs: 1_500, answer: '503' });
      expect(await bookedOrders(paper)).toEqual([]);

      const [booked] = (await untilBooked(1)) as [PaperOrder];
      expect(booked).toMatchObject({ clientOrderId: 'unknown-1', origQty: '0.046', status: 'FILLED' });
      expect(booked.time - pending!.receivedAt).toBeGreaterThanOrEqual(1_000);
      expect((await posts())[0]?.outcome).toEqual({
        type: 'accepted',
        orderId: booked.orderId,
        clientOrderId: 'unknown-1',
        status: 'FILLED',
        executedAt: booked.time,
      });
      expect(await lookup('unknown-1')).toMatchObject({ id: String(booked.orderId), status: 'closed' });
      expect(paper.state.positionOf('BTCUSDT').amount.toFixed()).toBe('0.016');
    });

    it('answers -1007 (RequestTimeout) with HTTP 503, then executes', async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 300, answer: '-1007' } });
      const err = await caught(sell(0.01, 'unknown-2'));
      expect(err).toBeInstanceOf(RequestTimeout);
      expect(err.message).toContain('-1007');
      expect(err.message).toContain('execution status unknown');
      const [booked] = (await untilBooked(1)) as [PaperOrder];
      expect(booked.clientOrderId).toBe('unknown-2');
      expect((await posts())[0]?.outcome).toMatchObject({ type: 'accepted', orderId: booked.orderId });
    });

    it("a re-send with the same client id makes a second order under Binance's rule; the strict rule refuses the late one", async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 500 } });
      expect(await caught(sell(0.01, 'resend-1'))).toBeInstanceOf(ExchangeNotAvailable);
      const resentAtOnce = await sell(0.02, 'resend-1'); // no fault left: executes at once
      expect(resentAtOnce.status).toBe('closed');
      const both = await untilBooked(2);
      expect(both.map((o) => [o.clientOrderId, o.origQty])).toEqual([['resend-1', '0.02'], ['resend-1', '0.01']]);
      expect(paper.state.positionOf('BTCUSDT').amount.toFixed()).toBe('0.032');
      expect((await lookup('resend-1'))?.id).toBe(String(both[1]!.orderId)); // the latest: the late one

      await admin(paper, 'POST', '/_paper/reset');
      await admin(paper, 'POST', '/_paper/rules', { strictClientOrderIds: true });
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 500 } });
      expect(await caught(sell(0.01, 'resend-2'))).toBeInstanceOf(ExchangeNotAvailable);
      const resent = await sell(0.01, 'resend-2'); // no fault left: executes at once
      expect(resent.status).toBe('closed');
      const late = await untilOutcome(1, 'not_executed');
      expect(late.outcome).toMatchObject({ type: 'not_executed', code: -4116, msg: 'ClientOrderId is duplicated.' });
      expect(await bookedOrders(paper)).toHaveLength(1);
    });

    it('an order refused at arrival is answered with its error as usual and never executes', async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 200 } });
      const err = await caught(sell(0.1, 'unknown-3')); // would flip the 0.062 long
      expect(err).toBeInstanceOf(InvalidOrder);
      expect(err.message).toContain('-2022');
      await sleep(600); // past the delay the order would have had
      const [entry] = await posts();
      expect(entry?.outcome).toEqual({ type: 'error', httpStatus: 400, code: -2022, msg: 'ReduceOnly Order is rejected.' });
      expect(entry?.fault?.action.type).toBe('unknown_then_execute');
      expect(await bookedOrders(paper)).toEqual([]);
    });

    it('an order whose checks fail when its execution comes is not made (not_executed)', async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 800 } });
      expect(await caught(sell(0.046, 'unknown-4'))).toBeInstanceOf(ExchangeNotAvailable);
      // The position is closed meanwhile: the reduce-only order has nothing left to reduce.
      expect((await admin(paper, 'POST', '/_paper/position', { symbol: 'BTCUSDT', amount: '0' })).status).toBe(200);
      const entry = await untilOutcome(1, 'not_executed');
      expect(entry.outcome).toMatchObject({ type: 'not_executed', code: -2022, msg: 'ReduceOnly Order is rejected.' });
      expect((entry.outcome as { at: number }).at).toBeGreaterThan(entry.receivedAt);
      expect(await bookedOrders(paper)).toEqual([]);
      expect(await lookup('unknown-4')).toBeUndefined();
    });

    it('a reset drops an execution still pending', async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 200 } });
      expect(await caught(sell(0.01, 'unknown-5'))).toBeInstanceOf(ExchangeNotAvailable);
      await admin(paper, 'POST', '/_paper/reset');
      await sleep(600);
      expect(await bookedOrders(paper)).toEqual([]);
      expect(paper.state.positionOf('BTCUSDT').amount.toFixed()).toBe('0.062');
    });
  });

  describe('lookup_stale', () => {
    it('hides the placed order from order queries for ms; positions and /_paper/state show it at once', async () => {
      await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'lookup_stale', ms: 1_500 } });
      const order = await sell(0.046, 'stale-1');
      expect(order.status).toBe('closed');

      expect(await lookup('stale-1')).toBeUndefined();
      expect(await caught(client.fetchOrder(String(order.id), BTC))).toBeInstanceOf(OrderNotFound);
      expect((await client.fetchPositions([BTC]))[0]?.contracts).toBe(0.016);
      expect((await bookedOrders(paper)).map((o) => String(o.orderId))).toEqual([order.id]);

      const found = await until('the order to show in lookups', () => lookup('stale-1'));
      expect(found.id).toBe(order.id);
      // Every miss came before the order's time was up (exchange time), and the hit after the misses.
      const gets = (await orderLog(paper)).filter((e) => e.method === 'GET');
      const misses = gets.filter((e) => e.outcome.type === 'error');
      expect(misses.length).toBeGreaterThanOrEqual(2);
      for (const miss of misses) expect(miss.receivedAt).toBeLessThan(Number(order.timestamp) + 1_500);
      expect(gets.at(-1)?.outcome).toMatchObject({ type: 'found', orderId: Number(order.id) });
      expect(gets.at(-1)!.receivedAt).toBeGreaterThanOrEqual(Math.max(...misses.map((m) => m.receivedAt)));
    });
  });

  describe('fault input', () => {
    it('refuses order-placement faults on other endpoints with the field named; answer defaults to 503', async () => {
      for (const action of [{ type: 'lookup_stale', ms: 10 }, { type: 'unknown_then_execute', delayMs: 10 }]) {
        const res = await admin(paper, 'POST', '/_paper/faults', { method: 'GET', path: ORDER, action });
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body)).toContain(`body.action.type: ${action.type} applies to POST ${ORDER} only`);
      }
      const bad = await admin(paper, 'POST', '/_paper/faults', { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 10, answer: '500' } });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('body.action.answer');
      const ok = await admin(paper, 'POST', '/_paper/faults', { method: 'POST', path: ORDER, action: { type: 'unknown_then_execute', delayMs: 10 } });
      expect(ok.body).toMatchObject({ action: { type: 'unknown_then_execute', delayMs: 10, answer: '503' } });
      expect((await admin(paper, 'POST', '/_paper/faults', { method: 'GET', path: '/fapi/v1/time', action: { type: 'deliver_late', ms: 10 } })).status).toBe(200);
    });

    it('close() ends while a request is held by deliver_late', async () => {
      const other = await startSeedPaper();
      await addFault(other, { method: 'GET', path: '/fapi/v1/time', action: { type: 'deliver_late', ms: 60_000 } });
      const held = fetch(`${other.url}/fapi/v1/time`).catch((err: unknown) => err);
      await until('the held request to take its fault', async () => ((await admin(other, 'GET', '/_paper/faults')).body as unknown[]).length === 0 ? true : undefined);
      await other.close();
      expect(await held).toBeInstanceOf(Error);
    });
  });
});
