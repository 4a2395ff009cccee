import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { BinanceApiError } from '../../src/exchange/paper/binance-errors.js';
import { applyFill, openingQty, violatesReduceOnly } from '../../src/exchange/paper/matching.js';
import { loadScenarioFile, type Scenario } from '../../src/exchange/paper/index.js';
import { PaperState, type MarketOrderRequest } from '../../src/exchange/paper/state.js';
import { SEED_PATH } from './helpers.js';

const d = (s: string) => new Decimal(s);

describe('paper matching rules', () => {
  it('reduces exactly in decimal: 0.062 − 0.046 = 0.016, realizing PnL against the entry', () => {
    const fill = applyFill({ amount: d('0.062'), entryPrice: d('58000') }, d('-0.046'), d('60000'));
    expect(fill.amount.toFixed()).toBe('0.016');
    expect(fill.entryPrice.toFixed()).toBe('58000');
    expect(fill.realizedPnl.toFixed()).toBe('92');
  });

  it('averages the entry when adding, and takes the fill price after a flip or from flat', () => {
    expect(applyFill({ amount: d('1'), entryPrice: d('100') }, d('1'), d('200')).entryPrice.toFixed()).toBe('150');
    const flipped = applyFill({ amount: d('1'), entryPrice: d('100') }, d('-3'), d('90'));
    expect([flipped.amount.toFixed(), flipped.entryPrice.toFixed(), flipped.realizedPnl.toFixed()]).toEqual(['-2', '90', '-10']);
    const closed = applyFill({ amount: d('-2'), entryPrice: d('90') }, d('2'), d('80'));
    expect([closed.amount.toFixed(), closed.entryPrice.toFixed(), closed.realizedPnl.toFixed()]).toEqual(['0', '0', '20']);
  });

  it('knows which orders open exposure and which violate reduce-only', () => {
    expect(openingQty(d('0.062'), d('-0.046')).toFixed()).toBe('0');
    expect(openingQty(d('0.062'), d('-0.1')).toFixed()).toBe('0.038');
    expect(openingQty(d('0'), d('-0.1')).toFixed()).toBe('0.1');
    expect(violatesReduceOnly(d('0.062'), d('-0.062'))).toBe(false);
    expect(violatesReduceOnly(d('0.062'), d('-0.063'))).toBe(true);
    expect(violatesReduceOnly(d('0.062'), d('0.001'))).toBe(true);
    expect(violatesReduceOnly(d('0'), d('-0.001'))).toBe(true);
  });
});

describe('paper state', () => {
  let clock = 1_700_000_000_000;

  async function seedState(overrides: Partial<Scenario> = {}): Promise<PaperState> {
    clock = 1_700_000_000_000;
    return new PaperState({ ...(await loadScenarioFile(SEED_PATH)), ...overrides }, () => clock);
  }

  const order = (over: Partial<MarketOrderRequest>): MarketOrderRequest => ({
    symbol: 'BTCUSDT',
    side: 'SELL',
    quantity: d('0.046'),
    reduceOnly: true,
    clientOrderId: 'c1',
    ...over,
  });

  function codeOf(run: () => unknown): number {
    try {
      run();
    } catch (err) {
      if (err instanceof BinanceApiError) return err.code;
      throw err;
    }
    throw new Error('expected a Binance error');
  }

  it('books realized PnL into the wallet; a client id of a filled order makes a new order, found as the latest', async () => {
    const state = await seedState();
    const placed = state.placeMarketOrder(order({}));
    expect(state.summary('USDT').walletBalance.toFixed()).toBe('10092');
    clock += 1;
    const again = state.placeMarketOrder(order({ quantity: d('0.001') }));
    expect(again.orderId).not.toBe(placed.orderId);
    expect(state.positionOf('BTCUSDT').amount.toFixed()).toBe('0.015');
    expect(state.findOrder('BTCUSDT', { clientOrderId: 'c1' })).toEqual(again);
    expect(state.findOrder('BTCUSDT', { orderId: placed.orderId })).toEqual(placed);
    expect(codeOf(() => state.findOrder('BTCUSDT', { clientOrderId: 'c2' }))).toBe(-2013);
  });

  it('with strictClientOrderIds a used client id is refused (-4116) and the original stays', async () => {
    const state = await seedState({ strictClientOrderIds: true });
    const placed = state.placeMarketOrder(order({}));
    expect(codeOf(() => state.placeMarketOrder(order({ quantity: d('0.001') })))).toBe(-4116);
    expect(state.findOrder('BTCUSDT', { clientOrderId: 'c1' })).toEqual(placed);
    expect(state.listOrders()).toHaveLength(1);
    state.strictClientOrderIds = false;
    expect(state.placeMarketOrder(order({ quantity: d('0.001') })).status).toBe('FILLED');
  });

  it('an order hidden from queries is skipped until its time is up; a reused id then shows the older order', async () => {
    const state = await seedState();
    const first = state.placeMarketOrder(order({ quantity: d('0.001') }));
    clock += 10;
    const second = state.placeMarketOrder(order({ quantity: d('0.002') }));
    state.hideFromQueries(second.orderId, 500);
    expect(state.findOrder('BTCUSDT', { clientOrderId: 'c1' })).toEqual(first);
    expect(codeOf(() => state.findOrder('BTCUSDT', { orderId: second.orderId }))).toBe(-2013);
    clock += 499;
    expect(state.findOrder('BTCUSDT', { clientOrderId: 'c1' })).toEqual(first);
    clock += 1;
    expect(state.findOrder('BTCUSDT', { clientOrderId: 'c1' })).toEqual(second);
    expect(state.findOrder('BTCUSDT', { orderId: second.orderId })).toEqual(second);
  });

  it('checkMarketOrder refuses like placeMarketOrder and changes nothing', async () => {
    const state = await seedState();
    expect(codeOf(() => state.checkMarketOrder(order({ quantity: d('0.1') })))).toBe(-2022);
    state.checkMarketOrder(order({}));
    expect(state.listOrders()).toEqual([]);
    expect(state.positionOf('BTCUSDT').amount.toFixed()).toBe('0.062');
  });

  it('checks LOT_SIZE, min notional (not for reduce-only) and margin', async () => {
    const state = await seedState();
    expect(codeOf(() => state.placeMarketOrder(order({ quantity: d('0.0465') })))).toBe(-1013);
    expect(codeOf(() => state.placeMarketOrder(order({ quantity: d('1001'), reduceOnly: false })))).toBe(-1013);
    expect(codeOf(() => state.placeMarketOrder(order({ side: 'BUY', quantity: d('0.001'), reduceOnly: false })))).toBe(-4164);
    // reduce-only orders under the minimum notional are allowed: 0.001 × 60000 = 60 < 100
    expect(state.placeMarketOrder(order({ quantity: d('0.001') })).status).toBe('FILLED');
    expect(codeOf(() => state.placeMarketOrder(order({ side: 'BUY', quantity: d('4'), reduceOnly: false, clientOrderId: 'c9' })))).toBe(-2019);
  });

  it('reset goes back to the scenario', async () => {
    const state = await seedState();
    state.placeMarketOrder(order({}));
    state.setMarkPrice('BTCUSDT', d('1'));
    state.reset();
    expect(state.positionOf('BTCUSDT').amount.toFixed()).toBe('0.062');
    expect(state.market('BTCUSDT').markPrice.toFixed()).toBe('60000');
    expect(state.listOrders()).toEqual([]);
  });
});
