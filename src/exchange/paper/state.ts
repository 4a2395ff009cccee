import { Decimal } from 'decimal.js';
import { binanceErrors } from './binance-errors.js';
import { MAINT_MARGIN_RATIO, applyFill, checkLotSize, openingQty, violatesReduceOnly } from './matching.js';
import type { Scenario, ScenarioMarket } from './scenario.js';

export type Side = 'BUY' | 'SELL';

export interface MarketState {
  rules: ScenarioMarket;
  markPrice: Decimal;
}

export interface PositionState {
  symbol: string;
  amount: Decimal;
  entryPrice: Decimal;
  leverage: number;
  updateTime: number;
}

/** An order as the paper exchange stores it; decimals are strings exactly as Binance sends them. */
export interface PaperOrder {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: 'MARKET';
  origQty: string;
  executedQty: string;
  avgPrice: string;
  cumQuote: string;
  reduceOnly: boolean;
  /** PARTIALLY_FILLED only under the partial_fill fault, until its rest executes (FILLED) or cannot (EXPIRED). */
  status: 'FILLED' | 'PARTIALLY_FILLED' | 'EXPIRED';
  time: number;
  updateTime: number;
}

export interface MarketOrderRequest {
  symbol: string;
  side: Side;
  quantity: Decimal;
  reduceOnly: boolean;
  clientOrderId: string | undefined;
}

export interface AssetSummary {
  asset: string;
  walletBalance: Decimal;
  unrealizedProfit: Decimal;
  marginBalance: Decimal;
  initialMargin: Decimal;
  maintMargin: Decimal;
  availableBalance: Decimal;
}

/**
 * One change of a position, as the exchange's own record: an execution of (part of) an order, or an operator's
 * change through /_paper/position (a manual trade nobody books). Exchange time.
 */
export interface PositionChange {
  seq: number;
  at: number;
  symbol: string;
  kind: 'order' | 'manual';
  orderId: number | null;
  clientOrderId: string | null;
  /** The order's cumulative executed quantity after this execution (null for a manual change). */
  cumQty: string | null;
  before: string;
  after: string;
}

/** What one execution of (part of) an order did. */
interface Execution {
  qty: Decimal;
  price: Decimal;
  quote: Decimal;
  at: number;
}

/** The paper exchange's state as saved between runs (decimals as text). */
export interface PaperSnapshot {
  version: 1;
  /** The scenario it was taken under. */
  scenario: string;
  markPrices: Record<string, string>;
  positions: Array<{ symbol: string; amount: string; entryPrice: string; leverage: number; updateTime: number }>;
  wallets: Record<string, string>;
  orders: PaperOrder[];
  nextOrderId: number;
  changes: PositionChange[];
  strictClientOrderIds: boolean;
}

const FIRST_ORDER_ID = 4_000_000_001;

const orderKey = (symbol: string, clientOrderId: string) => `${symbol} ${clientOrderId}`;

/** Binance refuses a client order id only while an order carrying it is in one of these states. */
const OPEN_STATUSES: ReadonlySet<string> = new Set(['NEW', 'PARTIALLY_FILLED']);

/** The paper exchange's book-keeping: markets, mark prices, positions, balances and orders. */
export class PaperState {
  private markets = new Map<string, MarketState>();
  private positions = new Map<string, PositionState>();
  private wallets = new Map<string, Decimal>();
  private orders: PaperOrder[] = [];
  /** Every order per symbol and client order id, oldest first. */
  private ordersByClientId = new Map<string, PaperOrder[]>();
  /** Order id → exchange time before which order queries do not see it (the lookup_stale fault). */
  private hiddenUntil = new Map<number, number>();
  private nextOrderId = FIRST_ORDER_ID;
  private changes: PositionChange[] = [];
  /** true: a client order id once used is refused forever, instead of only while its order is open. */
  strictClientOrderIds = false;

  constructor(
    readonly scenario: Scenario,
    private readonly now: () => number,
  ) {
    this.reset();
  }

  /** Back to the scenario as loaded: positions, prices, balances; no orders. */
  reset(): void {
    const at = this.now();
    this.markets = new Map(
      this.scenario.markets.map((m) => [m.symbol, { rules: m, markPrice: new Decimal(m.markPrice) }]),
    );
    this.positions = new Map(
      this.scenario.markets.map((m) => [m.symbol, this.flatPosition(m.symbol, at)]),
    );
    for (const p of this.scenario.positions) {
      const position = this.positionOf(p.symbol);
      position.amount = new Decimal(p.amount);
      position.entryPrice = position.amount.isZero() ? new Decimal(0) : new Decimal(p.entryPrice);
      position.leverage = p.leverage ?? this.scenario.defaultLeverage;
    }
    this.wallets = new Map(this.scenario.balances.map((b) => [b.asset, new Decimal(b.walletBalance)]));
    this.orders = [];
    this.ordersByClientId = new Map();
    this.hiddenUntil = new Map();
    this.nextOrderId = FIRST_ORDER_ID;
    this.changes = [];
    this.strictClientOrderIds = this.scenario.strictClientOrderIds;
  }

