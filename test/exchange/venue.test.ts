import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVenue } from '../../src/exchange/ccxt-venue.js';
import type { PaperExchange } from '../../src/exchange/paper/index.js';
import { VenueError, type Venue } from '../../src/exchange/venue.js';
import { addFault, admin, caught, paperConfig, startSeedPaper } from './helpers.js';

const ORDER = '/fapi/v1/order';

describe('ccxt venue adapter against the paper exchange', () => {
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

  const sell = (qty: string, clientOrderId: string) =>
    venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty, clientOrderId });

  const acceptedOrders = () =>
    paper.orderLog.list().filter((e) => e.method === 'POST' && e.outcome.type === 'accepted');

  it('loads market rules from exchangeInfo', async () => {
    const btc = await venue.market('BTCUSDT');
    expect(btc).toEqual({
      symbol: 'BTCUSDT',
      ccxtSymbol: 'BTC/USDT:USDT',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      stepSize: '0.001',
      minQty: '0.001',
      tickSize: '0.10',
      minNotional: '100',
    });
    expect((await venue.markets()).map((m) => m.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const err = await caught(venue.market('DOGEUSDT'));
    expect(err).toMatchObject({ kind: 'rejected', errorClass: 'BadSymbol' });
  });

  it('reads a long position (with its update time on the exchange) and a flat one with their mark prices', async () => {
    expect(await venue.position('BTCUSDT')).toEqual({ symbol: 'BTCUSDT', amount: '0.062', markPrice: '60000', updatedAt: expect.any(Number) });
    expect(await venue.position('ETHUSDT')).toEqual({ symbol: 'ETHUSDT', amount: '0', markPrice: '3000', updatedAt: null });
  });

  it('reads every non-flat position in one request, and fails rather than answer none when the exchange does not', async () => {
    const before = (await venue.position('BTCUSDT')).updatedAt!;
    expect(await venue.positions()).toEqual([{ symbol: 'BTCUSDT', amount: '0.062', markPrice: '60000', updatedAt: before }]);
    await sell('0.010', 'positions-moved');
    const [moved] = await venue.positions();
    expect(moved).toMatchObject({ symbol: 'BTCUSDT', amount: '0.052' });
    expect(moved!.updatedAt).toBeGreaterThanOrEqual(before);
    await addFault(paper, { method: 'GET', path: '/fapi/v3/positionRisk', action: { type: 'http', status: 503 } });
    await expect(venue.positions()).rejects.toMatchObject({ kind: 'retryable' });
  });

  it('a reduce-only partial close moves the position by exactly the order quantity', async () => {
    const report = await sell('0.046', 'plan-1-close');
    expect(report).toMatchObject({
      clientOrderId: 'plan-1-close',
      symbol: 'BTCUSDT',
      side: 'SELL',
      qty: '0.046',
      status: 'FILLED',
      filledQty: '0.046',
      avgPrice: '60000',
    });
    expect(report.duplicate).toBeUndefined();
    expect(report.exchangeOrderId).toMatch(/^\d+$/);
    expect((await venue.position('BTCUSDT')).amount).toBe('0.016');
  });

  // The adapter's -4116 path: Binance answers it only while the first order is open; the paper exchange's
  // strict rule answers it for any used id, which is what these two tests need.
  const strictClientOrderIds = () => admin(paper, 'POST', '/_paper/rules', { strictClientOrderIds: true });

  it('a repeated client order id returns the original order marked duplicate, and places nothing new', async () => {
    await strictClientOrderIds();
    const first = await sell('0.046', 'plan-2-close');
    const again = await sell('0.046', 'plan-2-close');
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await venue.position('BTCUSDT')).amount).toBe('0.016');
    const posts = paper.orderLog.list().filter((e) => e.method === 'POST');
    expect(posts.map((e) => e.outcome)).toEqual([
      expect.objectContaining({ type: 'accepted' }),
      { type: 'error', httpStatus: 400, code: -4116, msg: 'ClientOrderId is duplicated.' },
    ]);
  });

  it('a repeated client order id for a different order is refused, not taken for the original', async () => {
    await strictClientOrderIds();
    await sell('0.046', 'plan-3-close');
    const err = await caught(sell('0.010', 'plan-3-close'));
    expect(err).toBeInstanceOf(VenueError);
    expect(err).toMatchObject({ kind: 'rejected', exchangeCode: -4116 });
  });

  it('a reduce-only order that would flip the position is rejected with -2022', async () => {
    const err = await caught(sell('0.100', 'plan-4-flip'));
    expect(err).toMatchObject({
      kind: 'rejected',
      errorClass: 'InvalidOrder',
      exchangeCode: -2022,
      exchangeReason: 'ReduceOnly Order is rejected.',
    });
    expect((await venue.position('BTCUSDT')).amount).toBe('0.062');
  });

  it('a reduce-only order on a flat position is rejected with -2022', async () => {
    const err = await caught(
      venue.placeReduceOnlyMarketOrder({ symbol: 'ETHUSDT', side: 'BUY', qty: '0.5', clientOrderId: 'plan-5' }),
    );
    expect(err).toMatchObject({ kind: 'rejected', exchangeCode: -2022 });
  });

  it('insufficient margin (-2019) is non-retryable with the exchange reason', async () => {
    await addFault(paper, {
      method: 'POST',
      path: ORDER,
      action: { type: 'binance_error', code: -2019, msg: 'Margin is insufficient.' },
    });
    const err = await caught(sell('0.046', 'plan-6'));
    expect(err).toMatchObject({
      kind: 'rejected',
      errorClass: 'InsufficientFunds',
      exchangeCode: -2019,
      exchangeReason: 'Margin is insufficient.',
    });
  });

  it('on an order, 503 and -1007 are "status unknown" (ambiguous); 429 and a 4xx without code are definitive (retryable)', async () => {
    await addFault(paper, { method: 'POST', path: ORDER, count: 1, action: { type: 'http', status: 503 } });
    await addFault(paper, { method: 'POST', path: ORDER, count: 1, action: { type: 'binance_error', status: 503, code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' } });
    await addFault(paper, { method: 'POST', path: ORDER, count: 1, action: { type: 'http', status: 429, body: { code: -1003, msg: 'Too many requests.' } } });
    await addFault(paper, { method: 'POST', path: ORDER, count: 1, action: { type: 'http', status: 403 } });
    expect(await caught(sell('0.046', 'plan-7'))).toMatchObject({ kind: 'ambiguous', errorClass: 'ExchangeNotAvailable' });
    expect(await caught(sell('0.046', 'plan-7'))).toMatchObject({ kind: 'ambiguous', errorClass: 'RequestTimeout', exchangeCode: -1007 });
    expect(await caught(sell('0.046', 'plan-7'))).toMatchObject({ kind: 'retryable', errorClass: 'DDoSProtection', exchangeCode: -1003 });
    expect(await caught(sell('0.046', 'plan-7'))).toMatchObject({ kind: 'retryable', errorClass: 'ExchangeNotAvailable' });
    const fifth = await sell('0.046', 'plan-7');
    expect(fifth.status).toBe('FILLED');
    expect(paper.orderLog.list().filter((e) => e.method === 'POST').map((e) => e.outcome.type)).toEqual(['fault', 'fault', 'fault', 'fault', 'accepted']);
  });

  it('a timeout after the order was accepted is ambiguous; the lookup by client id finds exactly one order', async () => {
    await venue.close();
    venue = createVenue(paperConfig(paper, { timeoutMs: 400 }));
    await venue.market('BTCUSDT'); // markets loaded before the fault, so the fault hits only the order
    await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'accept_then_timeout', delayMs: 1500 } });

    const err = await caught(sell('0.046', 'plan-8'));
    expect(err).toMatchObject({ kind: 'ambiguous', errorClass: 'RequestTimeout' });

    const found = await venue.findOrder('BTCUSDT', 'plan-8');
    expect(found).toMatchObject({ clientOrderId: 'plan-8', status: 'FILLED', filledQty: '0.046' });
    expect(acceptedOrders()).toHaveLength(1);
    expect(acceptedOrders()[0]?.fault?.action.type).toBe('accept_then_timeout');
    expect((await venue.position('BTCUSDT')).amount).toBe('0.016');

    // Re-sending after a fill is not deduplicated (Binance frees the id once its order is closed): the
    // re-send is a new order, refused here only because it would flip the 0.016 left.
    const resent = await caught(sell('0.046', 'plan-8'));
    expect(resent).toMatchObject({ kind: 'rejected', exchangeCode: -2022 });
    expect(acceptedOrders()).toHaveLength(1);
  });

  it('a dropped connection is ambiguous on order placement and retryable on reads', async () => {
    await venue.market('BTCUSDT');
    await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'drop' } });
    await addFault(paper, { method: 'GET', path: '/fapi/v3/positionRisk', action: { type: 'drop' } });

    const placing = await caught(sell('0.046', 'plan-9'));
    expect(placing).toMatchObject({ kind: 'ambiguous', errorClass: 'NetworkError' });
    // The drop happened before the exchange saw the order: the lookup proves it was never placed.
    expect(await venue.findOrder('BTCUSDT', 'plan-9')).toBeNull();

    const reading = await caught(venue.position('BTCUSDT'));
    expect(reading).toMatchObject({ kind: 'retryable', errorClass: 'NetworkError' });
    expect((await venue.position('BTCUSDT')).amount).toBe('0.062');
  });

  it('latency delays the answer but the request is handled normally', async () => {
    await venue.market('BTCUSDT');
    await addFault(paper, { method: 'POST', path: ORDER, action: { type: 'latency', ms: 300 } });
    const started = Date.now();
    const report = await sell('0.046', 'plan-10');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(report.status).toBe('FILLED');
  });

  it('findOrder returns null for an unknown client order id (-2013)', async () => {
    expect(await venue.findOrder('BTCUSDT', 'never-sent')).toBeNull();
    expect(paper.orderLog.list().at(-1)?.outcome).toMatchObject({ type: 'error', code: -2013 });
  });

  it('refuses a quantity off the step locally instead of letting ccxt truncate it', async () => {
    const err = await caught(sell('0.0465', 'plan-11'));
    expect(err).toMatchObject({ kind: 'rejected', errorClass: 'InvalidOrder', exchangeCode: null });
    expect(String(err.message)).toContain('step 0.001');
    expect(paper.orderLog.list()).toHaveLength(0);
  });

  it('a bad signature is an authentication error (rejected); so is an unknown API key', async () => {
    const wrongSecret = createVenue(paperConfig(paper, { secret: 'not-the-secret' }));
    const unknownKey = createVenue(paperConfig(paper, { apiKey: 'nobody' }));
    try {
      expect(await caught(wrongSecret.position('BTCUSDT'))).toMatchObject({
        kind: 'rejected',
        errorClass: 'AuthenticationError',
        exchangeCode: -1022,
      });
      expect(await caught(unknownKey.position('BTCUSDT'))).toMatchObject({
        kind: 'rejected',
        errorClass: 'AuthenticationError',
        exchangeCode: -2015,
      });
    } finally {
      await wrongSecret.close();
      await unknownKey.close();
    }
  });

  it('asks positionRisk for the one symbol it reads, and loads the leverage brackets once', async () => {
    // A loopback proxy in front of the paper exchange records the path and query of every request.
    const seen: string[] = [];
    const target = new URL(paper.url);
    const proxy: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = createVenue({ ...paperConfig(paper), baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    try {
      expect((await proxied.position('BTCUSDT')).amount).toBe('0.062');
      expect((await proxied.position('ETHUSDT')).amount).toBe('0');
      expect((await proxied.position('BTCUSDT')).amount).toBe('0.062');
      const positionReads = seen.filter((r) => r.startsWith('GET /fapi/v3/positionRisk'));
      expect(positionReads).toHaveLength(3);
      expect(positionReads.map((r) => new URL(r.slice(4), 'http://x').searchParams.get('symbol'))).toEqual(['BTCUSDT', 'ETHUSDT', 'BTCUSDT']);
      const brackets = seen.filter((r) => r.startsWith('GET /fapi/v1/leverageBracket'));
      expect(brackets).toHaveLength(1);
      expect(new URL(brackets[0]!.slice(4), 'http://x').searchParams.get('symbol')).toBeNull(); // every symbol's brackets
    } finally {
      await proxied.close();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('admin changes to position and price are what the adapter reads next', async () => {
    expect((await admin(paper, 'POST', '/_paper/position', { symbol: 'BTCUSDT', amount: '-0.250' })).status).toBe(200);
    expect((await admin(paper, 'POST', '/_paper/price', { symbol: 'BTCUSDT', markPrice: '61234.5' })).status).toBe(200);
    expect(await venue.position('BTCUSDT')).toEqual({ symbol: 'BTCUSDT', amount: '-0.25', markPrice: '61234.5', updatedAt: expect.any(Number) });
    const report = await venue.placeReduceOnlyMarketOrder({
      symbol: 'BTCUSDT',
      side: 'BUY',
      qty: '0.1',
      clientOrderId: 'plan-12',
    });
    expect(report.avgPrice).toBe('61234.5');
    expect((await venue.position('BTCUSDT')).amount).toBe('-0.15');
  });
});
