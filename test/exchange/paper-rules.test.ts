// Binance's rules the paper exchange keeps, through the real ccxt client: the exchange's own clock
// (offset, /fapi/v1/time, -1021 for timestamps ahead of it) and the admin switches for clock and rules.
import { describe, expect, it } from 'vitest';
import { ccxtErrors } from '../../src/exchange/ccxt-lib.js';
import type { Scenario } from '../../src/exchange/paper/index.js';
import { BTC, admin, caught, orderLog, useRawCcxtOnPaper } from './helpers.js';

const { InvalidNonce, InvalidOrder } = ccxtErrors;

describe('the paper exchange clock and rules', () => {
  const startRaw = useRawCcxtOnPaper();
  const start = (overrides: Partial<Scenario> = {}) => startRaw(undefined, overrides);

  it("runs on its own clock: /fapi/v1/time, order and position times and the order log are host time + the scenario's offset", async () => {
    const { paper, client } = await start({ clockOffsetMs: 5_000 });
    expect(await admin(paper, 'GET', '/_paper/clock')).toMatchObject({ status: 200, body: { offsetMs: 5_000 } });
    expect(paper.clockOffsetMs()).toBe(5_000);

    const before = Date.now();
    const serverTime = Number(await client.fetchTime());
    expect(serverTime).toBeGreaterThanOrEqual(before + 5_000);
    expect(serverTime).toBeLessThanOrEqual(Date.now() + 5_000);

    // 5 s behind the exchange is inside ccxt's recvWindow of 10 s: accepted.
    const order = await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true, newClientOrderId: 'clock-1' });
    expect(order.timestamp).toBeGreaterThanOrEqual(before + 5_000);
    const [entry] = await orderLog(paper);
    expect(entry?.receivedAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(entry?.receivedAt).toBeLessThanOrEqual(Number(order.timestamp));
    const rows = (await client.fapiPrivateV3GetPositionRisk()) as Array<{ symbol: string; updateTime: number }>;
    expect(rows.find((r) => r.symbol === 'BTCUSDT')?.updateTime).toBe(order.timestamp);
  });

  it('refuses (-1021) a request stamped 1 s or more ahead of its clock; the offset is set at run time and reset restores it', async () => {
    const { paper, client } = await start();
    expect(await admin(paper, 'POST', '/_paper/clock', { offsetMs: -5_000 })).toMatchObject({ status: 200, body: { offsetMs: -5_000 } });
    expect(paper.clockOffsetMs()).toBe(-5_000);
    expect(Number(await client.fetchTime())).toBeLessThanOrEqual(Date.now() - 5_000);

    const err = await caught(client.fetchBalance());
    expect(err).toBeInstanceOf(InvalidNonce);
    expect(err.message).toContain('-1021');
    expect(err.message).toContain('ahead');

    // Less than 1 s ahead is accepted (the request is stamped before it arrives, so 900 ms is an upper bound).
    paper.setClockOffset(-900);
    expect((await client.fetchBalance())['USDT']).toBeDefined();

    paper.setClockOffset(-5_000);
    expect((await admin(paper, 'POST', '/_paper/reset')).status).toBe(200);
    expect(paper.clockOffsetMs()).toBe(0);
    expect((await client.fetchBalance())['USDT']).toBeDefined();
  });

  it('refuses a malformed clock offset with the field named', async () => {
    const { paper } = await start();
    for (const offsetMs of ['soon', 1.5, 1_700_000_000_000]) {
      const res = await admin(paper, 'POST', '/_paper/clock', { offsetMs });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('body.offsetMs');
    }
    expect(() => paper.setClockOffset(0.5)).toThrow(RangeError);
    expect(paper.clockOffsetMs()).toBe(0);
  });

  it('GET/POST /_paper/rules switch strict client order ids; /_paper/state shows clock and rules; reset restores the scenario', async () => {
    const { paper, client } = await start();
    expect(await admin(paper, 'GET', '/_paper/rules')).toEqual({ status: 200, body: { strictClientOrderIds: false } });
    expect(await admin(paper, 'POST', '/_paper/rules', { strictClientOrderIds: true })).toEqual({ status: 200, body: { strictClientOrderIds: true } });
    expect((await admin(paper, 'GET', '/_paper/state')).body).toMatchObject({ clock: { offsetMs: 0 }, rules: { strictClientOrderIds: true } });

    const params = { reduceOnly: true, newClientOrderId: 'rules-1' };
    await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, params);
    const err = await caught(client.createOrder(BTC, 'market', 'sell', 0.01, undefined, params));
    expect(err).toBeInstanceOf(InvalidOrder);
    expect(err.message).toContain('-4116');

    expect((await admin(paper, 'POST', '/_paper/rules', { strictClientOrderIds: 'yes' })).status).toBe(400);
    await admin(paper, 'POST', '/_paper/reset');
    expect((await admin(paper, 'GET', '/_paper/rules')).body).toEqual({ strictClientOrderIds: false });
    await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, params);
    await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, params);
    expect(paper.state.listOrders()).toHaveLength(2);
  });
});