  /** Everything that would be lost with the process (not faults or the order log): see paper/persistence.ts. */
  snapshot(): PaperSnapshot {
    return {
      version: 1,
      scenario: this.scenario.name,
      markPrices: Object.fromEntries([...this.markets].map(([symbol, m]) => [symbol, m.markPrice.toFixed()])),
      positions: [...this.positions.values()].map((p) => ({ symbol: p.symbol, amount: p.amount.toFixed(), entryPrice: p.entryPrice.toFixed(), leverage: p.leverage, updateTime: p.updateTime })),
      wallets: Object.fromEntries([...this.wallets].map(([asset, balance]) => [asset, balance.toFixed()])),
      orders: this.orders.map((o) => ({ ...o })),
      nextOrderId: this.nextOrderId,
      changes: this.changes.map((c) => ({ ...c })),
      strictClientOrderIds: this.strictClientOrderIds,
    };
  }

  /** Back to a snapshot this scenario's exchange took; refused when it names a market the scenario lacks. */
  restore(snap: PaperSnapshot): void {
    const unknown = [...Object.keys(snap.markPrices), ...snap.positions.map((p) => p.symbol)].filter((symbol) => !this.markets.has(symbol));
    if (unknown.length > 0) throw new Error(`the saved paper state names markets scenario '${this.scenario.name}' does not have: ${[...new Set(unknown)].join(', ')}`);
    for (const [symbol, price] of Object.entries(snap.markPrices)) this.market(symbol).markPrice = new Decimal(price);
    for (const p of snap.positions) {
      this.positions.set(p.symbol, { symbol: p.symbol, amount: new Decimal(p.amount), entryPrice: new Decimal(p.entryPrice), leverage: p.leverage, updateTime: p.updateTime });
    }
    this.wallets = new Map(Object.entries(snap.wallets).map(([asset, balance]) => [asset, new Decimal(balance)]));
    this.orders = snap.orders.map((o) => ({ ...o }));
    this.ordersByClientId = new Map();
    for (const order of this.orders) {
      const key = orderKey(order.symbol, order.clientOrderId);
      this.ordersByClientId.set(key, [...(this.ordersByClientId.get(key) ?? []), order]);
    }
    this.hiddenUntil = new Map();
    this.nextOrderId = snap.nextOrderId;
    this.changes = snap.changes.map((c) => ({ ...c }));
    this.strictClientOrderIds = snap.strictClientOrderIds;
  }

  private flatPosition(symbol: string, at: number): PositionState {
    return { symbol, amount: new Decimal(0), entryPrice: new Decimal(0), leverage: this.scenario.defaultLeverage, updateTime: at };
  }

  market(symbol: string): MarketState {
    const market = this.markets.get(symbol);
    if (market === undefined) throw binanceErrors.invalidSymbol();
    return market;
  }

  listMarkets(): MarketState[] {
    return [...this.markets.values()];
  }

  positionOf(symbol: string): PositionState {
    const position = this.positions.get(symbol);
    if (position === undefined) throw binanceErrors.invalidSymbol();
    return position;
  }

  listPositions(): PositionState[] {
    return [...this.positions.values()];
  }

  listOrders(): readonly PaperOrder[] {
    return this.orders;
  }

  /** Every change of every position since the scenario was loaded, oldest first. */
  listPositionChanges(): readonly PositionChange[] {
    return this.changes;
  }

  private recordChange(change: Omit<PositionChange, 'seq'>): void {
    this.changes.push({ seq: this.changes.length + 1, ...change });
  }

  assets(): string[] {
    return [...this.wallets.keys()];
  }

  setMarkPrice(symbol: string, markPrice: Decimal): void {
    this.market(symbol).markPrice = markPrice;
  }

  /** Operator override; without an entry price, keep it when the side is unchanged, else use the mark. */
  setPosition(symbol: string, amount: Decimal, entryPrice?: Decimal): PositionState {
    const position = this.positionOf(symbol);
    const sameSide = !position.amount.isZero() && position.amount.isNegative() === amount.isNegative();
    if (amount.isZero()) position.entryPrice = new Decimal(0);
    else if (entryPrice !== undefined) position.entryPrice = entryPrice;
    else if (!sameSide) position.entryPrice = this.market(symbol).markPrice;
    const before = position.amount;
    position.amount = amount;
    position.updateTime = this.now();
    this.recordChange({ at: position.updateTime, symbol, kind: 'manual', orderId: null, clientOrderId: null, cumQty: null, before: before.toFixed(), after: amount.toFixed() });
    return position;
  }

