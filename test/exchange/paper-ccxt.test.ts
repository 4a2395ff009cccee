import { describe, expect, it } from 'vitest';
import { ccxtErrors } from '../../src/exchange/ccxt-lib.js';
import { BTC, caught, useRawCcxtOnPaper } from './helpers.js';

// The classes of the ccxt copy the adapter loads (instanceof needs the same copy).
const { AuthenticationError, InsufficientFunds, InvalidNonce, InvalidOrder, OrderNotFound } = ccxtErrors;

/** The real ccxt client, without the adapter, against the paper exchange. */
describe('raw ccxt binanceusdm against the paper exchange', () => {
  const start = useRawCcxtOnPaper();

  it('loads markets with the scenario precision and limits', async () => {
    const { client } = await start();
    const markets = await client.loadMarkets();
    const btc = markets[BTC];
    expect(btc).toMatchObject({ id: 'BTCUSDT', swap: true, linear: true, settle: 'USDT' });
    expect(btc?.precision).toMatchObject({ amount: 0.001, price: 0.1 });
    expect(btc?.limits.amount).toMatchObject({ min: 0.001, max: 1000 });
    expect(btc?.limits.cost?.min).toBe(100);
    expect(Object.keys(markets).sort()).toEqual([BTC, 'ETH/USDT:USDT']);
  });

  it('fetches positions (flat ones dropped by ccxt), balance, ticker and server time', async () => {
    const { client } = await start();
    const positions = await client.fetchPositions();
    expect(positions).toHaveLength(1);
    expect(positions[0]).toMatchObject({ symbol: BTC, side: 'long', contracts: 0.062, entryPrice: 58000, markPrice: 60000 });
    expect(positions[0]?.unrealizedPnl).toBe(124);
    const balance = await client.fetchBalance();
    // 10000 wallet + 124 unrealized − 186 initial margin (0.062 × 60000 / 20)
    expect(balance['USDT']).toMatchObject({ free: 9938, used: 186, total: 10124 });
    expect((await client.fetchTicker(BTC)).last).toBe(60000);
    const serverTime = await client.fetchTime();
    expect(Math.abs(Number(serverTime) - Date.now())).toBeLessThan(5_000);
  });

  it('a reduce-only market sell fills at the mark and leaves exactly 0.016 BTC', async () => {
    const { client } = await start();
    const order = await client.createOrder(BTC, 'market', 'sell', 0.046, undefined, {
      reduceOnly: true,
      newClientOrderId: 'raw-1',
    });
    expect(order).toMatchObject({ clientOrderId: 'raw-1', status: 'closed', filled: 0.046, average: 60000, reduceOnly: true });
    const raw = (await client.fapiPrivateV3GetPositionRisk()) as Array<{ symbol: string; positionAmt: string }>;
    expect(raw.find((r) => r.symbol === 'BTCUSDT')?.positionAmt).toBe('0.016');
    const fetched = await client.fetchOrder('', BTC, { clientOrderId: 'raw-1' });
    expect(fetched).toMatchObject({ id: order.id, status: 'closed', amount: 0.046 });
  });

  it("a filled order's client id sent again makes a second order (Binance's rule); the lookup answers the latest", async () => {
    const { client, paper } = await start();
    const first = await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true, newClientOrderId: 'raw-2' });
    const second = await client.createOrder(BTC, 'market', 'sell', 0.02, undefined, { reduceOnly: true, newClientOrderId: 'raw-2' });
    expect(second.id).not.toBe(first.id);
    expect(paper.state.positionOf('BTCUSDT').amount.toFixed()).toBe('0.032');
    expect(await client.fetchOrder('', BTC, { clientOrderId: 'raw-2' })).toMatchObject({ id: second.id, amount: 0.02 });
    expect((await client.fetchOrder(String(first.id), BTC)).amount).toBe(0.01);
  });

  it('with strictClientOrderIds a used client order id raises InvalidOrder (-4116) and the original stays retrievable', async () => {
    const { client, paper } = await start(undefined, { strictClientOrderIds: true });
    const first = await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true, newClientOrderId: 'raw-2' });
    const err = await caught(
      client.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true, newClientOrderId: 'raw-2' }),
    );
    expect(err).toBeInstanceOf(InvalidOrder);
    expect(err.message).toContain('-4116');
    expect((await client.fetchOrder('', BTC, { clientOrderId: 'raw-2' })).id).toBe(first.id);
    expect(paper.state.positionOf('BTCUSDT').amount.toFixed()).toBe('0.052');
  });

  it('unknown orders raise OrderNotFound (-2013)', async () => {
    const { client } = await start();
    expect(await caught(client.fetchOrder('', BTC, { clientOrderId: 'nope' }))).toBeInstanceOf(OrderNotFound);
    expect(await caught(client.fetchOrder('123', BTC))).toBeInstanceOf(OrderNotFound);
  });

  it('an order that needs more margin than available raises InsufficientFunds (-2019)', async () => {
    const { client } = await start();
    // 4 BTC × 60000 / 20 = 12000 USDT of margin > 9938 available
    const err = await caught(client.createOrder(BTC, 'market', 'buy', 4, undefined, { newClientOrderId: 'raw-3' }));
    expect(err).toBeInstanceOf(InsufficientFunds);
    expect(err.message).toContain('Margin is insufficient.');
    // 3 BTC needs 9000: accepted, and the entry price is the weighted average
    await client.createOrder(BTC, 'market', 'buy', 3, undefined, { newClientOrderId: 'raw-4' });
    const position = (await client.fetchPositions([BTC]))[0];
    expect(position?.contracts).toBe(3.062);
  });

  it('a reduce-only order that would flip the position raises InvalidOrder (-2022)', async () => {
    const { client } = await start();
    const err = await caught(client.createOrder(BTC, 'market', 'sell', 0.063, undefined, { reduceOnly: true }));
    expect(err).toBeInstanceOf(InvalidOrder);
    expect(err.message).toContain('-2022');
  });

  it('quantities off the step or under minQty fail the LOT_SIZE filter (-1013)', async () => {
    const { client } = await start();
    await client.loadMarkets();
    // The implicit API sends the quantity as given; createOrder would truncate it to the step first.
    const base = { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', reduceOnly: 'true' };
    for (const quantity of ['0.0465', '0.0005']) {
      const err = await caught(client.fapiPrivatePostOrder({ ...base, quantity }));
      expect(err).toBeInstanceOf(InvalidOrder);
      expect(err.message).toContain('{"code":-1013,"msg":"Filter failure: LOT_SIZE"}');
    }
  });

  it('a non-reduce-only order under the minimum notional raises InvalidOrder (-4164)', async () => {
    const { client } = await start();
    const err = await caught(client.createOrder(BTC, 'market', 'buy', 0.001, undefined, {}));
    expect(err).toBeInstanceOf(InvalidOrder);
    expect(err.message).toContain('-4164');
  });

  it('a wrong secret raises AuthenticationError (-1022)', async () => {
    const { client } = await start(undefined, {}, { secret: 'wrong' });
    const err = await caught(client.fetchPositions());
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toContain('-1022');
  });

  it('a stale timestamp raises InvalidNonce (-1021), a NetworkError and so retryable', async () => {
    const { client } = await start(() => Date.now() + 120_000); // the exchange's clock runs 2 min ahead
    const err = await caught(client.fetchBalance());
    expect(err).toBeInstanceOf(InvalidNonce);
    expect(err.message).toContain('-1021');
  });

  it('a timestamp from the future raises InvalidNonce (-1021) too', async () => {
    const { client } = await start(() => Date.now() - 120_000);
    expect(await caught(client.fetchBalance())).toBeInstanceOf(InvalidNonce);
  });
});
