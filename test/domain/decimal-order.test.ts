import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { compareDecimals, maxDecimal, sameDecimal } from '../../src/domain/decimal-order.js';

/** A seeded generator, so a failure names a case that can be run again. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomDecimal(next: () => number): string {
  const sign = next() < 0.3 ? '-' : '';
  const int = next() < 0.4 ? '0' : String(Math.floor(next() * 10 ** Math.floor(next() * 6)));
  const frac = next() < 0.3 ? '' : `.${String(Math.floor(next() * 10 ** 8)).padStart(8, '0').slice(0, 1 + Math.floor(next() * 8))}`;
  return `${sign}${int}${frac}`;
}

describe('decimal text compared exactly, without decimal.js (the workflow bundle carries it)', () => {
  it('agrees with decimal.js on 20,000 random pairs, also written as JSON numbers', () => {
    const next = generator(20261208);
    for (let i = 0; i < 20_000; i++) {
      const [a, b] = [randomDecimal(next), randomDecimal(next)];
      const expected = new Decimal(a).comparedTo(new Decimal(b));
      expect(compareDecimals(a, b), `${a} vs ${b}`).toBe(expected);
      expect(compareDecimals(Number(a), b), `${Number(a)} vs ${b}`).toBe(new Decimal(Number(a)).comparedTo(new Decimal(b)));
    }
  });

  it('reads zeros, signs, padding and exponents the way they mean', () => {
    expect(compareDecimals('0', '-0')).toBe(0);
    expect(compareDecimals('0.0', 0)).toBe(0);
    expect(compareDecimals('0.0460', 0.046)).toBe(0);
    expect(compareDecimals(1e-7, '0.0000001')).toBe(0);
    expect(compareDecimals(1.5e21, '1500000000000000000000')).toBe(0);
    expect(compareDecimals('-0.5', '-0.25')).toBe(-1);
    expect(compareDecimals('10', '9.99999999')).toBe(1);
    expect(compareDecimals('0.016', '0.0159999')).toBe(1);
    expect(sameDecimal('0.062', 0.062)).toBe(true);
    expect(maxDecimal('0.25', '0.5')).toBe('0.5');
  });

  it('refuses what is not a decimal', () => {
    for (const bad of ['', 'abc', '1.2.3', '.', 'NaN', 'Infinity']) expect(() => compareDecimals(bad, '0'), bad).toThrow(RangeError);
    expect(() => compareDecimals(Number.NaN, 0)).toThrow(RangeError);
  });
});
