import { inspect } from 'node:util';
import { binanceusdm, OrderNotFound, type BinanceUsdm, type MarketInterface } from './ccxt-lib.js';
import { Decimal } from 'decimal.js';
import { classifyCcxtError } from './ccxt-errors.js';
import { ExchangeClock, type ClockReading } from './exchange-clock.js';
import {
  VenueError,
  type MarketRules,
  type OrderReport,
  type OrderRequest,
  type Position,
  type Venue,
  type VenueConfig,
  type VenueName,
} from './venue.js';
import { VENUE_NAMES } from '../config/exchange.js';

// Below the order attempt deadline (ORDER_ATTEMPT_TIMEOUT_MS, 10 s), so an unanswered call ends as a classified
// timeout inside the activity, and a retry (lookup first) still fits in the 15 s permit window.
export const DEFAULT_EXCHANGE_TIMEOUT_MS = 5_000;
const DEFAULT_CLOCK_MAX_AGE_MS = 30_000;
const DUPLICATE_CLIENT_ORDER_ID = -4116;
const STALE_TIMESTAMP = -1021;
const ORDER_NOT_FOUND = -2013;

/** The fields of Binance's raw order JSON the adapter reads (ccxt keeps it as `order.info`). */
interface RawOrder {
  orderId: number | string;
  clientOrderId: string;
  symbol: string;
  side: string;
  status: string;
  origQty: string;
  executedQty: string;
  avgPrice?: string;
  updateTime?: number;
  time?: number;
}

interface RawFilter {
  filterType: string;
  [key: string]: unknown;
}

/**
 * binanceusdm pointed at the paper exchange. ccxt picks Binance's futures error table by host name;
 * on loopback it would fall back to the generic table and map -2019, -2022, -4116 to a plain
 * ExchangeError. This subclass restores the production (linear) mapping, and only for the paper venue.
 */
class PaperBinanceUsdm extends binanceusdm {
  override getExceptionsByUrl(_url: string | undefined, exactOrBroad: string): Record<string, unknown> {
    const linear = this.safeDict(this.exceptions, 'linear', {}) ?? {};
    return this.safeDict(linear, exactOrBroad, {}) ?? {};
  }
}

function paperApiUrls(baseUrl: string): Record<string, string> {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    fapiPublic: `${base}/fapi/v1`,
    fapiPrivate: `${base}/fapi/v1`,
    fapiPublicV2: `${base}/fapi/v2`,
    fapiPrivateV2: `${base}/fapi/v2`,
    fapiPublicV3: `${base}/fapi/v3`,
    fapiPrivateV3: `${base}/fapi/v3`,
    fapiData: `${base}/futures/data`,
  };
}

/** The configured ccxt client behind a venue (exported for tests that make raw ccxt calls). */
export function createCcxtExchange(cfg: VenueConfig): BinanceUsdm {
  const settings = {
    apiKey: cfg.apiKey,
    secret: cfg.secret,
    enableRateLimit: false, // its limiter spaces order calls ~200 ms apart; Temporal owns pacing and retries
    timeout: cfg.timeoutMs ?? DEFAULT_EXCHANGE_TIMEOUT_MS,
    options: {
      fetchCurrencies: false, // otherwise loadMarkets() makes two signed spot (sapi) calls first
      fetchMarkets: { types: ['linear'] },
      maxRetriesOnFailure: 0, // one retry policy: Temporal's
    },
  };
  if (cfg.venue === 'paper') {
    if (cfg.baseUrl === undefined || !/^https?:\/\//.test(cfg.baseUrl)) {
      throw new Error('the paper venue needs baseUrl, e.g. http://127.0.0.1:8899');
    }
    const exchange = new PaperBinanceUsdm(settings);
    // Replaced, not merged: any endpoint missing here then fails with NotSupported instead of reaching Binance.
    exchange.urls['api'] = paperApiUrls(cfg.baseUrl);
    return exchange;
  }
  const exchange = new binanceusdm(settings);
  if (cfg.venue === 'binance-demo') exchange.enableDemoTrading(true);
  return exchange;
}

