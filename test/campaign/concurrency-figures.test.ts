// The concurrency campaign's judge (campaign/concurrency-figures.ts), on records built by hand: each safety
// figure is 0 for a run that kept the promise and counts the breach for one that did not.
import { describe, expect, it } from 'vitest';
import { allowedClose, computeConcurrencyFigures, concurrencyFailures, type ConcurrencyRecords } from '../../campaign/concurrency-figures.js';
import type { PaperOrder, PositionChange } from '../../src/exchange/paper/index.js';

const SYMBOL = 'CONC0USDT';

function order(orderId: number, planId: string, executedQty: string): PaperOrder {
  return {
    orderId, clientOrderId: `pc1-${planId}`, symbol: SYMBOL, side: 'SELL', type: 'MARKET', origQty: executedQty, executedQty, avgPrice: '1', cumQuote: executedQty,
    reduceOnly: true, status: 'FILLED', time: 0, updateTime: 0,
  };
}

function execution(seq: number, at: number, orderId: number, planId: string, before: string, after: string, cumQty: string): PositionChange {
  return { seq, at, symbol: SYMBOL, kind: 'order', orderId, clientOrderId: `pc1-${planId}`, cumQty, before, after };
}

/** Two PARTIAL_50 on a position of 1: sequential (0.5, then 0.25), or both sized from 1 (0.5, 0.5). */
function records(secondSold: '0.25' | '0.5'): ConcurrencyRecords {
  const after = secondSold === '0.25' ? '0.25' : '0';
  return {
    symbols: [SYMBOL],
    plans: [{ planId: 'a', symbol: SYMBOL, action: 'PARTIAL_50' }, { planId: 'b', symbol: SYMBOL, action: 'PARTIAL_50' }],
    stepSize: '0.001',
    changes: [execution(1, 1000, 1, 'a', '1', '0.5', '0.5'), execution(2, 2000, 2, 'b', '0.5', after, secondSold)],
    orders: [order(1, 'a', '0.5'), order(2, 'b', secondSold)],
    fills: [
      { planId: 'a', clientOrderId: 'pc1-a', symbol: SYMBOL, cumQty: '0.5', bookedAtMs: 1100 },
      { planId: 'b', clientOrderId: 'pc1-b', symbol: SYMBOL, cumQty: secondSold, bookedAtMs: 2100 },
    ],
    syncs: [],
    injections: [{ symbol: SYMBOL, atMs: 5000, reconciledAtMs: 9000, before: after, after: '1' }],
    findings: [{ findingId: '1', symbol: SYMBOL, detectedAtMs: 6000 }],
    exchangePositions: { [SYMBOL]: after },
    ledgerPositions: { [SYMBOL]: after },
  };
}

describe('concurrency campaign figures', () => {
  it('truncates the allowed close to the step', () => {
    expect(allowedClose('0.125', 'PARTIAL_50', '0.001').toFixed()).toBe('0.062');
    expect(allowedClose('-2', 'FULL_CLOSE', '0.001').toFixed()).toBe('2');
  });

  it('plans that ran one after another: every safety figure 0', () => {
    const { figures } = computeConcurrencyFigures(records('0.25'));
    expect(figures).toEqual({
      symbols_over_closed: 0, over_closed_qty: '0', double_counted_fills: 0, lost_fills: 0, symbols_ledger_mismatch_at_end: 0,
      drift_injected: 1, drift_detected: 1, drift_missed: 0, false_drift: 0,
    });
    expect(concurrencyFailures(figures)).toEqual([]);
  });

  it('two plans sized from the same position: the second over-closed by 0.25', () => {
    const { figures, details } = computeConcurrencyFigures(records('0.5'));
    expect(figures).toMatchObject({ symbols_over_closed: 1, over_closed_qty: '0.25' });
    expect(details.over_closed).toEqual([expect.objectContaining({ planId: 'b', positionBefore: '0.5', allowed: '0.25', executed: '0.5' })]);
    expect(concurrencyFailures(figures)).toContain('symbols_over_closed = 1');
  });

  it('a sync whose reading included a fill booked after it counts it twice; one whose reading missed a fill booked before it loses it', () => {
    const r = records('0.25');
    // A sync written at 1050 read the exchange at 1020 (a's fill executed at 1000: included); a's booking came at 1100.
    const twice = computeConcurrencyFigures({ ...r, syncs: [{ adjustmentId: 'adj-1', symbol: SYMBOL, atMs: 1050, exchangeReadAtMs: 1020, exchangeUpdatedAtMs: 1000 }] });
    expect(twice.figures).toMatchObject({ double_counted_fills: 1, lost_fills: 0 });
    expect(twice.details.double_counted).toEqual([{ adjustmentId: 'adj-1', clientOrderId: 'pc1-a', cumQty: '0.5' }]);
    // A sync that read at 1900 (b's fill executes at 2000) and wrote at 2200, after b's booking at 2100: b's fill lost.
    const lost = computeConcurrencyFigures({ ...r, syncs: [{ adjustmentId: 'adj-2', symbol: SYMBOL, atMs: 2200, exchangeReadAtMs: 1900, exchangeUpdatedAtMs: 1000 }] });
    expect(lost.figures).toMatchObject({ double_counted_fills: 0, lost_fills: 1 });
    // A fenced sync: read after every booking, written after: nothing counted wrong.
    const fenced = computeConcurrencyFigures({ ...r, syncs: [{ adjustmentId: 'adj-3', symbol: SYMBOL, atMs: 2300, exchangeReadAtMs: 2250, exchangeUpdatedAtMs: 2000 }] });
    expect(fenced.figures).toMatchObject({ double_counted_fills: 0, lost_fills: 0 });
  });

  it('a drift never found is missed; a finding with no drift behind it is false; a ledger off at the end counts', () => {
    const r = records('0.25');
    const figures = computeConcurrencyFigures({
      ...r,
      findings: [{ findingId: '9', symbol: SYMBOL, detectedAtMs: 1500 }],
      ledgerPositions: { [SYMBOL]: '0.5' },
    }).figures;
    expect(figures).toMatchObject({ drift_injected: 1, drift_detected: 0, drift_missed: 1, false_drift: 1, symbols_ledger_mismatch_at_end: 1 });
    expect(concurrencyFailures(figures)).toEqual(['symbols_ledger_mismatch_at_end = 1', 'drift_missed = 1', 'false_drift = 1']);
    expect(concurrencyFailures({ ...figures, drift_injected: 0, drift_missed: 0, false_drift: 0, symbols_ledger_mismatch_at_end: 0 })).toEqual(['drift_injected = 0: the run injected no drift to detect']);
  });
});
