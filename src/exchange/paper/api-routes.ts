import { Decimal } from 'decimal.js';
import { BinanceApiError, binanceErrors } from './binance-errors.js';
import type { MarketOrderRequest, PaperOrder, PaperState, Side } from './state.js';
import * as wire from './wire.js';

export interface ApiContext {
  params: Record<string, string>;
  state: PaperState;
  now: number;
}

export interface ApiRoute {
  signed: boolean;
  handle(ctx: ApiContext): unknown;
}

const CLIENT_ORDER_ID_RULE = '^[\\.A-Z\\:/a-z0-9_-]{1,36}$';
const CLIENT_ORDER_ID_RE = new RegExp(CLIENT_ORDER_ID_RULE);
const QUANTITY_RULE = '^([0-9]{1,20})(\\.[0-9]{1,20})?$';
const QUANTITY_RE = new RegExp(QUANTITY_RULE);

function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw binanceErrors.mandatoryParam(name);
  return value;
}

/** Answers one market, or every market when `symbol` is absent (Binance's list-or-object convention). */
function perMarket(ctx: ApiContext, one: (symbol: string) => unknown): unknown {
  const symbol = ctx.params['symbol'];
  if (symbol !== undefined) return one(symbol);
  return ctx.state.listMarkets().map((m) => one(m.rules.symbol));
}

function parseSide(value: string): Side {
  if (value !== 'BUY' && value !== 'SELL') throw binanceErrors.invalidSide();
  return value;
}

function parseQuantity(value: string): Decimal {
  if (!QUANTITY_RE.test(value)) throw binanceErrors.illegalChars('quantity', QUANTITY_RULE);
  const qty = new Decimal(value);
  if (qty.lte(0)) throw new BinanceApiError(400, -4003, 'Quantity less than or equal to zero.');
  return qty;
}

function parseClientOrderId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!CLIENT_ORDER_ID_RE.test(value)) throw binanceErrors.illegalChars('newClientOrderId', CLIENT_ORDER_ID_RULE);
  return value;
}

/** The parameters of POST /fapi/v1/order, checked the way Binance checks them before it looks at the account. */
export function orderRequestFrom(ctx: ApiContext): MarketOrderRequest {
  const p = ctx.params;
  const symbol = required(p, 'symbol');
  ctx.state.market(symbol);
  const side = parseSide(required(p, 'side'));
  // Only MARKET orders are modelled: resting orders would need a book the paper exchange does not keep.
  if (required(p, 'type') !== 'MARKET') throw binanceErrors.invalidOrderType();
  if (p['positionSide'] !== undefined && p['positionSide'] !== 'BOTH') {
    throw new BinanceApiError(400, -4061, "Order's position side does not match user's setting.");
  }
  return {
    symbol,
    side,
    quantity: parseQuantity(required(p, 'quantity')),
    reduceOnly: (p['reduceOnly'] ?? 'false').toLowerCase() === 'true',
    clientOrderId: parseClientOrderId(p['newClientOrderId']),
  };
}

function placeOrder(ctx: ApiContext): PaperOrder {
  return ctx.state.placeMarketOrder(orderRequestFrom(ctx));
}

function queryOrder(ctx: ApiContext): PaperOrder {
  const p = ctx.params;
  const symbol = required(p, 'symbol');
  const orderId = p['orderId'];
  const clientOrderId = p['origClientOrderId'];
  if (orderId !== undefined && orderId !== '') return ctx.state.findOrder(symbol, { orderId: Number(orderId) });
  if (clientOrderId !== undefined && clientOrderId !== '') return ctx.state.findOrder(symbol, { clientOrderId });
  throw binanceErrors.eitherOrderIdParam();
}

/** The Binance USDⓈ-M endpoints the ccxt client uses, keyed by `METHOD path`. */
export const apiRoutes: ReadonlyMap<string, ApiRoute> = new Map<string, ApiRoute>([
  ['GET /fapi/v1/ping', { signed: false, handle: () => ({}) }],
  ['GET /fapi/v1/time', { signed: false, handle: (ctx) => ({ serverTime: ctx.now }) }],
  ['GET /fapi/v1/exchangeInfo', { signed: false, handle: (ctx) => wire.exchangeInfo(ctx.state, ctx.now) }],
  [
    'GET /fapi/v1/ticker/24hr',
    { signed: false, handle: (ctx) => perMarket(ctx, (s) => wire.ticker24hr(ctx.state.market(s), ctx.now)) },
  ],
  [
    'GET /fapi/v1/premiumIndex',
    { signed: false, handle: (ctx) => perMarket(ctx, (s) => wire.premiumIndex(ctx.state.market(s), ctx.now)) },
  ],
  [
    'GET /fapi/v1/leverageBracket',
    { signed: true, handle: (ctx) => perMarket(ctx, (s) => wire.leverageBracket(ctx.state.market(s).rules.symbol)) },
  ],
  ['GET /fapi/v3/account', { signed: true, handle: (ctx) => wire.accountV3(ctx.state, ctx.now) }],
  ['GET /fapi/v3/positionRisk', { signed: true, handle: (ctx) => positionRows(ctx, wire.positionRiskV3) }],
  ['GET /fapi/v2/positionRisk', { signed: true, handle: (ctx) => positionRows(ctx, wire.positionRiskV2) }],
  ['POST /fapi/v1/order', { signed: true, handle: (ctx) => wire.orderJson(placeOrder(ctx)) }],
  ['GET /fapi/v1/order', { signed: true, handle: (ctx) => wire.orderJson(queryOrder(ctx)) }],
]);

/** positionRisk answers a list even for one symbol; every market gets a row (flat ones with zeros). */
function positionRows(ctx: ApiContext, row: typeof wire.positionRiskV3): object[] {
  const symbol = ctx.params['symbol'];
  const positions = symbol === undefined ? ctx.state.listPositions() : [ctx.state.positionOf(symbol)];
  return positions.map((p) => row(ctx.state, p));
}
