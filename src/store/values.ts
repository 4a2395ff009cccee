import { Decimal } from 'decimal.js';

/** NUMERIC text → canonical decimal string: no exponent, no trailing zeros ("0.0160" → "0.016"). */
export function normalizeDecimal(value: string): string {
  return new Decimal(value).toFixed();
}

export function normalizeNullableDecimal(value: string | null): string | null {
  return value === null ? null : normalizeDecimal(value);
}

/** Both drivers parse timestamptz into Date; accept a string too in case a parser is swapped. */
export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function toNullableIso(value: Date | string | null): string | null {
  return value === null ? null : toIso(value);
}
