import { describe, expect, it } from 'vitest';
import { attemptSettlesAt, orderTimingProblem, recvWindowFor, type OrderTimingSettings } from '../../src/domain/order-protocol.js';
import { clientOrderIdForAttempt, MAX_ORDER_ATTEMPTS } from '../../src/domain/plan-ids.js';

const sound: OrderTimingSettings = { ttlSeconds: 15, orderAttemptTimeoutMs: 10_000, exchangeTimeoutMs: 5_000, clockSkewBoundMs: 1_000, settleBoundMs: 5_000, minOrderWindowMs: 250 };

describe('order timing settings', () => {
  it('accepts the defaults', () => {
    expect(orderTimingProblem(sound)).toBeNull();
  });

  it('refuses an exchange timeout that outlives the order attempt, naming both settings', () => {
    const problem = orderTimingProblem({ ...sound, exchangeTimeoutMs: 12_000 });
    expect(problem).toMatch(/EXCHANGE_TIMEOUT_MS \(12000\) must be below ORDER_ATTEMPT_TIMEOUT_MS \(10000\)/);
    expect(problem!.split('\n')).toHaveLength(1);
  });

  it('refuses a skew bound beyond what Binance tolerates, a TTL beyond recvWindow, and a window nothing fits in', () => {
    expect(orderTimingProblem({ ...sound, clockSkewBoundMs: 1_500 })).toMatch(/EXCHANGE_CLOCK_SKEW_BOUND_MS/);
    expect(orderTimingProblem({ ...sound, ttlSeconds: 90 })).toMatch(/PERMIT_TTL_SECONDS \(90\)/);
    expect(orderTimingProblem({ ...sound, ttlSeconds: 1, minOrderWindowMs: 500 })).toMatch(/MIN_ORDER_WINDOW_MS/);
    expect(orderTimingProblem({ ...sound, settleBoundMs: -1 })).toMatch(/ORDER_SETTLE_BOUND_MS/);
  });
});

describe('recvWindow', () => {
  const base = { nowMs: 1_000_000, permitDeadlineMs: 1_014_000, attemptEndsMs: 1_010_000, exchangeTimeoutMs: 5_000, clockUncertaintyMs: 3, clockSkewBoundMs: 1_000 };

  it('ends before the HTTP timeout and the attempt, less the measured clock error', () => {
    expect(recvWindowFor(base)).toBe(4_997);
    expect(recvWindowFor({ ...base, attemptEndsMs: 1_002_000 })).toBe(1_997);
  });

  it('ends before the permits less the whole skew bound: the exchange clock may have stepped since it was measured', () => {
    expect(recvWindowFor({ ...base, permitDeadlineMs: 1_003_000 })).toBe(2_000);
    expect(recvWindowFor({ ...base, permitDeadlineMs: 1_003_000, clockUncertaintyMs: 1_200 })).toBe(1_800);
  });

  it('is below 1 when no time is left (nothing may be sent)', () => {
    expect(recvWindowFor({ ...base, permitDeadlineMs: 1_001_000 })).toBeLessThan(1);
  });

  it('never exceeds Binance’s 60 s', () => {
    expect(recvWindowFor({ ...base, permitDeadlineMs: 2_000_000, attemptEndsMs: 2_000_000, exchangeTimeoutMs: 500_000 })).toBe(60_000);
  });
});

describe('settle time and attempt ids', () => {
  it('adds the skew and settle bounds to the request window', () => {
    expect(attemptSettlesAt({ exchangeTimestamp: 1_000, recvWindowMs: 4_000 }, { clockSkewBoundMs: 1_000, settleBoundMs: 5_000 })).toBe(11_000);
  });

  it('gives every attempt its own id within Binance’s 36 characters', () => {
    const longest = 'a'.repeat(32);
    const ids = Array.from({ length: MAX_ORDER_ATTEMPTS }, (_, i) => clientOrderIdForAttempt(longest, i + 1));
    expect(new Set(ids).size).toBe(MAX_ORDER_ATTEMPTS);
    for (const id of ids) expect(id).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
    expect(clientOrderIdForAttempt('f1a8d7f48713d5cf', 1)).toBe('pc1-f1a8d7f48713d5cf');
    expect(() => clientOrderIdForAttempt(longest, MAX_ORDER_ATTEMPTS + 1)).toThrow(RangeError);
  });
});
