// The order log as a harness reads it: each entry carries the clock offset in force at its arrival (so an
// arrival can be set against host-clock instants such as a permit's expiry), and an in-process watcher
// hears of each request as it arrives, before the exchange handles it.
import { afterEach, describe, expect, it } from 'vitest';
import type { BinanceUsdm } from '../../src/exchange/ccxt-lib.js';
import { createCcxtExchange } from '../../src/exchange/ccxt-venue.js';
import type { OrderLogEntry, PaperExchange } from '../../src/exchange/paper/index.js';
import { BTC, orderLog, paperConfig, startSeedPaper } from './helpers.js';

describe('the paper order log', () => {
  let paper: PaperExchange | undefined;
  let client: BinanceUsdm | undefined;

  afterEach(async () => {
    await client?.close();
    await paper?.close();
    paper = undefined;
    client = undefined;
  });

  it('records the clock offset in force at each arrival, and tells a watcher before the request is handled', async () => {
    paper = await startSeedPaper();
    client = createCcxtExchange(paperConfig(paper));
    const seen: Array<{ seq: number; outcome: string; clockOffsetMs: number }> = [];
    const off = paper.orderLog.onRecord((e: Readonly<OrderLogEntry>) => seen.push({ seq: e.seq, outcome: e.outcome.type, clockOffsetMs: e.clockOffsetMs }));

    await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true, newClientOrderId: 'offset-0' });
    paper.setClockOffset(-700);
    await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true, newClientOrderId: 'offset-700', recvWindow: 5_000 });
    off();
    await client.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true, newClientOrderId: 'unwatched', recvWindow: 5_000 });

    const log = await orderLog(paper);
    expect(log.map((e) => [e.params['newClientOrderId'], e.outcome.type, e.clockOffsetMs])).toEqual([
      ['offset-0', 'accepted', 0],
      ['offset-700', 'accepted', -700],
      ['unwatched', 'accepted', -700],
    ]);
    // receivedAt is exchange time; minus the offset it is the host time of arrival.
    expect(Math.abs(log[1]!.receivedAt - log[1]!.clockOffsetMs - Date.now())).toBeLessThan(5_000);
    expect(seen).toEqual([
      { seq: 1, outcome: 'pending', clockOffsetMs: 0 },
      { seq: 2, outcome: 'pending', clockOffsetMs: -700 },
    ]);
  });
});
