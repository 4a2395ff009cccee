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
 * The scope as a pause or resume signal carries it on the wire: `plan` for the plan's own, `symbol:<SYMBOL>`
 * for a symbol, `global`. Workers before the one vocabulary read only this form (a `plan:<id>` would be
 * taken for a shared pause, and a plan's own pause resumed as `plan:<id>` would hold it for ever), so
 * clients keep sending it until every worker reads both (scopeOfSignal); then this can go.
 */
export function signalScopeOf(scope: TradingScope): string {
  if (scope === GLOBAL_SCOPE) return scope;
  return isPlanScope(scope) ? 'plan' : `symbol:${scope}`;
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