function filterOf(market: MarketInterface, type: string): RawFilter | undefined {
  const info = market.info as { filters?: RawFilter[] }; // ccxt types `info` as any: the raw exchangeInfo symbol
  return info.filters?.find((f) => f.filterType === type);
}

function toMarketRules(market: MarketInterface): MarketRules {
  const lot = filterOf(market, 'LOT_SIZE');
  const price = filterOf(market, 'PRICE_FILTER');
  const notional = filterOf(market, 'MIN_NOTIONAL');
  return {
    symbol: String(market.id),
    ccxtSymbol: market.symbol,
    baseAsset: market.base,
    quoteAsset: market.quote,
    stepSize: String(lot?.['stepSize'] ?? ''),
    minQty: String(lot?.['minQty'] ?? ''),
    tickSize: String(price?.['tickSize'] ?? ''),
    minNotional: notional?.['notional'] === undefined ? null : String(notional['notional']),
  };
}

const REPORT_STATUSES = new Set<string>(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);

function toReportStatus(raw: string): OrderReport['status'] {
  if (REPORT_STATUSES.has(raw)) return raw as OrderReport['status'];
  if (raw === 'EXPIRED_IN_MATCH') return 'EXPIRED';
  return 'NEW'; // unknown status: report it as not final so that callers look again
}

function toOrderReport(raw: RawOrder): OrderReport {
  return {
    clientOrderId: raw.clientOrderId,
    exchangeOrderId: String(raw.orderId),
    symbol: raw.symbol,
    side: raw.side === 'SELL' ? 'SELL' : 'BUY',
    qty: new Decimal(raw.origQty).toFixed(),
    status: toReportStatus(raw.status),
    filledQty: new Decimal(raw.executedQty).toFixed(),
    avgPrice: new Decimal(raw.avgPrice ?? '0').toFixed(),
    updatedAt: raw.updateTime ?? raw.time ?? 0,
  };
}

interface RawPositionRow {
  symbol: string;
  positionAmt: string;
  markPrice: string;
  updateTime?: number | string;
}

/** ccxt drops flat rows; the raw strings of the rest are exact, its numbers are floats. */
function rawPositionRows(rows: Array<{ info: unknown }>): RawPositionRow[] {
  return rows.map((p) => p.info as RawPositionRow); // info: any in ccxt's types (raw positionRisk row)
}

/** One symbol's rows (one per position side) as a net position, updated when its latest row was. */
function positionOf(symbol: string, rows: RawPositionRow[]): Position {
  const amount = rows.reduce((acc, r) => acc.plus(r.positionAmt), new Decimal(0));
  const updates = rows.map((r) => Number(r.updateTime)).filter((t) => Number.isFinite(t) && t > 0);
  return { symbol, amount: amount.toFixed(), markPrice: new Decimal(rows[0]!.markPrice).toFixed(), updatedAt: updates.length > 0 ? Math.max(...updates) : null };
}

/** Refuses quantities ccxt would otherwise silently truncate to the step. */
function checkQuantity(qty: string, rules: MarketRules): void {
  const reject = (reason: string) =>
    new VenueError({ kind: 'rejected', errorClass: 'InvalidOrder', exchangeCode: null, exchangeReason: reason });
  if (!/^\d+(\.\d+)?$/.test(qty)) throw reject(`quantity ${JSON.stringify(qty)} is not a positive decimal`);
  const amount = new Decimal(qty);
  if (amount.lt(rules.minQty)) throw reject(`quantity ${qty} is below the minimum ${rules.minQty} of ${rules.symbol}`);
  if (!amount.mod(rules.stepSize).isZero()) {
    throw reject(`quantity ${qty} is not a multiple of the step ${rules.stepSize} of ${rules.symbol}`);
  }
}

class CcxtVenue implements Venue {
  readonly name: VenueName;
  readonly requestTimeoutMs: number;
  readonly #exchange: BinanceUsdm;
  readonly #clock: ExchangeClock;
  readonly #secrets: readonly string[];
  readonly #baseUrl: string | undefined;
  #marketsLoading: Promise<unknown> | null = null;
  #bracketsLoading: Promise<unknown> | null = null;
  /** Rules by symbol, built once per ccxt markets object (loadMarkets caches it; a reload replaces it). */
  #rules: { from: object; bySymbol: Map<string, MarketRules> } | null = null;

