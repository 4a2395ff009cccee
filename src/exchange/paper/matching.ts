import { Decimal } from 'decimal.js';
import { binanceErrors } from './binance-errors.js';
import type { ScenarioMarket } from './scenario.js';

/** Maintenance margin rate of the paper exchange's single leverage bracket. */
export const MAINT_MARGIN_RATIO = new Decimal('0.004');

export interface Holding {
  amount: Decimal; // signed: > 0 long, < 0 short
  entryPrice: Decimal;
}

export interface FillResult extends Holding {
  realizedPnl: Decimal;
}

/** LOT_SIZE: at least minQty, at most maxQty, and a whole number of steps. */
export function checkLotSize(rules: ScenarioMarket, qty: Decimal): void {
  const offStep = !qty.mod(new Decimal(rules.stepSize)).isZero();
  if (offStep || qty.lt(rules.minQty) || qty.gt(rules.maxQty)) throw binanceErrors.lotSize();
}

/** How much of an order (as a signed quantity) increases the absolute position. */
export function openingQty(current: Decimal, signedQty: Decimal): Decimal {
  if (current.isZero() || current.isNegative() === signedQty.isNegative()) return signedQty.abs();
  return Decimal.max(signedQty.abs().minus(current.abs()), 0);
}

/** True when a reduce-only order would increase the position or flip it to the other side. */
export function violatesReduceOnly(current: Decimal, signedQty: Decimal): boolean {
  if (current.isZero() || current.isNegative() === signedQty.isNegative()) return true;
  return signedQty.abs().gt(current.abs());
}

/** Applies a fill of `signedQty` at `price` to a holding: weighted entry when adding, realized PnL when reducing. */
export function applyFill(holding: Holding, signedQty: Decimal, price: Decimal): FillResult {
  const current = holding.amount;
  const next = current.plus(signedQty);
  const adding = current.isZero() || current.isNegative() === signedQty.isNegative();
  if (adding) {
    const cost = current.abs().times(holding.entryPrice).plus(signedQty.abs().times(price));
    return { amount: next, entryPrice: cost.div(next.abs()).toDecimalPlaces(8), realizedPnl: new Decimal(0) };
  }
  const closed = Decimal.min(signedQty.abs(), current.abs());
  const direction = current.isNegative() ? -1 : 1;
  const realizedPnl = closed.times(price.minus(holding.entryPrice)).times(direction);
  let entryPrice = holding.entryPrice;
  if (next.isZero()) entryPrice = new Decimal(0);
  else if (next.isNegative() !== current.isNegative()) entryPrice = price; // flipped through zero
  return { amount: next, entryPrice, realizedPnl };
}
