// The partial_fill fault of the paper exchange, through the real ccxt client: part of a MARKET order
// executes at once (PARTIALLY_FILLED, still open), the rest restAfterMs later (FILLED).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ccxtErrors, type BinanceUsdm } from '../../src/exchange/ccxt-lib.js';
import { createCcxtExchange } from '../../src/exchange/ccxt-venue.js';
import type { PaperExchange } from '../../src/exchange/paper/index.js';
import { BTC, addFault, admin, bookedOrders, caught, orderLog, paperConfig, sleep, startSeedPaper, until } from './helpers.js';

const { InvalidOrder } = ccxtErrors;
const ORDER = '/fapi/v1/order';

describe('paper exchange partial_fill fault', () => {
  let paper: PaperExchange;
  let client: BinanceUsdm;

  beforeEach(async () => {
    paper = await startSeedPaper(); // BTCUSDT long 0.062 at mark 60000, step 0.001
    client = createCcxtExchange(paperConfig(paper));
    await client.loadMarkets();
  });

  afterEach(async () => {
    await client.close();
    await paper.close();
  });

  const sell = (qty: number, clientOrderId: string) =>
    client.createOrder(BTC, 'market', 'sell', qty, undefined, { reduceOnly: true, newClientOrderId: clientOrderId });
  const position = () => paper.state.positionOf('BTCUSDT').amount.toFixed();
  const rawOrder = async (clientOrderId: string) =>
    (await client.fetchOrder('', BTC, { clientOrderId })).info as Record<string, string>;
  const partialFill = (ratio: number, restAfterMs: number) =>
    addFault(paper, { method: 'POST', path: ORDER, action: { type: 'partial_fill', ratio, restAfterMs } });

  it('executes ratio × qty at once (truncated to the step), answered PARTIALLY_FILLED; the rest restAfterMs later', async () => {
    await partialFill(0.4, 800);
    const order = await sell(0.046, 'partial-1');
    expect(order.status).toBe('open');
    expect(order.info).toMatchObject({ status: 'PARTIALLY_FILLED', origQty: '0.046', executedQty: '0.018', avgPrice: '60000' });
    expect(order.filled).toBe(0.018);
    expect(position()).toBe('0.044');

    expect(await rawOrder('partial-1')).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.018' });
    const [entry] = (await orderLog(paper)).filter((e) => e.method === 'POST');
    expect(entry?.outcome).toMatchObject({ type: 'accepted', status: 'PARTIALLY_FILLED', partQty: '0.018' });
    expect(entry?.fault?.action).toEqual({ type: 'partial_fill', ratio: 0.4, restAfterMs: 800 });

    // The rest executes at the mark price of its moment: avgPrice is the average of both parts.
    await admin(paper, 'POST', '/_paper/price', { symbol: 'BTCUSDT', markPrice: '61000' });
    const filled = await until('the rest to execute', async () => {
      const raw = await rawOrder('partial-1');
      return raw['status'] === 'FILLED' ? raw : undefined;
    });
    expect(filled).toMatchObject({ executedQty: '0.046', cumQuote: '2788' }); // 0.018 × 60000 + 0.028 × 61000
    expect(filled['avgPrice']).toBe('60608.69565217'); // 2788 / 0.046, 8 places
    expect(position()).toBe('0.016');
    const [done] = (await orderLog(paper)).filter((e) => e.method === 'POST');
    expect(done?.outcome).toMatchObject({ type: 'accepted', status: 'FILLED', partQty: '0.018', restAt: expect.any(Number) });
    expect(await bookedOrders(paper)).toHaveLength(1);
  });

  it('executes at least one step', async () => {
    await partialFill(0.1, 60_000);
    const order = await sell(0.005, 'partial-2');
    expect(order.info).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.001' });
    expect(position()).toBe('0.061');
  });

  it("refuses the client order id while the order is open (-4116), accepts it again once it is filled (Binance's rule)", async () => {
    await partialFill(0.5, 600);
    await sell(0.01, 'partial-3');
    const err = await caught(sell(0.01, 'partial-3'));
    expect(err).toBeInstanceOf(InvalidOrder);
    expect(err.message).toContain('-4116');
    await until('the rest to execute', async () => ((await rawOrder('partial-3'))['status'] === 'FILLED' ? true : undefined));
    expect((await sell(0.01, 'partial-3')).status).toBe('closed');
    expect(position()).toBe('0.042');
  });

  it('a reduce-only rest that would flip the position expires, keeping what executed', async () => {
    await partialFill(0.5, 400);
    await sell(0.046, 'partial-4');
    await admin(paper, 'POST', '/_paper/position', { symbol: 'BTCUSDT', amount: '0.01' });
    const expired = await until('the rest to expire', async () => {
      const raw = await rawOrder('partial-4');
      return raw['status'] === 'EXPIRED' ? raw : undefined;
    });
    expect(expired['executedQty']).toBe('0.023');
    expect(position()).toBe('0.01');
  });

  it('a reset drops a rest still pending; a refused order is answered as usual', async () => {
    await partialFill(0.5, 300);
    await sell(0.01, 'partial-5');
    await admin(paper, 'POST', '/_paper/reset');
    await sleep(600);
    expect(position()).toBe('0.062');
    expect(await bookedOrders(paper)).toEqual([]);

    await partialFill(0.5, 300);
    const err = await caught(sell(0.1, 'partial-6')); // would flip the 0.062 long
    expect(err.message).toContain('-2022');
    expect(position()).toBe('0.062');
  });

  it('applies to POST /fapi/v1/order only, with a ratio strictly between 0 and 1', async () => {
    const action = { type: 'partial_fill', ratio: 0.5, restAfterMs: 10 };
    expect((await admin(paper, 'POST', '/_paper/faults', { method: 'GET', path: ORDER, action })).status).toBe(400);
    for (const ratio of [0, 1]) {
      expect((await admin(paper, 'POST', '/_paper/faults', { method: 'POST', path: ORDER, action: { ...action, ratio } })).status).toBe(400);
    }
    expect((await admin(paper, 'POST', '/_paper/faults', { method: 'POST', path: ORDER, action })).status).toBe(200);
  });
});