  unrealizedProfit(position: PositionState): Decimal {
    if (position.amount.isZero()) return new Decimal(0);
    return position.amount.times(this.market(position.symbol).markPrice.minus(position.entryPrice));
  }

  notional(position: PositionState): Decimal {
    return position.amount.times(this.market(position.symbol).markPrice);
  }

  initialMargin(position: PositionState): Decimal {
    return this.notional(position).abs().div(position.leverage);
  }

  maintMargin(position: PositionState): Decimal {
    return this.notional(position).abs().times(MAINT_MARGIN_RATIO);
  }

  /** Cross-margin figures for one margin asset: every position quoted in it counts against it. */
  summary(asset: string): AssetSummary {
    const walletBalance = this.wallets.get(asset) ?? new Decimal(0);
    const held = this.listPositions().filter((p) => this.market(p.symbol).rules.quoteAsset === asset);
    const sum = (f: (p: PositionState) => Decimal) => held.reduce((acc, p) => acc.plus(f(p)), new Decimal(0));
    const unrealizedProfit = sum((p) => this.unrealizedProfit(p));
    const initialMargin = sum((p) => this.initialMargin(p));
    const maintMargin = sum((p) => this.maintMargin(p));
    const marginBalance = walletBalance.plus(unrealizedProfit);
    const availableBalance = marginBalance.minus(initialMargin);
    return { asset, walletBalance, unrealizedProfit, marginBalance, initialMargin, maintMargin, availableBalance };
  }

  /**
   * Binance's checks for a MARKET order, in order: LOT_SIZE, duplicate client id, reduce-only,
   * min notional (not for reduce-only), margin. Throws the first that fails; changes nothing.
   */
  checkMarketOrder(req: MarketOrderRequest): void {
    const market = this.market(req.symbol);
    checkLotSize(market.rules, req.quantity);
    if (req.clientOrderId !== undefined && this.clientOrderIdTaken(req.symbol, req.clientOrderId)) {
      throw binanceErrors.duplicateClientOrderId();
    }
    const position = this.positionOf(req.symbol);
    const signedQty = signedQuantity(req);
    if (req.reduceOnly && violatesReduceOnly(position.amount, signedQty)) throw binanceErrors.reduceOnlyRejected();
    const notional = req.quantity.times(market.markPrice);
    const minNotional = market.rules.minNotional;
    if (!req.reduceOnly && minNotional !== null && notional.lt(minNotional)) throw binanceErrors.minNotional(minNotional);
    this.checkMargin(position, signedQty, market);
  }

  /** Checks the order as Binance does, then fills it at the mark price. */
  placeMarketOrder(req: MarketOrderRequest): PaperOrder {
    this.checkMarketOrder(req);
    return this.record(req, this.execute(req.symbol, signedQuantity(req)));
  }

  /**
   * The partial_fill fault: checked as usual, then only `ratio` of the quantity executes now (truncated to
   * the step, at least one step) and the order stays PARTIALLY_FILLED until fillRest. An order of one step
   * has no part to hold back: it fills at once.
   */
  placePartialMarketOrder(req: MarketOrderRequest, ratio: number): PaperOrder {
    this.checkMarketOrder(req);
    const step = new Decimal(this.market(req.symbol).rules.stepSize);
    const part = Decimal.max(req.quantity.times(ratio).div(step).floor().times(step), step);
    if (part.gte(req.quantity)) return this.record(req, this.execute(req.symbol, signedQuantity(req)));
    const signedPart = req.side === 'BUY' ? part : part.neg();
    return this.record(req, this.execute(req.symbol, signedPart), 'PARTIALLY_FILLED');
  }

  /**
   * Executes what is left of a PARTIALLY_FILLED order at the mark price of now. A reduce-only rest that
   * would now increase or flip the position expires instead (as Binance expires it), keeping what executed.
   */
  fillRest(orderId: number): PaperOrder | undefined {
    const order = this.orders.find((o) => o.orderId === orderId);
    if (order === undefined || order.status !== 'PARTIALLY_FILLED') return undefined;
    const rest = new Decimal(order.origQty).minus(order.executedQty);
    const signedRest = order.side === 'BUY' ? rest : rest.neg();
    order.updateTime = this.now();
    if (order.reduceOnly && violatesReduceOnly(this.positionOf(order.symbol).amount, signedRest)) {
      order.status = 'EXPIRED';
      return order;
    }
    const executed = this.execute(order.symbol, signedRest);
    const cumQuote = new Decimal(order.cumQuote).plus(executed.quote);
    order.executedQty = order.origQty;
    order.cumQuote = cumQuote.toFixed();
    order.avgPrice = cumQuote.div(order.origQty).toDecimalPlaces(8).toFixed();
    order.status = 'FILLED';
    order.updateTime = executed.at;
    this.recordExecution(order, executed);
    return order;
  }

