// src/exchange/ccxt-lib.ts loads binanceusdm from ccxt's CommonJS build file by file (the package's
// entry loads every exchange, ~50-180 MB of worker RSS). These tests pin that it is ccxt's own class
// and error hierarchy, and that nothing else in src loads the whole package.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ccxtEntry from 'ccxt';
import { describe, expect, it } from 'vitest';
import { binanceusdm, ccxtErrors, ExchangeError, NetworkError, OperationFailed, OrderNotFound, RequestTimeout } from '../../src/exchange/ccxt-lib.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('ccxt-lib', () => {
  it('is the same binanceusdm as the package entry: same description, API and version', () => {
    const ours = new binanceusdm({});
    const theirs = new ccxtEntry.binanceusdm({});
    expect(ours.id).toBe('binanceusdm');
    expect(JSON.stringify(ours.describe())).toBe(JSON.stringify(theirs.describe()));
    expect(ours.version).toBe(theirs.version);
    expect(Object.getOwnPropertyNames(binanceusdm.prototype).sort()).toEqual(Object.getOwnPropertyNames(ccxtEntry.binanceusdm.prototype).sort());
  });

  it("has ccxt's error classes and hierarchy", () => {
    for (const name of ['ExchangeError', 'NetworkError', 'OperationFailed', 'RequestTimeout', 'OrderNotFound', 'InvalidOrder', 'InvalidNonce', 'AuthenticationError', 'InsufficientFunds']) {
      expect(typeof (ccxtErrors as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(new OrderNotFound('x')).toBeInstanceOf(ExchangeError);
    expect(new RequestTimeout('x')).toBeInstanceOf(NetworkError);
    expect(new NetworkError('x')).toBeInstanceOf(OperationFailed);
    expect(new OrderNotFound('x').name).toBe('OrderNotFound');
  });

  it("is the only module of src that loads ccxt's values (a second copy would break instanceof and cost the whole package)", () => {
    const offenders = sourceFiles(SRC).filter((file) => {
      if (file.endsWith('ccxt-lib.ts')) return false;
      const text = readFileSync(file, 'utf8');
      return /^import\s+(?!type\b)[^;]*from\s+'ccxt'/m.test(text) || /import\(\s*'ccxt'\s*\)|require\(\s*'ccxt'\s*\)/.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
