import { Decimal } from 'decimal.js';

/** Exact decimal arithmetic for quantities and prices: 0.062 - 0.046 is 0.016, never 0.015999…. */
export type DecimalInput = string | number | Decimal;

export function dec(value: DecimalInput): Decimal {
  return new Decimal(value);
}

/** Largest multiple of `step` not above `value` (Binance truncates quantities to the LOT_SIZE step). */
export function floorToStep(value: DecimalInput, step: DecimalInput): Decimal {
  const s = dec(step);
  if (s.lte(0)) throw new RangeError(`step must be positive, got ${s.toString()}`);
  return dec(value).div(s).floor().mul(s);
}

/** Canonical text of a decimal: no exponent, no trailing zeros ("0.016", "-0.5", "0"). */
export function decimalText(value: DecimalInput): string {
  const d = dec(value);
  return d.isZero() ? '0' : d.toFixed();
}

/** A decimal as a JSON number with no binary noise (0.046, not 0.046000000000000006). */
export function decimalNumber(value: DecimalInput): number {
  return Number(decimalText(value));
}