  private recordExecution(order: PaperOrder, executed: Execution): void {
    const after = this.positionOf(order.symbol).amount;
    const signed = order.side === 'BUY' ? executed.qty : executed.qty.neg();
    this.recordChange({ at: executed.at, symbol: order.symbol, kind: 'order', orderId: order.orderId, clientOrderId: order.clientOrderId, cumQty: order.executedQty, before: after.minus(signed).toFixed(), after: after.toFixed() });
  }

  private clientOrderIdTaken(symbol: string, clientOrderId: string): boolean {
    const used = this.ordersByClientId.get(orderKey(symbol, clientOrderId)) ?? [];
    return this.strictClientOrderIds ? used.length > 0 : used.some((o) => OPEN_STATUSES.has(o.status));
  }

  private checkMargin(position: PositionState, signedQty: Decimal, market: MarketState): void {
    const opening = openingQty(position.amount, signedQty);
    if (opening.isZero()) return;
    const required = opening.times(market.markPrice).div(position.leverage);
    if (required.gt(this.summary(market.rules.quoteAsset).availableBalance)) throw binanceErrors.marginInsufficient();
  }

  /** Moves the position by `signedQty` at the mark price and books the realized PnL. */
  private execute(symbol: string, signedQty: Decimal): Execution {
    const at = this.now();
    const price = this.market(symbol).markPrice;
    const position = this.positionOf(symbol);
    const result = applyFill(position, signedQty, price);
    position.amount = result.amount;
    position.entryPrice = result.entryPrice;
    position.updateTime = at;
    const asset = this.market(symbol).rules.quoteAsset;
    this.wallets.set(asset, (this.wallets.get(asset) ?? new Decimal(0)).plus(result.realizedPnl));
    return { qty: signedQty.abs(), price, quote: signedQty.abs().times(price), at };
  }

  private record(req: MarketOrderRequest, executed: Execution, status: PaperOrder['status'] = 'FILLED'): PaperOrder {
    const orderId = this.nextOrderId++;
    const order: PaperOrder = {
      orderId,
      clientOrderId: req.clientOrderId ?? `paper-auto-${orderId}`,
      symbol: req.symbol,
      side: req.side,
      type: 'MARKET',
      origQty: req.quantity.toFixed(),
      executedQty: executed.qty.toFixed(),
      avgPrice: executed.price.toFixed(),
      cumQuote: executed.quote.toFixed(),
      reduceOnly: req.reduceOnly,
      status,
      time: executed.at,
      updateTime: executed.at,
    };
    this.orders.push(order);
    this.recordExecution(order, executed);
    const key = orderKey(order.symbol, order.clientOrderId);
    const sameId = this.ordersByClientId.get(key);
    if (sameId === undefined) this.ordersByClientId.set(key, [order]);
    else sameId.push(order);
    return order;
  }

  /** Order queries do not see this order until `ms` after it was placed (exchange time). */
  hideFromQueries(orderId: number, ms: number): void {
    const order = this.orders.find((o) => o.orderId === orderId);
    if (order !== undefined) this.hiddenUntil.set(orderId, order.time + ms);
  }

  private visibleToQueries(order: PaperOrder): boolean {
    return (this.hiddenUntil.get(order.orderId) ?? -Infinity) <= this.now();
  }

  /**
   * By order id, or by client order id: the most recent order carrying it (ids can be reused once
   * their order is closed). Orders still hidden by lookup_stale are skipped, as a lagging read would.
   */
  findOrder(symbol: string, query: { orderId?: number; clientOrderId?: string }): PaperOrder {
    this.market(symbol);
    const candidates =
      query.orderId !== undefined
        ? this.orders.filter((o) => o.symbol === symbol && o.orderId === query.orderId)
        : (this.ordersByClientId.get(orderKey(symbol, query.clientOrderId ?? '')) ?? []);
    const found = [...candidates].reverse().find((o) => this.visibleToQueries(o));
    if (found === undefined) throw binanceErrors.orderNotFound();
    return found;
  }
}

function signedQuantity(req: MarketOrderRequest): Decimal {
  return req.side === 'BUY' ? req.quantity : req.quantity.neg();
}
