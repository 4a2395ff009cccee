import { describe, expect, it } from 'vitest';
import { GLOBAL_SCOPE, isPlanScope, planIdOfScope, planScope, scopeOfSignal, signalScopeOf } from '../../src/domain/trading-scope.js';

describe('trading scopes: one vocabulary for the store, the commands and the signals', () => {
  it('names all trading, a symbol or a plan', () => {
    expect(planScope('p-1')).toBe('plan:p-1');
    expect(isPlanScope('plan:p-1')).toBe(true);
    expect(isPlanScope('BTCUSDT')).toBe(false);
    expect(isPlanScope(GLOBAL_SCOPE)).toBe(false);
    expect(planIdOfScope('plan:p-1')).toBe('p-1');
  });

  it('sends the wire form every worker reads, and reads it back to the same scope', () => {
    expect(signalScopeOf(planScope('p-1'))).toBe('plan');
    expect(signalScopeOf('ETHUSDT')).toBe('symbol:ETHUSDT');
    expect(signalScopeOf(GLOBAL_SCOPE)).toBe('global');
    for (const scope of [planScope('p-1'), 'ETHUSDT', GLOBAL_SCOPE] as const) expect(scopeOfSignal(signalScopeOf(scope), 'p-1')).toBe(scope);
  });

  it('reads the scopes signals carried before the one vocabulary', () => {
    expect(scopeOfSignal('plan', 'p-1')).toBe('plan:p-1');
    expect(scopeOfSignal('symbol:ETHUSDT', 'p-1')).toBe('ETHUSDT');
    expect(scopeOfSignal('global', 'p-1')).toBe('global');
    expect(scopeOfSignal('ETHUSDT', 'p-1')).toBe('ETHUSDT');
    expect(scopeOfSignal('plan:p-1', 'p-1')).toBe('plan:p-1');
  });
});
