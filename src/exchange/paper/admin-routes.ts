import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { BinanceApiError } from './binance-errors.js';
import { clockOffsetSchema, type PaperClock } from './clock.js';
import { faultInputSchema, type FaultQueue } from './faults.js';
import type { OrderLog } from './order-log.js';
import type { PaperState, PositionState } from './state.js';

export interface AdminContext {
  state: PaperState;
  faults: FaultQueue;
  log: OrderLog;
  clock: PaperClock;
  /** Back to the loaded scenario (clock offset and rules too), with an empty order log and no faults. */
  reset(): void;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

/** Accepts "0.016" or 0.016 and gives the exact decimal string. */
const decimalInput = z
  .union([z.string(), z.number()], { error: 'expected a decimal string' })
  .transform((v) => String(v))
  .refine((s) => /^-?\d+(\.\d+)?$/.test(s), { error: 'expected a decimal string' });

const positionInput = z.strictObject({
  symbol: z.string(),
  amount: decimalInput,
  entryPrice: decimalInput.optional(),
});

const priceInput = z.strictObject({
  symbol: z.string(),
  markPrice: decimalInput.refine((s) => Number(s) > 0, { error: 'expected a price above 0' }),
});

const clockInput = z.strictObject({ offsetMs: clockOffsetSchema });

const rulesInput = z.strictObject({ strictClientOrderIds: z.boolean().optional() });

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseInput<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => `${['body', ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new AdminError(400, details.join('; '));
}

function positionView(state: PaperState, p: PositionState): object {
  return {
    symbol: p.symbol,
    amount: p.amount.toFixed(),
    entryPrice: p.entryPrice.toFixed(),
    leverage: p.leverage,
    markPrice: state.market(p.symbol).markPrice.toFixed(),
    unrealizedProfit: state.unrealizedProfit(p).toFixed(),
  };
}

const clockView = (clock: PaperClock) => ({ offsetMs: clock.offsetMs(), serverTime: clock.now() });

const rulesView = (state: PaperState) => ({ strictClientOrderIds: state.strictClientOrderIds });

export function stateView(ctx: AdminContext): object {
  const { state } = ctx;
  return {
    scenario: state.scenario.name,
    clock: clockView(ctx.clock),
    rules: rulesView(state),
    markets: state.listMarkets().map((m) => ({ ...m.rules, markPrice: m.markPrice.toFixed() })),
    positions: state.listPositions().map((p) => positionView(state, p)),
    balances: state.assets().map((asset) => {
      const s = state.summary(asset);
      return { asset, walletBalance: s.walletBalance.toFixed(), availableBalance: s.availableBalance.toFixed() };
    }),
    orders: state.listOrders(),
    faults: ctx.faults.list(),
  };
}

function withKnownSymbol<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof BinanceApiError) throw new AdminError(404, err.msg);
    throw err;
  }
}

type AdminHandler = (ctx: AdminContext, body: unknown) => AdminResponse;

const ok = (body: unknown): AdminResponse => ({ status: 200, body });

const adminRoutes = new Map<string, AdminHandler>([
  ['GET /_paper/state', (ctx) => ok(stateView(ctx))],
  [
    'POST /_paper/position',
    (ctx, body) => {
      const input = parseInput(positionInput, body);
      const entry = input.entryPrice === undefined ? undefined : new Decimal(input.entryPrice);
      const p = withKnownSymbol(() => ctx.state.setPosition(input.symbol, new Decimal(input.amount), entry));
      return ok(positionView(ctx.state, p));
    },
  ],
  [
    'POST /_paper/price',
    (ctx, body) => {
      const input = parseInput(priceInput, body);
      withKnownSymbol(() => ctx.state.setMarkPrice(input.symbol, new Decimal(input.markPrice)));
      return ok({ symbol: input.symbol, markPrice: input.markPrice });
    },
  ],
  ['GET /_paper/orders', (ctx) => ok(ctx.log.list())],
  ['GET /_paper/clock', (ctx) => ok(clockView(ctx.clock))],
  [
    'POST /_paper/clock',
    (ctx, body) => {
      ctx.clock.setOffset(parseInput(clockInput, body).offsetMs);
      return ok(clockView(ctx.clock));
    },
  ],
  ['GET /_paper/rules', (ctx) => ok(rulesView(ctx.state))],
  [
    'POST /_paper/rules',
    (ctx, body) => {
      const input = parseInput(rulesInput, body);
      if (input.strictClientOrderIds !== undefined) ctx.state.strictClientOrderIds = input.strictClientOrderIds;
      return ok(rulesView(ctx.state));
    },
  ],
  [
    'POST /_paper/reset',
    (ctx) => {
      ctx.reset();
      return ok({ reset: true });
    },
  ],
  ['GET /_paper/faults', (ctx) => ok(ctx.faults.list())],
  ['POST /_paper/faults', (ctx, body) => ok(ctx.faults.add(parseInput(faultInputSchema, body)))],
  [
    'DELETE /_paper/faults',
    (ctx) => {
      ctx.faults.clear();
      return ok({ cleared: true });
    },
  ],
]);

export function handleAdmin(ctx: AdminContext, method: string, path: string, rawBody: string): AdminResponse {
  const handler = adminRoutes.get(`${method} ${path}`);
  if (handler === undefined) return { status: 404, body: { error: `no admin route ${method} ${path}` } };
  try {
    return handler(ctx, parseJsonBody(rawBody));
  } catch (err) {
    if (err instanceof AdminError) return { status: err.status, body: { error: err.message } };
    throw err;
  }
}

function parseJsonBody(rawBody: string): unknown {
  if (rawBody.trim() === '') return {};
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new AdminError(400, 'body: expected JSON');
  }
}
