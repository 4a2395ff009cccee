import { describe, expect, it } from 'vitest';
import { clientOrderIdForPlan, parsePlan, PlanSchema, PLAN_MAX_FUTURE_SKEW_SECONDS, secondsInTheFuture, workflowIdForPlan } from '../../src/domain/plan.js';

const seedPlan = { plan_id: 'f1a8d7f48713d5cf', symbol: 'BTCUSDT', action: 'PARTIAL_75', kill_score: 0.539, decision: 'EXECUTE', timestamp: 1769301008 };
/** The receiver's clock in these tests: December 2026 (the seed plan is from January 2026). */
const NOW = Date.parse('2026-12-02T12:00:00.250Z');
const NOW_S = Math.floor(NOW / 1000);
const clock = { now: NOW };

describe('plan schema', () => {
  it('accepts the seed plan as is', () => {
    const parsed = parsePlan(seedPlan, clock);
    expect(parsed).toEqual({ ok: true, plan: seedPlan });
  });

  it('refuses an unknown action with a field-level error', () => {
    const parsed = parsePlan({ ...seedPlan, action: 'PARTIAL_90' }, clock);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors).toEqual([{ field: 'action', message: 'action must be one of PARTIAL_25, PARTIAL_50, PARTIAL_75, FULL_CLOSE' }]);
  });

  it.each([
    ['plan_id', 'has spaces'],
    ['plan_id', 'x'.repeat(33)],
    ['plan_id', '../etc'],
    ['symbol', 'btcusdt'],
    ['symbol', 'BTC/USDT'],
    ['kill_score', 1.5],
    ['kill_score', '0.5'],
    ['timestamp', 1.5],
    ['decision', 'execute'],
  ])('refuses %s = %j naming the field', (field, value) => {
    const parsed = parsePlan({ ...seedPlan, [field]: value }, clock);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => e.field)).toEqual([field]);
  });

  it('names every missing field', () => {
    const parsed = parsePlan({}, clock);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => e.field).sort()).toEqual(['action', 'decision', 'kill_score', 'plan_id', 'symbol', 'timestamp']);
  });

  it('refuses a non-object', () => {
    expect(parsePlan([seedPlan], clock)).toEqual({ ok: false, errors: [{ field: '(plan)', message: 'a plan must be a JSON object' }] });
  });

  it.each([
    [1769301008976, 'milliseconds'],
    [1769301008976123, 'microseconds'],
    [1769301008976123456, 'nanoseconds'],
    [100_000_000_000, 'milliseconds'],
  ])('refuses the timestamp %d as %s, whatever the clock', (timestamp, unit) => {
    const expected = { ok: false, errors: [{ field: 'timestamp', message: `${timestamp} looks like ${unit}; send unix seconds` }] };
    expect(parsePlan({ ...seedPlan, timestamp }, clock)).toEqual(expected);
    expect(parsePlan({ ...seedPlan, timestamp }, { now: timestamp * 1000 })).toEqual(expected); // even a clock that agrees
    expect(PlanSchema.safeParse({ ...seedPlan, timestamp }).success).toBe(false); // the schema alone refuses it too
  });

  it('the millisecond check names the field and reads as one line', () => {
    const parsed = parsePlan({ ...seedPlan, timestamp: 1769301008976 }, clock);
    expect(parsed.ok === false && parsed.errors.map((e) => `${e.field}: ${e.message}`)).toEqual(['timestamp: 1769301008976 looks like milliseconds; send unix seconds']);
  });

  it('refuses a timestamp more than the skew (60 s) ahead of the receiver\'s clock', () => {
    expect(PLAN_MAX_FUTURE_SKEW_SECONDS).toBe(60);
    expect(parsePlan({ ...seedPlan, timestamp: NOW_S + 3600 }, clock)).toEqual({
      ok: false,
      errors: [{ field: 'timestamp', message: `${NOW_S + 3600} is 3600 s in the future (allowed skew 60 s)` }],
    });
    // The year 2286 (just under 10^10 s): seconds, but far from now.
    const parsed = parsePlan({ ...seedPlan, timestamp: 9_999_999_999 }, clock);
    expect(parsed.ok === false && parsed.errors).toEqual([{ field: 'timestamp', message: expect.stringMatching(/^9999999999 is \d+ s in the future \(allowed skew 60 s\)$/) }]);
  });

  it('accepts a timestamp within the skew, and any past one (age is the governor\'s MAX_PLAN_AGE_SECONDS)', () => {
    expect(parsePlan({ ...seedPlan, timestamp: NOW_S + 60 }, clock).ok).toBe(true); // NOW is .250 past NOW_S: 59.75 s ahead
    expect(parsePlan({ ...seedPlan, timestamp: NOW_S + 61 }, clock).ok).toBe(false); // 60.75 s ahead
    expect(parsePlan({ ...seedPlan, timestamp: NOW_S }, clock).ok).toBe(true);
    expect(parsePlan({ ...seedPlan, timestamp: 1 }, clock).ok).toBe(true);
    expect(parsePlan({ ...seedPlan, timestamp: NOW_S + 600 }, { now: NOW, maxFutureSkewSeconds: 900 }).ok).toBe(true);
  });

  it('reports a future timestamp together with the other invalid fields', () => {
    const parsed = parsePlan({ ...seedPlan, action: 'PARTIAL_90', timestamp: NOW_S + 3600 }, clock);
    expect(parsed.ok === false && parsed.errors.map((e) => e.field)).toEqual(['action', 'timestamp']);
  });

  it('needs a real clock', () => {
    expect(() => parsePlan(seedPlan, { now: Number.NaN })).toThrow(/epoch ms/);
  });

  it('secondsInTheFuture: whole seconds ahead (rounded up) beyond the skew, else null', () => {
    expect(secondsInTheFuture(100, 100_000)).toBeNull();
    expect(secondsInTheFuture(160, 100_000)).toBeNull(); // exactly the skew
    expect(secondsInTheFuture(161, 100_000)).toBe(61);
    expect(secondsInTheFuture(161, 100_500)).toBe(61); // 60.5 s → 61
    expect(secondsInTheFuture(110, 100_000, 5)).toBe(10);
  });

  it('derives ids that fit Temporal and Binance (client order id ≤ 36 chars)', () => {
    const longest = 'A'.repeat(32);
    expect(workflowIdForPlan('f1a8d7f48713d5cf')).toBe('plan-f1a8d7f48713d5cf');
    expect(clientOrderIdForPlan(longest).length).toBeLessThanOrEqual(36);
    expect(clientOrderIdForPlan(longest)).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
  });
});
