// The paper exchange's state kept in a file between runs (`permitctl up`): positions, balances, orders (and
// with them Binance's client-order-id rule) come back after a restart; a file it cannot trust is refused,
// naming it, instead of being read as something else.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVenue } from '../../src/exchange/ccxt-venue.js';
import { loadScenarioFile, startPaperExchange, type PaperExchange } from '../../src/exchange/paper/index.js';
import type { Venue } from '../../src/exchange/venue.js';
import { tempDir } from '../support/stack.js';
import { SEED_PATH, paperConfig } from './helpers.js';

describe('paper exchange state between runs', () => {
  const open: Array<{ paper: PaperExchange; venue: Venue }> = [];
  afterEach(async () => {
    for (const { paper, venue } of open.splice(0)) {
      await venue.close();
      await paper.close();
    }
  });

  async function start(statePath: string) {
    const paper = await startPaperExchange({ scenario: await loadScenarioFile(SEED_PATH), statePath });
    const venue = createVenue(paperConfig(paper));
    open.push({ paper, venue });
    return { paper, venue };
  }

  it('comes back with the positions, balances and orders it left', async () => {
    const statePath = join(tempDir('paper-state'), 'paper-state.json');
    const first = await start(statePath);
    const placed = await first.venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty: '0.046', clientOrderId: 'pc1-persisted' });
    const wallet = first.paper.state.summary('USDT').walletBalance.toFixed();
    await first.venue.close();
    await first.paper.close();
    open.splice(0);

    const second = await start(statePath);
    expect((await second.venue.position('BTCUSDT')).amount).toBe('0.016');
    expect(second.paper.state.summary('USDT').walletBalance.toFixed()).toBe(wallet);
    expect(await second.venue.findOrder('BTCUSDT', 'pc1-persisted')).toMatchObject({ exchangeOrderId: placed.exchangeOrderId, status: 'FILLED', filledQty: '0.046' });
    // The next order gets the next id, not the first one again.
    const next = await second.venue.placeReduceOnlyMarketOrder({ symbol: 'BTCUSDT', side: 'SELL', qty: '0.001', clientOrderId: 'pc2-persisted' });
    expect(Number(next.exchangeOrderId)).toBe(Number(placed.exchangeOrderId) + 1);
  });

  it('refuses a saved state it cannot trust, naming the file', async () => {
    const dir = tempDir('paper-state-bad');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"version": 1,');
    await expect(start(broken)).rejects.toThrow(`the paper exchange's saved state ${broken} is not JSON`);

    const otherScenario = join(dir, 'other.json');
    const first = await start(otherScenario);
    await first.venue.close();
    await first.paper.close();
    open.splice(0);
    const saved = JSON.parse(readFileSync(otherScenario, 'utf8')) as Record<string, unknown>;
    writeFileSync(otherScenario, JSON.stringify({ ...saved, scenario: 'another' }));
    await expect(start(otherScenario)).rejects.toThrow(`the paper exchange's saved state ${otherScenario} belongs to scenario 'another', not 'seed'`);
  });
});
