// Where a pause applies: all trading, one symbol, or one plan. One vocabulary for the store's trading
// state, the operator commands and the plan workflow's pause and resume signals. Imports nothing: the
// workflow bundle carries it.

export const GLOBAL_SCOPE = 'global';

/** `global`, a symbol such as `BTCUSDT` (upper case, so never `global`), or `plan:<plan_id>`. */
export type TradingScope = typeof GLOBAL_SCOPE | `plan:${string}` | Uppercase<string>;

export function planScope(planId: string): `plan:${string}` {
  return `plan:${planId}`;
}

export function isPlanScope(scope: string): scope is `plan:${string}` {
  return scope.startsWith('plan:');
}

export function planIdOfScope(scope: `plan:${string}`): string {
  return scope.slice('plan:'.length);
}

/**
 * The scope a pause or resume signal names. Signals sent before the one vocabulary named a plan's own pause
 * `plan` and a symbol's `symbol:<SYMBOL>`: recorded histories still carry them, so they are read here too.
 */
export function scopeOfSignal(scope: string, planId: string): TradingScope {
  if (scope === 'plan') return planScope(planId);
  if (scope.startsWith('symbol:')) return scope.slice('symbol:'.length) as Uppercase<string>;
  return scope as TradingScope;
}
