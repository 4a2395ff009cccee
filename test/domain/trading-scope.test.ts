import { describe, expect, it } from 'vitest';
import { GLOBAL_SCOPE, isPlanScope, planIdOfScope, planScope, scopeOfSignal } from '../../src/domain/trading-scope.js';

describe('trading scopes: one vocabulary for the store, the commands and the signals', () => {
  it('names all trading, a symbol or a plan', () => {
    expect(planScope('p-1')).toBe('plan:p-1');
    expect(isPlanScope('plan:p-1')).toBe(true);
    expect(isPlanScope('BTCUSDT')).toBe(false);
    expect(isPlanScope(GLOBAL_SCOPE)).toBe(false);
    expect(planIdOfScope('plan:p-1')).toBe('p-1');
  });

  it('reads the scopes signals carried before the one vocabulary', () => {
    expect(scopeOfSignal('plan', 'p-1')).toBe('plan:p-1');
    expect(scopeOfSignal('symbol:ETHUSDT', 'p-1')).toBe('ETHUSDT');
    expect(scopeOfSignal('global', 'p-1')).toBe('global');
    expect(scopeOfSignal('ETHUSDT', 'p-1')).toBe('ETHUSDT');
    expect(scopeOfSignal('plan:p-1', 'p-1')).toBe('plan:p-1');
  });
});
