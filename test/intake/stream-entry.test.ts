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

describe('stream entry parsing', () => {
  it('reads the seed plan as flat fields, numbers from strings', () => {
    expect(parseEntry(SEED_FLAT)).toEqual({ ok: true, plan: SEED_PLAN });
  });

  it.each(['plan', 'payload', 'data'])('reads the plan as JSON in the field %s', (field) => {
    expect(parseEntry({ [field]: JSON.stringify(SEED_PLAN), published_by: 'apply-layer' })).toEqual({ ok: true, plan: SEED_PLAN });
  });

  it('gives a field-level error for an invalid flat plan', () => {
    const result = parseEntry({ ...SEED_FLAT, action: 'OPEN_LONG', kill_score: 'high' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('action: action must be one of PARTIAL_25');
    expect(result.error).toContain('kill_score: kill_score is required and must be a number');
  });

  it('gives a clear error for JSON that does not parse, or is not an object', () => {
    const broken = parseEntry({ plan: '{"plan_id": ' });
    expect(broken.ok === false && broken.error.startsWith('plan: not valid JSON')).toBe(true);
    expect(parseEntry({ payload: '42' })).toEqual({ ok: false, error: '(plan): a plan must be a JSON object' });
  });

  it('keeps JSON numbers strict: a quoted number in a JSON plan is an error', () => {
    const result = parseEntry({ plan: JSON.stringify({ ...SEED_PLAN, timestamp: '1769301008' }) });
    expect(result).toEqual({ ok: false, error: 'timestamp: timestamp is required and must be a number (unix seconds)' });
  });

  it('converts only numeric-looking text, and only for kill_score and timestamp', () => {
    expect(planFromFlatFields({ kill_score: ' 0.5 ', timestamp: '1e3', plan_id: '123' })).toEqual({ kill_score: 0.5, timestamp: 1000, plan_id: '123' });
    expect(planFromFlatFields({ kill_score: '', timestamp: 'NaN' })).toEqual({ kill_score: '', timestamp: 'NaN' });
  });

  it('turns Redis field pairs into a record, first value wins', () => {
    expect(fieldsFromPairs(['a', '1', 'b', '2', 'a', '3'])).toEqual({ a: '1', b: '2' });
  });
});
