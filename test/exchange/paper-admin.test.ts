import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVenue } from '../../src/exchange/ccxt-venue.js';
import {
  loadScenarioFile,
  startPaperExchange,
  type OrderLogEntry,
  type PaperExchange,
} from '../../src/exchange/paper/index.js';
import type { Venue } from '../../src/exchange/venue.js';
import { SEED_PATH, addFault, admin, caught, paperConfig, startSeedPaper } from './helpers.js';

const ORDER = '/fapi/v1/order';

function nonLoopbackIPv4(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
}

describe('paper exchange admin endpoints', () => {
  let paper: PaperExchange;
  let venue: Venue;

  beforeEach(async () => {
    paper = await startSeedPaper();
    venue = createVenue(paperConfig(paper));
  });

  afterEach(async () => {
    await venue.close();
    await paper.close();
  });

  it('shows the state loaded from the scenario', async () => {
    const { status, body } = await admin(paper, 'GET', '/_paper/state');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      scenario: 'seed',
      positions: [
        { symbol: 'BTCUSDT', amount: '0.062', entryPrice: '58000', markPrice: '60000', unrealizedProfit: '124' },
        { symbol: 'ETHUSDT', amount: '0', markPrice: '3000' },
      ],
      balances: [{ asset: 'USDT', walletBalance: '10000', availableBalance: '9938' }],
      orders: [],
      faults: [],
    });
  });

  it('sets a position and a price, refusing bad input with the field named', async () => {
    const set = await admin(paper, 'POST', '/_paper/position', { symbol: 'ETHUSDT', amount: '1.5', entryPrice: '2900' });
    expect(set).toEqual({
      status: 200,
      body: expect.objectContaining({ symbol: 'ETHUSDT', amount: '1.5', entryPrice: '2900' }),
    });
    await admin(paper, 'POST', '/_paper/price', { symbol: 'ETHUSDT', markPrice: '3100.25' });
    expect(await venue.position('ETHUSDT')).toEqual({ symbol: 'ETHUSDT', amount: '1.5', markPrice: '3100.25', updatedAt: expect.any(Number) });

    expect(await admin(paper, 'POST', '/_paper/position', { symbol: 'ETHUSDT', amount: 'lots' })).toEqual({
      status: 400,
      body: { error: 'body.amount: expected a decimal string' },
    });
    expect((await admin(paper, 'POST', '/_paper/price', { symbol: 'NOPE', markPrice: '1' })).status).toBe(404);
  });

  it('logs every order request with arrival time, parameters without signature, and outcome', async () => {
    const before = Date.now();
    await venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty: '0.046', clientOrderId: 'log-1' });
    await caught(venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty: '0.5', clientOrderId: 'log-2' }));
    await venue.findOrder('BTCUSDT', 'log-1');

    const { body } = await admin(paper, 'GET', '/_paper/orders');
    const log = body as OrderLogEntry[];
    expect(log.map((e) => [e.seq, e.method, e.path, e.outcome.type])).toEqual([
      [1, 'POST', ORDER, 'accepted'],
      [2, 'POST', ORDER, 'error'],
      [3, 'GET', ORDER, 'found'],
    ]);
    expect(log[0]?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(log[0]?.params).toMatchObject({ symbol: 'BTCUSDT', side: 'SELL', quantity: '0.046', newClientOrderId: 'log-1', reduceOnly: 'true' });
    expect(log[0]?.params).not.toHaveProperty('signature');
    expect(log[1]?.outcome).toEqual({ type: 'error', httpStatus: 400, code: -2022, msg: 'ReduceOnly Order is rejected.' });
  });

  it('consumes faults first-in first-out, per matching method and path, count by count', async () => {
    await addFault(paper, { method: 'POST', path: ORDER, count: 2, action: { type: 'http', status: 503 } });
    await addFault(paper, { method: 'POST', path: ORDER, count: 1, action: { type: 'binance_error', code: -1000, msg: 'An unknown error occured while processing the request.' } });
    await addFault(paper, { method: 'GET', path: '/fapi/v1/ticker/24hr', count: 1, action: { type: 'http', status: 500 } });
    expect(((await admin(paper, 'GET', '/_paper/faults')).body as unknown[]).length).toBe(3);

    // Reads of other paths are untouched by order faults.
    expect((await venue.position('BTCUSDT')).amount).toBe('0.062');
    const place = () =>
      caught(venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty: '0.001', clientOrderId: 'fifo' }));
    expect((await place()).errorClass).toBe('ExchangeNotAvailable');
    expect((await place()).errorClass).toBe('ExchangeNotAvailable');
    expect(await place()).toMatchObject({ errorClass: 'OperationFailed', exchangeCode: -1000 });
    expect((await admin(paper, 'GET', '/_paper/faults')).body).toEqual([
      expect.objectContaining({ method: 'GET', path: '/fapi/v1/ticker/24hr', remaining: 1 }),
    ]);
    expect((await admin(paper, 'DELETE', '/_paper/faults')).status).toBe(200);
    expect((await admin(paper, 'GET', '/_paper/faults')).body).toEqual([]);
  });

  it('refuses a malformed fault with the field named', async () => {
    const res = await admin(paper, 'POST', '/_paper/faults', { method: 'POST', path: ORDER, action: { type: 'latency' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('body.action.ms');
  });

  it('keeps every position change, manual or by an order, as the exchange saw it', async () => {
    expect((await admin(paper, 'POST', '/_paper/position', { symbol: 'BTCUSDT', amount: '0.1' })).status).toBe(200);
    await venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty: '0.04', clientOrderId: 'changes-1' });
    const changes = paper.state.listPositionChanges().map(({ kind, symbol, clientOrderId, cumQty, before, after }) => ({ kind, symbol, clientOrderId, cumQty, before, after }));
    expect(changes).toEqual([
      { kind: 'manual', symbol: 'BTCUSDT', clientOrderId: null, cumQty: null, before: '0.062', after: '0.1' },
      { kind: 'order', symbol: 'BTCUSDT', clientOrderId: 'changes-1', cumQty: '0.04', before: '0.1', after: '0.06' },
    ]);
    expect(paper.state.listPositionChanges().every((c, i, all) => i === 0 || c.at >= all[i - 1]!.at)).toBe(true);
  });

  it('reset restores the scenario and clears the order log and faults', async () => {
    await venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty: '0.046', clientOrderId: 'reset-1' });
    await admin(paper, 'POST', '/_paper/price', { symbol: 'BTCUSDT', markPrice: '1' });
    await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'drop' } });
    expect((await admin(paper, 'POST', '/_paper/reset')).status).toBe(200);

    expect(await venue.position('BTCUSDT')).toEqual({ symbol: 'BTCUSDT', amount: '0.062', markPrice: '60000', updatedAt: expect.any(Number) });
    expect((await admin(paper, 'GET', '/_paper/orders')).body).toEqual([]);
    expect((await admin(paper, 'GET', '/_paper/faults')).body).toEqual([]);
    expect(await venue.findOrder('BTCUSDT', 'reset-1')).toBeNull();
  });

  it('unknown endpoints answer JSON', async () => {
    const res = await fetch(`${paper.url}/fapi/v1/unknown`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ msg: 'Unknown endpoint GET /fapi/v1/unknown' });
    expect((await admin(paper, 'GET', '/_paper/nothing')).status).toBe(404);
  });
});

describe('paper exchange admin access', () => {
  const address = nonLoopbackIPv4();

  it('refuses admin requests from non-loopback addresses with 403', async () => {
    // Needs a second interface to come from; every machine this runs on (developers', CI's) has one.
    if (address === undefined) throw new Error('no non-loopback IPv4 interface on this machine: the 403 path cannot be exercised');
    const paper = await startPaperExchange({ host: '0.0.0.0', scenario: await loadScenarioFile(SEED_PATH) });
    try {
      const remote = await fetch(`http://${address}:${paper.port}/_paper/state`);
      expect(remote.status).toBe(403);
      const local = await fetch(`http://127.0.0.1:${paper.port}/_paper/state`);
      expect(local.status).toBe(200);
      // The exchange API itself stays reachable from anywhere the server listens.
      expect((await fetch(`http://${address}:${paper.port}/fapi/v1/time`)).status).toBe(200);
    } finally {
      await paper.close();
    }
  });
});
