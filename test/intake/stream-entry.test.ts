// Entry parsing: both stream shapes, through the one plan schema.
import { describe, expect, it } from 'vitest';
import { fieldsFromPairs, parseEntry, planFromFlatFields } from '../../src/intake/stream-entry.js';

const SEED_FLAT = {
  plan_id: 'f1a8d7f48713d5cf',
  symbol: 'BTCUSDT',
  action: 'PARTIAL_75',
  kill_score: '0.5390',
  decision: 'EXECUTE',
  timestamp: '1769301008',
};
const SEED_PLAN = { plan_id: 'f1a8d7f48713d5cf', symbol: 'BTCUSDT', action: 'PARTIAL_75', kill_score: 0.539, decision: 'EXECUTE', timestamp: 1769301008 };
/** The receiver's clock: December 2026, the seed plan (January) is in the past. */
const NOW = Date.parse('2026-12-02T12:00:00Z');
const clock = { now: NOW };

describe('stream entry parsing', () => {
  it('reads the seed plan as flat fields, numbers from strings', () => {
    expect(parseEntry(SEED_FLAT, clock)).toEqual({ ok: true, plan: SEED_PLAN });
  });

  it.each(['plan', 'payload', 'data'])('reads the plan as JSON in the field %s', (field) => {
    expect(parseEntry({ [field]: JSON.stringify(SEED_PLAN), published_by: 'apply-layer' }, clock)).toEqual({ ok: true, plan: SEED_PLAN });
  });

  it('gives a field-level error for an invalid flat plan', () => {
    const result = parseEntry({ ...SEED_FLAT, action: 'OPEN_LONG', kill_score: 'high' }, clock);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('action: action must be one of PARTIAL_25');
    expect(result.error).toContain('kill_score: kill_score is required and must be a number');
  });

  it('gives a clear error for JSON that does not parse, or is not an object', () => {
    const broken = parseEntry({ plan: '{"plan_id": ' }, clock);
    expect(broken.ok === false && broken.error.startsWith('plan: not valid JSON')).toBe(true);
    expect(parseEntry({ payload: '42' }, clock)).toEqual({ ok: false, error: '(plan): a plan must be a JSON object' });
  });

  it('keeps JSON numbers strict: a quoted number in a JSON plan is an error', () => {
    const result = parseEntry({ plan: JSON.stringify({ ...SEED_PLAN, timestamp: '1769301008' }) }, clock);
    expect(result).toEqual({ ok: false, error: 'timestamp: timestamp is required and must be a number (unix seconds)' });
  });

  it('refuses a timestamp in milliseconds or from the future, flat or JSON, with a field-level error', () => {
    expect(parseEntry({ ...SEED_FLAT, timestamp: '1769301008976' }, clock)).toEqual({ ok: false, error: 'timestamp: 1769301008976 looks like milliseconds; send unix seconds' });
    const inAnHour = Math.floor(NOW / 1000) + 3600;
    expect(parseEntry({ plan: JSON.stringify({ ...SEED_PLAN, timestamp: inAnHour }) }, clock)).toEqual({
      ok: false,
      error: `timestamp: ${inAnHour} is 3600 s in the future (allowed skew 60 s)`,
    });
  });

  it('converts only numeric-looking text, and only for kill_score and timestamp', () => {
    expect(planFromFlatFields({ kill_score: ' 0.5 ', timestamp: '1e3', plan_id: '123' })).toEqual({ kill_score: 0.5, timestamp: 1000, plan_id: '123' });
    expect(planFromFlatFields({ kill_score: '', timestamp: 'NaN' })).toEqual({ kill_score: '', timestamp: 'NaN' });
  });

  it('turns Redis field pairs into a record, first value wins', () => {
    expect(fieldsFromPairs(['a', '1', 'b', '2', 'a', '3'])).toEqual({ a: '1', b: '2' });
  });
});
