// The paper exchange's state kept in a file between runs (`permitctl up` keeps it in its data folder), so
// that a restart finds the positions, balances and orders it left, as the ledger does. Written after every
// change, atomically (a temporary file renamed over the old one).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { PaperSnapshot } from './state.js';

const decimalText = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');
const side = z.enum(['BUY', 'SELL']);

const snapshotSchema = z.strictObject({
  version: z.literal(1),
  scenario: z.string(),
  markPrices: z.record(z.string(), decimalText),
  positions: z.array(z.strictObject({ symbol: z.string(), amount: decimalText, entryPrice: decimalText, leverage: z.number().int().min(1), updateTime: z.number() })),
  wallets: z.record(z.string(), decimalText),
  orders: z.array(
    z.strictObject({
      orderId: z.number().int(),
      clientOrderId: z.string(),
      symbol: z.string(),
      side,
      type: z.literal('MARKET'),
      origQty: decimalText,
      executedQty: decimalText,
      avgPrice: decimalText,
      cumQuote: decimalText,
      reduceOnly: z.boolean(),
      status: z.enum(['FILLED', 'PARTIALLY_FILLED', 'EXPIRED']),
      time: z.number(),
      updateTime: z.number(),
    }),
  ),
  nextOrderId: z.number().int(),
  changes: z.array(
    z.strictObject({
      seq: z.number().int(),
      at: z.number(),
      symbol: z.string(),
      kind: z.enum(['order', 'manual']),
      orderId: z.number().int().nullable(),
      clientOrderId: z.string().nullable(),
      cumQty: decimalText.nullable(),
      before: decimalText,
      after: decimalText,
    }),
  ),
  strictClientOrderIds: z.boolean(),
});

/** The state saved in `path`, or null when there is none; a file that does not parse is an error naming it. */
export function loadPaperSnapshot(path: string): PaperSnapshot | null {
  if (!existsSync(path)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`the paper exchange's saved state ${path} is not JSON (${err instanceof Error ? err.message : String(err)}): move it away to start from the scenario`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`the paper exchange's saved state ${path} is not valid (${issue.path.join('.')}: ${issue.message}): move it away to start from the scenario`);
  }
  return parsed.data;
}

export function savePaperSnapshot(path: string, snapshot: PaperSnapshot): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(snapshot));
  renameSync(temporary, path);
}