  constructor(cfg: VenueConfig) {
    this.name = cfg.venue;
    this.#exchange = createCcxtExchange(cfg);
    this.#secrets = [cfg.apiKey, cfg.secret];
    this.#baseUrl = cfg.venue === 'paper' ? cfg.baseUrl : undefined;
    this.requestTimeoutMs = this.#exchange.timeout;
    this.#clock = new ExchangeClock(() => this.#call(() => this.#exchange.fetchTime()).then((t) => Number(t)), {
      maxAgeMs: cfg.clockMaxAgeMs ?? DEFAULT_CLOCK_MAX_AGE_MS,
    });
  }

  async #call<T>(run: () => Promise<T>, placingOrder = false): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const classified = classifyCcxtError(err, { placingOrder, secrets: this.#secrets });
      if (classified.exchangeCode === STALE_TIMESTAMP) this.#clock.invalidate();
      throw classified;
    }
  }

  /** Measures (when stale) and makes every signed call carry exchange time: ccxt signs with local time − timeDifference. */
  async clock(opts: { fresh?: boolean } = {}): Promise<ClockReading> {
    if (opts.fresh) this.#clock.invalidate();
    const reading = await this.#clock.reading();
    this.#exchange.options['timeDifference'] = -reading.offsetMs;
    return reading;
  }

  /** A signed call, timed by the exchange's clock. */
  async #signed<T>(run: () => Promise<T>, placingOrder = false): Promise<T> {
    await this.clock();
    return this.#call(run, placingOrder);
  }

  async #loadMarkets(): Promise<void> {
    this.#marketsLoading ??= this.#exchange.loadMarkets().catch((err: unknown) => {
      this.#marketsLoading = null; // let the next call try again
      throw err;
    });
    await this.#call(() => this.#marketsLoading as Promise<unknown>);
  }

  /**
   * ccxt reads the leverage brackets (maintenance margins) before parsing positions and caches them on
   * the first call. Loaded once here, for every symbol, before a position read asks for one symbol only.
   */
  async #loadLeverageBrackets(): Promise<void> {
    await this.clock();
    this.#bracketsLoading ??= this.#exchange.loadLeverageBrackets().catch((err: unknown) => {
      this.#bracketsLoading = null; // let the next read try again
      throw err;
    });
    await this.#call(() => this.#bracketsLoading as Promise<unknown>);
  }

  async #rulesBySymbol(): Promise<Map<string, MarketRules>> {
    await this.#loadMarkets();
    const markets: Record<string, MarketInterface | undefined> = this.#exchange.markets ?? {};
    if (this.#rules?.from !== markets) {
      const linear = Object.values(markets).filter((m): m is MarketInterface => m !== undefined && m.linear === true && m.swap === true);
      this.#rules = { from: markets, bySymbol: new Map(linear.map((m) => [String(m.id), toMarketRules(m)])) };
    }
    return this.#rules.bySymbol;
  }

  async markets(): Promise<MarketRules[]> {
    return [...(await this.#rulesBySymbol()).values()];
  }

  async market(symbol: string): Promise<MarketRules> {
    const found = (await this.#rulesBySymbol()).get(symbol);
    if (found === undefined) {
      throw new VenueError({ kind: 'rejected', errorClass: 'BadSymbol', exchangeCode: null, exchangeReason: `unknown symbol ${symbol}` });
    }
    return found;
  }

  async position(symbol: string): Promise<Position> {
    const rules = await this.market(symbol);
    await this.#loadLeverageBrackets();
    // `symbol` goes to positionRisk as is: the exchange answers this symbol's rows only, instead of every
    // market's rows for ccxt to parse and filter (ccxt sends no symbol of its own).
    const rows = await this.#signed(() => this.#exchange.fetchPositions([rules.ccxtSymbol], { symbol: rules.symbol }));
    const mine = rawPositionRows(rows).filter((r) => r.symbol === symbol);
    if (mine.length === 0) return { symbol, amount: '0', markPrice: await this.#markPrice(rules), updatedAt: null };
    return positionOf(symbol, mine);
  }

  async positions(): Promise<Position[]> {
    const known = await this.#rulesBySymbol();
    await this.#loadLeverageBrackets();
    const rows = rawPositionRows(await this.#signed(() => this.#exchange.fetchPositions()));
    const bySymbol = new Map<string, RawPositionRow[]>();
    for (const row of rows.filter((r) => known.has(r.symbol))) bySymbol.set(row.symbol, [...(bySymbol.get(row.symbol) ?? []), row]);
    return [...bySymbol.entries()].map(([symbol, mine]) => positionOf(symbol, mine)).filter((p) => !new Decimal(p.amount).isZero());
  }

  async #markPrice(rules: MarketRules): Promise<string> {
    const ticker = await this.#call(() => this.#exchange.fetchMarkPrice(rules.ccxtSymbol));
    const info = ticker.info as { markPrice: string }; // info: any in ccxt's types (raw premiumIndex)
    return new Decimal(info.markPrice).toFixed();
  }

  async placeReduceOnlyMarketOrder(req: OrderRequest): Promise<OrderReport> {
    const rules = await this.market(req.symbol);
    checkQuantity(req.qty, rules);
    const side = req.side === 'BUY' ? 'buy' : 'sell';
    const params = { reduceOnly: true, newClientOrderId: req.clientOrderId, ...(req.timing ?? {}) };
    try {
      const order = await this.#signed(
        () => this.#exchange.createOrder(rules.ccxtSymbol, 'market', side, Number(req.qty), undefined, params),
        true,
      );
      return toOrderReport(order.info as RawOrder); // info: any in ccxt's types (raw order JSON)
    } catch (err) {
      if (err instanceof VenueError && err.exchangeCode === DUPLICATE_CLIENT_ORDER_ID) {
        return this.#existingOrder(req, err);
      }
      throw err;
    }
  }

  /** -4116: an order with this client id exists. Same order → idempotent success; different → refused. */
  async #existingOrder(req: OrderRequest, duplicateError: VenueError): Promise<OrderReport> {
    const existing = await this.findOrder(req.symbol, req.clientOrderId);
    // -4116 says an open order with this id exists: a lookup that misses it leaves the request's fate open.
    if (existing === null) throw new VenueError({ kind: 'ambiguous', errorClass: duplicateError.errorClass, exchangeCode: DUPLICATE_CLIENT_ORDER_ID, exchangeReason: `${duplicateError.exchangeReason} (and a lookup does not find it yet)` });
    if (existing.side !== req.side || !new Decimal(existing.qty).eq(req.qty)) {
      throw new VenueError({
        kind: 'rejected',
        errorClass: duplicateError.errorClass,
        exchangeCode: DUPLICATE_CLIENT_ORDER_ID,
        exchangeReason: `client order id ${req.clientOrderId} already used by order ${existing.exchangeOrderId} (${existing.side} ${existing.qty})`,
      });
    }
    return { ...existing, duplicate: true };
  }

  async findOrder(symbol: string, clientOrderId: string): Promise<OrderReport | null> {
    const rules = await this.market(symbol);
    try {
      const order = await this.#signed(() =>
        this.#exchange.fetchOrder('', rules.ccxtSymbol, { origClientOrderId: clientOrderId }),
      );
      return toOrderReport(order.info as RawOrder); // info: any in ccxt's types (raw order JSON)
    } catch (err) {
      if (err instanceof VenueError && (err.errorClass === OrderNotFound.name || err.exchangeCode === ORDER_NOT_FOUND)) {
        return null;
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#exchange.close();
  }

  toJSON(): object {
    return { name: this.name, ...(this.#baseUrl ? { baseUrl: this.#baseUrl } : {}) };
  }

  toString(): string {
    return `Venue(${this.name}${this.#baseUrl ? ` ${this.#baseUrl}` : ''})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export function createVenue(cfg: VenueConfig): Venue {
  if (!VENUE_NAMES.includes(cfg.venue)) throw new Error(`unknown venue ${String(cfg.venue)}`);
  // Checked here too because a spread copy of an env config ({ ...cfg }) drops the hidden credentials.
  if (!cfg.apiKey || !cfg.secret) throw new Error(`the ${cfg.venue} venue needs an API key and secret`);
  return new CcxtVenue(cfg);
}
