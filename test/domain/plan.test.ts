import { describe, expect, it } from 'vitest';
import { clientOrderIdForPlan, parsePlan, workflowIdForPlan } from '../../src/domain/plan.js';

const seedPlan = { plan_id: 'f1a8d7f48713d5cf', symbol: 'BTCUSDT', action: 'PARTIAL_75', kill_score: 0.539, decision: 'EXECUTE', timestamp: 1769301008 };

describe('plan schema', () => {
  it('accepts the seed plan as is', () => {
    const parsed = parsePlan(seedPlan);
    expect(parsed).toEqual({ ok: true, plan: seedPlan });
  });

  it('refuses an unknown action with a field-level error', () => {
    const parsed = parsePlan({ ...seedPlan, action: 'PARTIAL_90' });
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
    const parsed = parsePlan({ ...seedPlan, [field]: value });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => e.field)).toEqual([field]);
  });

  it('names every missing field', () => {
    const parsed = parsePlan({});
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => e.field).sort()).toEqual(['action', 'decision', 'kill_score', 'plan_id', 'symbol', 'timestamp']);
  });

  it('refuses a non-object', () => {
    expect(parsePlan([seedPlan])).toEqual({ ok: false, errors: [{ field: '(plan)', message: 'a plan must be a JSON object' }] });
  });

  it('derives ids that fit Temporal and Binance (client order id ≤ 36 chars)', () => {
    const longest = 'A'.repeat(32);
    expect(workflowIdForPlan('f1a8d7f48713d5cf')).toBe('plan-f1a8d7f48713d5cf');
    expect(clientOrderIdForPlan(longest).length).toBeLessThanOrEqual(36);
    expect(clientOrderIdForPlan(longest)).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
  });
});
