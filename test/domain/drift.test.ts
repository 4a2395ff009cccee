// The drift sweep's pure decisions and the sizing that leaves room for orders in flight (issue 13).
import { describe, expect, it } from 'vitest';
import { compareDrift, sweepCandidates, whyBusy } from '../../src/domain/drift.js';
import { sizingPosition } from '../../src/domain/permits.js';

describe('compareDrift', () => {
  it('a difference above the tolerance is drift, at or below it is not', () => {
    expect(compareDrift('0.75', '1', '0.001')).toEqual({ diff: '0.25', drifted: true });
    expect(compareDrift('1.001', '1', '0.001')).toEqual({ diff: '0.001', drifted: false });
    expect(compareDrift('-0.5', '0.5', '0.001')).toEqual({ diff: '1', drifted: true });
  });

  it('compares exact decimals (no binary rounding of 0.1 + 0.2)', () => {
    expect(compareDrift('0.3', '0.30000000000000004', '0')).toEqual({ diff: '0.00000000000000004', drifted: true });
    expect(compareDrift('0.3', '0.3', '0')).toEqual({ diff: '0', drifted: false });
  });
});

describe('sweepCandidates', () => {
  it('every symbol with a non-zero position on either side, once, in order', () => {
    const ledger = [{ symbol: 'ETHUSDT', position: '0' }, { symbol: 'BTCUSDT', position: '1' }, { symbol: 'SOLUSDT', position: '2' }];
    const exchange = [{ symbol: 'ETHUSDT', amount: '0.3' }, { symbol: 'BTCUSDT', amount: '1' }, { symbol: 'XRPUSDT', amount: '0' }];
    expect(sweepCandidates(ledger, exchange)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
  });

  it('a ledger position the exchange does not list is a candidate (a flat exchange is compared, not skipped)', () => {
    expect(sweepCandidates([{ symbol: 'BTCUSDT', position: '0.5' }], [])).toEqual(['BTCUSDT']);
  });

  it('flat on both sides is not', () => {
    expect(sweepCandidates([{ symbol: 'BTCUSDT', position: '0' }], [{ symbol: 'BTCUSDT', amount: '0.000' }])).toEqual([]);
  });
});

describe('whyBusy', () => {
  const quiet = { version: 4, inFlight: [] };

  it('quiet before and after the exchange read: comparable', () => {
    expect(whyBusy(quiet, quiet)).toBeNull();
  });

  it('an order in flight before or after the read makes the symbol busy, naming the orders', () => {
    expect(whyBusy({ version: 4, inFlight: ['pc-a-1'] }, quiet)).toBe('order in flight: pc-a-1');
    expect(whyBusy(quiet, { version: 4, inFlight: ['pc-b-1'] })).toBe('order in flight: pc-b-1');
    expect(whyBusy({ version: 4, inFlight: ['o1', 'o2'] }, { version: 4, inFlight: ['o2', 'o3', 'o4'] })).toBe('orders in flight: o1, o2, o3, …');
  });

  it('a booking or sync between the two looks makes it busy (the read may or may not include it)', () => {
    expect(whyBusy(quiet, { version: 5, inFlight: [] })).toBe('the ledger changed while the exchange was read');
  });
});

describe('sizingPosition', () => {
  it('without orders in flight, the exchange position', () => {
    expect(sizingPosition('1')).toBe('1');
    expect(sizingPosition('-0.5')).toBe('-0.5');
  });

  it('less what reducing orders in flight may still take', () => {
    expect(sizingPosition('1', [{ side: 'SELL', unbookedQty: '0.5' }])).toBe('0.5');
    expect(sizingPosition('-1', [{ side: 'BUY', unbookedQty: '0.25' }, { side: 'BUY', unbookedQty: '0.25' }])).toBe('-0.5');
  });

  it('orders that add to the position do not count', () => {
    expect(sizingPosition('1', [{ side: 'BUY', unbookedQty: '0.5' }])).toBe('1');
  });

  it('never below zero, never through zero', () => {
    expect(sizingPosition('0.3', [{ side: 'SELL', unbookedQty: '0.5' }])).toBe('0');
    expect(sizingPosition('-0.3', [{ side: 'BUY', unbookedQty: '0.3' }])).toBe('0');
    expect(sizingPosition('0', [{ side: 'SELL', unbookedQty: '0.5' }])).toBe('0');
  });
});
