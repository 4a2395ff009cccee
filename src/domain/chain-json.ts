// The chain state as `permitctl status --json` prints it: amounts as JSON numbers, as in the seed's permits,
// while the chain itself holds them as decimal text. A JSON edge, like the permit mirror's Redis keys.
import type { ChainState } from './chain.js';
import { decimalNumber } from './decimal.js';

/** Fields that hold an amount wherever they appear: permits, their context, the order, event details. */
const AMOUNT_FIELDS = new Set([
  'computed_qty', 'computed_notional', 'mark_price',
  'exchange_amt', 'ledger_amt', 'diff', 'tolerance', 'in_flight',
  'qty', 'filled_qty', 'avg_price', 'cum_qty',
  'before', 'after', 'delta',
]);

function withNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withNumbers);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, AMOUNT_FIELDS.has(key) && typeof v === 'string' ? decimalNumber(v) : withNumbers(v)]),
  );
}

export function chainStateAsJson(state: ChainState): unknown {
  return withNumbers(state);
}
