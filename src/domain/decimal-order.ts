// Quantities and prices travel through the chain as exact decimal text ("0.046", "-0.5", "0"), the form
// Binance sends them in; numbers appear only at the JSON edges (the seed's Redis keys, `status --json`).
// The workflow compares them with these functions. Imports nothing: the workflow bundle carries it, and
// decimal.js would be evaluated again for every plan (test/workflows/bundle.test.ts).

/** A quantity or price as exact decimal text. */
export type DecimalText = string;

/** What a recorded history may hold: histories from before decimal text recorded JSON numbers. */
export type RecordedDecimal = DecimalText | number;

interface DecimalParts {
  sign: -1 | 0 | 1;
  /** Integer digits without leading zeros ('' for zero). */
  int: string;
  /** Fraction digits without trailing zeros. */
  frac: string;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;

function partsOf(value: RecordedDecimal): DecimalParts {
  const text = String(value).trim();
  const m = DECIMAL.exec(text);
  if (m === null || (m[2] ?? '') + (m[3] ?? '') === '') throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let point = (m[2] ?? '').length + Number(m[4] ?? 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits.padEnd(point, '0');
  const int = digits.slice(0, point).replace(/^0+/, '');
  const frac = digits.slice(point).replace(/0+$/, '');
  const sign = int === '' && frac === '' ? 0 : m[1] === '-' ? -1 : 1;
  return { sign, int, frac };
}

function compareMagnitudes(x: DecimalParts, y: DecimalParts): -1 | 0 | 1 {
  if (x.int.length !== y.int.length) return x.int.length < y.int.length ? -1 : 1;
  if (x.int !== y.int) return x.int < y.int ? -1 : 1;
  const width = Math.max(x.frac.length, y.frac.length);
  const [fx, fy] = [x.frac.padEnd(width, '0'), y.frac.padEnd(width, '0')];
  return fx === fy ? 0 : fx < fy ? -1 : 1;
}

/** -1, 0 or 1 as a is below, equal to or above b, exactly (also across the two recorded forms). */
export function compareDecimals(a: RecordedDecimal, b: RecordedDecimal): -1 | 0 | 1 {
  const x = partsOf(a);
  const y = partsOf(b);
  if (x.sign !== y.sign) return x.sign < y.sign ? -1 : 1;
  const magnitude = compareMagnitudes(x, y);
  if (x.sign < 0 && magnitude !== 0) return magnitude === 1 ? -1 : 1;
  return magnitude;
}

export function sameDecimal(a: RecordedDecimal, b: RecordedDecimal): boolean {
  return compareDecimals(a, b) === 0;
}

/** The larger of two, as given. */
export function maxDecimal<T extends RecordedDecimal>(a: T, b: T): T {
  return compareDecimals(a, b) >= 0 ? a : b;
}
