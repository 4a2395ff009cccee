import { Decimal } from 'decimal.js';
import type { PaperOrder, PaperState, PositionState, MarketState } from './state.js';

/** Binance USDⓈ-M JSON shapes, built from the paper state. Decimals are strings, as Binance sends them. */

const FAR_FUTURE_MS = 4_133_404_800_000; // Binance's deliveryDate for perpetuals (2100-12-25)
const ONBOARD_MS = 1_569_398_400_000;

const str = (d: Decimal) => d.toFixed();

function decimalsOf(step: string): number {
  const dot = step.indexOf('.');
  return dot < 0 ? 0 : step.replace(/0+$/, '').length - dot - 1;
}

function marketFilters(m: MarketState): object[] {
  const r = m.rules;
  const filters: object[] = [
    { filterType: 'PRICE_FILTER', tickSize: r.tickSize, minPrice: r.tickSize, maxPrice: '10000000' },
    { filterType: 'LOT_SIZE', stepSize: r.stepSize, minQty: r.minQty, maxQty: r.maxQty },
    { filterType: 'MARKET_LOT_SIZE', stepSize: r.stepSize, minQty: r.minQty, maxQty: r.maxQty },
    { filterType: 'MAX_NUM_ORDERS', limit: 200 },
  ];
  if (r.minNotional !== null) filters.push({ filterType: 'MIN_NOTIONAL', notional: r.minNotional });
  return filters;
}

function exchangeInfoSymbol(m: MarketState): object {
  const r = m.rules;
  return {
    symbol: r.symbol,
    pair: r.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: FAR_FUTURE_MS,
    onboardDate: ONBOARD_MS,
    status: 'TRADING',
    baseAsset: r.baseAsset,
    quoteAsset: r.quoteAsset,
    marginAsset: r.quoteAsset,
    pricePrecision: decimalsOf(r.tickSize),
    quantityPrecision: decimalsOf(r.stepSize),
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: marketFilters(m),
    orderTypes: ['LIMIT', 'MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
  };
}

export function exchangeInfo(state: PaperState, now: number): object {
  return {
    timezone: 'UTC',
    serverTime: now,
    futuresType: 'U_MARGINED',
    rateLimits: [],
    exchangeFilters: [],
    assets: state.assets().map((asset) => ({ asset, marginAvailable: true, autoAssetExchange: '0' })),
    symbols: state.listMarkets().map(exchangeInfoSymbol),
  };
}

export function ticker24hr(m: MarketState, now: number): object {
  const price = str(m.markPrice);
  return {
    symbol: m.rules.symbol,
    priceChange: '0',
    priceChangePercent: '0',
    weightedAvgPrice: price,
    lastPrice: price,
    lastQty: '0',
    openPrice: price,
    highPrice: price,
    lowPrice: price,
    volume: '0',
    quoteVolume: '0',
    openTime: now - 86_400_000,
    closeTime: now,
    firstId: 0,
    lastId: 0,
    count: 0,
  };
}

export function premiumIndex(m: MarketState, now: number): object {
  const price = str(m.markPrice);
  return {
    symbol: m.rules.symbol,
    markPrice: price,
    indexPrice: price,
    estimatedSettlePrice: price,
    lastFundingRate: '0.00010000',
    interestRate: '0.00010000',
    nextFundingTime: now + 3_600_000,
    time: now,
  };
}

export function leverageBracket(symbol: string): object {
  return {
    symbol,
    notionalCoef: 1,
    brackets: [
      { bracket: 1, initialLeverage: 125, notionalCap: 50_000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0 },
      { bracket: 2, initialLeverage: 50, notionalCap: 10_000_000, notionalFloor: 50_000, maintMarginRatio: 0.005, cum: 50 },
    ],
  };
}

export function positionRiskV3(state: PaperState, p: PositionState): object {
  const margin = str(state.initialMargin(p));
  return {
    symbol: p.symbol,
    positionSide: 'BOTH',
    positionAmt: str(p.amount),
    entryPrice: str(p.entryPrice),
    breakEvenPrice: str(p.entryPrice),
    markPrice: str(state.market(p.symbol).markPrice),
    unRealizedProfit: str(state.unrealizedProfit(p)),
    liquidationPrice: '0',
    isolatedMargin: '0',
    notional: str(state.notional(p)),
    marginAsset: state.market(p.symbol).rules.quoteAsset,
    isolatedWallet: '0',
    initialMargin: margin,
    maintMargin: str(state.maintMargin(p)),
    positionInitialMargin: margin,
    openOrderInitialMargin: '0',
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    updateTime: p.updateTime,
  };
}

export function positionRiskV2(state: PaperState, p: PositionState): object {
  return {
    ...positionRiskV3(state, p),
    leverage: String(p.leverage),
    marginType: 'cross',
    isAutoAddMargin: 'false',
    maxNotionalValue: '10000000',
  };
}

export function accountV3(state: PaperState, now: number): object {
  const summaries = state.assets().map((asset) => state.summary(asset));
  const total = (f: (s: (typeof summaries)[number]) => Decimal) =>
    summaries.reduce((acc, s) => acc.plus(f(s)), new Decimal(0));
  return {
    totalInitialMargin: str(total((s) => s.initialMargin)),
    totalMaintMargin: str(total((s) => s.maintMargin)),
    totalWalletBalance: str(total((s) => s.walletBalance)),
    totalUnrealizedProfit: str(total((s) => s.unrealizedProfit)),
    totalMarginBalance: str(total((s) => s.marginBalance)),
    totalPositionInitialMargin: str(total((s) => s.initialMargin)),
    totalOpenOrderInitialMargin: '0',
    totalCrossWalletBalance: str(total((s) => s.walletBalance)),
    totalCrossUnPnl: str(total((s) => s.unrealizedProfit)),
    availableBalance: str(total((s) => s.availableBalance)),
    maxWithdrawAmount: str(total((s) => s.availableBalance)),
    assets: summaries.map((s) => ({
      asset: s.asset,
      walletBalance: str(s.walletBalance),
      unrealizedProfit: str(s.unrealizedProfit),
      marginBalance: str(s.marginBalance),
      maintMargin: str(s.maintMargin),
      initialMargin: str(s.initialMargin),
      positionInitialMargin: str(s.initialMargin),
      openOrderInitialMargin: '0',
      crossWalletBalance: str(s.walletBalance),
      crossUnPnl: str(s.unrealizedProfit),
      availableBalance: str(s.availableBalance),
      maxWithdrawAmount: str(s.availableBalance),
      updateTime: now,
    })),
    positions: state
      .listPositions()
      .filter((p) => !p.amount.isZero())
      .map((p) => ({
        symbol: p.symbol,
        positionSide: 'BOTH',
        positionAmt: str(p.amount),
        unrealizedProfit: str(state.unrealizedProfit(p)),
        isolatedMargin: '0',
        notional: str(state.notional(p)),
        isolatedWallet: '0',
        initialMargin: str(state.initialMargin(p)),
        maintMargin: str(state.maintMargin(p)),
        updateTime: p.updateTime,
      })),
  };
}

export function orderJson(o: PaperOrder): object {
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: '0',
    avgPrice: o.avgPrice,
    origQty: o.origQty,
    executedQty: o.executedQty,
    cumQty: o.executedQty,
    cumQuote: o.cumQuote,
    timeInForce: 'GTC',
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: false,
    side: o.side,
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: o.type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'NONE',
    goodTillDate: 0,
    time: o.time,
    updateTime: o.updateTime,
  };
}
