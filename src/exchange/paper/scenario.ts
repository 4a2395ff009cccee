import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { clockOffsetSchema } from './clock.js';

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;
const DECIMAL_ERROR = 'expected a decimal string';

/** A decimal written as a string ("0.001"), never a JSON number: floats would lose the exact value. */
const decimalString = z
  .string({ error: DECIMAL_ERROR })
  .regex(DECIMAL_RE, { error: DECIMAL_ERROR });

const positiveDecimal = decimalString.refine((s) => Number(s) > 0, {
  error: 'expected a decimal string greater than 0',
});

const nonNegativeDecimal = decimalString.refine((s) => !s.startsWith('-'), {
  error: 'expected a decimal string not below 0',
});

const assetName = z.string().regex(/^[A-Z0-9]{2,12}$/, { error: 'expected an asset name like USDT' });

const marketSchema = z.strictObject({
  symbol: z.string().regex(/^[A-Z0-9]{4,20}$/, { error: 'expected an exchange symbol like BTCUSDT' }),
  baseAsset: assetName,
  quoteAsset: assetName,
  tickSize: positiveDecimal,
  stepSize: positiveDecimal,
  minQty: positiveDecimal,
  maxQty: positiveDecimal,
  minNotional: nonNegativeDecimal.nullable().default(null),
  markPrice: positiveDecimal,
});

const positionSchema = z.strictObject({
  symbol: z.string(),
  amount: decimalString,
  entryPrice: nonNegativeDecimal,
  leverage: z.number().int().min(1).max(125).optional(),
});

const balanceSchema = z.strictObject({
  asset: assetName,
  walletBalance: decimalString,
});

const accountSchema = z.strictObject({
  apiKey: z.string().min(1),
  secret: z.string().min(1),
});

const scenarioSchema = z
  .strictObject({
    name: z.string().default('unnamed'),
    description: z.string().optional(),
    defaultLeverage: z.number().int().min(1).max(125).default(20),
    accounts: z.array(accountSchema).min(1),
    markets: z.array(marketSchema).min(1),
    positions: z.array(positionSchema).default([]),
    balances: z.array(balanceSchema).min(1),
    /** Exchange time = host time + this (ms); /fapi/v1/time, timestamps and the recvWindow check use it. */
    clockOffsetMs: clockOffsetSchema.default(0),
    /** true: a client order id is refused (-4116) forever once used; Binance refuses it only while an order with it is open. */
    strictClientOrderIds: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    const symbols = new Set<string>();
    s.markets.forEach((m, i) => {
      if (symbols.has(m.symbol)) {
        ctx.addIssue({ code: 'custom', path: ['markets', i, 'symbol'], message: `duplicate market ${m.symbol}` });
      }
      symbols.add(m.symbol);
    });
    s.positions.forEach((p, i) => {
      if (!symbols.has(p.symbol)) {
        ctx.addIssue({ code: 'custom', path: ['positions', i, 'symbol'], message: `unknown market ${p.symbol}` });
      }
    });
    const assets = new Set(s.balances.map((b) => b.asset));
    s.markets.forEach((m, i) => {
      if (!assets.has(m.quoteAsset)) {
        ctx.addIssue({
          code: 'custom',
          path: ['markets', i, 'quoteAsset'],
          message: `no balance for quote asset ${m.quoteAsset}`,
        });
      }
    });
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioMarket = Scenario['markets'][number];
export type ScenarioPosition = Scenario['positions'][number];

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** `["markets", 0, "stepSize"]` → `scenario.markets[0].stepSize` */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    'scenario',
  );
}

export function parseScenario(json: unknown): Scenario {
  const result = scenarioSchema.safeParse(json);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
  throw new ScenarioError(`invalid scenario: ${details.join('; ')}`);
}

export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read scenario file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`scenario file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseScenario(json);
  } catch (err) {
    if (err instanceof ScenarioError) throw new ScenarioError(`${path}: ${err.message}`);
    throw err;
  }
}
