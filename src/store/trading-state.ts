import { z } from 'zod';
import { queryExactlyOne, queryOne, type Db, type Queryable } from './db.js';
import type { PauseStatus, TradingMode, TradingScopeState, TradingState, TradingStateChange, TradingStateChangeInput } from './types.js';
import { PLAN_PAUSE_SCOPE_PATTERN } from '../domain/plan.js';
import { GLOBAL_SCOPE as GLOBAL, isPlanScope, planIdOfScope, planScope } from '../domain/trading-scope.js';
import { parseInput, planId, symbol, text } from './validation.js';
import { toIso } from './values.js';

// Symbols are upper-case (BTCUSDT) and plan scopes start with "plan:", so the scopes never collide.
const planScopeSchema = z.string().regex(PLAN_PAUSE_SCOPE_PATTERN, 'must be plan:<plan_id>');
const scope = z.union([z.literal(GLOBAL), symbol, planScopeSchema], { error: 'must be "global", a symbol like BTCUSDT or plan:<plan_id>' });
const mode = z.enum(['running', 'paused', 'halted']);
const changeSchema = z.object({ scope, state: mode, who: text, why: text });

export async function tradingState(db: Db): Promise<TradingState> {
  const rows = await db.query<{ scope: string; state: TradingMode }>('SELECT scope, state FROM trading_state ORDER BY scope');
  const state: TradingState = { global: 'running', symbols: {}, plans: {} };
  for (const row of rows) {
    if (row.scope === GLOBAL) state.global = row.state;
    else if (isPlanScope(row.scope)) state.plans[planIdOfScope(row.scope)] = row.state;
    else state.symbols[row.scope] = row.state;
  }
  return state;
}

/** Paused globally, for the symbol, or (given a plan id) for that plan; the widest scope is reported. */
export async function isTradingPaused(db: Db, sym: string, plan?: string): Promise<PauseStatus> {
  parseInput('isTradingPaused', z.object({ symbol, plan: planId.optional() }), { symbol: sym, plan });
  const rows = await db.query<{ scope: string; state: TradingMode; reason: string | null }>(
    `SELECT scope, state, reason FROM trading_state WHERE scope IN ($1, $2, $3) AND state IN ('paused', 'halted')
     ORDER BY CASE state WHEN 'halted' THEN 0 ELSE 1 END, CASE scope WHEN $1 THEN 0 WHEN $2 THEN 1 ELSE 2 END`,
    [GLOBAL, sym, plan === undefined ? GLOBAL : planScope(plan)],
  );
  const first = rows[0];
  return first ? { paused: true, halted: first.state === 'halted', scope: first.scope, reason: first.reason } : { paused: false, halted: false, scope: null, reason: null };
}

export async function tradingStates(db: Db): Promise<TradingScopeState[]> {
  const rows = await db.query<{ scope: string; state: TradingMode; reason: string | null; changed_by: string | null; changed_at: Date }>(
    'SELECT scope, state, reason, changed_by, changed_at FROM trading_state ORDER BY scope',
  );
  return rows.map((r) => ({ scope: r.scope, state: r.state, who: r.changed_by, why: r.reason, since: toIso(r.changed_at) }));
}

export async function setTradingState(db: Db, input: TradingStateChangeInput): Promise<TradingStateChange> {
  const c = parseInput('setTradingState', changeSchema, input);
  return db.transaction((tx) => setTradingStateIn(tx, c));
}

/**
 * See Store.pauseIfRunning: pauses the scope unless its own state is paused already (whoever paused it keeps
 * the pause, and only their resume or rule lifts it). Null when it was paused already.
 */
export async function pauseIfRunning(db: Db, input: Omit<TradingStateChangeInput, 'state'>): Promise<TradingStateChange | null> {
  const c = parseInput('pauseIfRunning', changeSchema, { ...input, state: 'paused' });
  return db.transaction(async (tx) => {
    await tx.query(`INSERT INTO trading_state (scope, state, changed_at) VALUES ($1, 'running', ${NOW_MS}) ON CONFLICT (scope) DO NOTHING`, [c.scope]);
    const current = await queryExactlyOne<{ state: TradingMode }>(tx, 'SELECT state FROM trading_state WHERE scope = $1 FOR UPDATE', [c.scope]);
    if (current.state !== 'running') return null;
    return setTradingStateIn(tx, c);
  });
}

/** A change the trading state refuses (nothing written): a pause over a halt. */
export class TradingStateRefused extends Error {
  override readonly name = 'TradingStateRefused';
}

/** The change, inside the caller's transaction. */
export async function setTradingStateIn(tx: Queryable, input: TradingStateChangeInput): Promise<TradingStateChange> {
  const c = parseInput('setTradingState', changeSchema, input);
  // Create-then-lock so two concurrent first changes still record the right previous state.
  await tx.query(
    `INSERT INTO trading_state (scope, state, changed_at) VALUES ($1, 'running', ${NOW_MS})
     ON CONFLICT (scope) DO NOTHING`,
    [c.scope],
  );
  const current = await queryExactlyOne<{ state: TradingMode }>(tx, 'SELECT state FROM trading_state WHERE scope = $1 FOR UPDATE', [c.scope]);
  if (current.state === 'halted' && c.state === 'paused') {
    throw new TradingStateRefused(`${c.scope} is halted: a pause would weaken the halt (a later resume of the pause would lift it); resume it first if a pause is what is meant`);
  }
  const row = await queryExactlyOne<ChangeRow>(
    tx,
    `INSERT INTO trading_state_changes (scope, previous_state, state, who, why, at)
     VALUES ($1, $2, $3, $4, $5, ${NOW_MS}) RETURNING ${CHANGE_COLUMNS}`,
    [c.scope, current.state, c.state, c.who, c.why],
  );
  await tx.query(
    'UPDATE trading_state SET state = $2, reason = $3, changed_by = $4, changed_at = $5::timestamptz WHERE scope = $1',
    [c.scope, c.state, c.why, c.who, toIso(row.at)],
  );
  return toChange(row);
}

/** Who set the scope's current state, and why (null: never set). */
export async function currentStateOf(q: Queryable, scopeName: string): Promise<{ state: TradingMode; changedBy: string | null; reason: string | null } | null> {
  const row = await queryOne<{ state: TradingMode; changed_by: string | null; reason: string | null }>(
    q,
    'SELECT state, changed_by, reason FROM trading_state WHERE scope = $1',
    [scopeName],
  );
  return row ? { state: row.state, changedBy: row.changed_by, reason: row.reason } : null;
}

/** Newest first. */
/** The changes of one scope (a plan's own pause and resume: plan:<id>), oldest first. */
export async function tradingStateChangesOf(db: Db, scopeName: string): Promise<TradingStateChange[]> {
  parseInput('tradingStateChangesOf', scope, scopeName);
  const rows = await db.query<ChangeRow>(`SELECT ${CHANGE_COLUMNS} FROM trading_state_changes WHERE scope = $1 ORDER BY trading_state_changes.change_id`, [scopeName]);
  return rows.map(toChange);
}

export async function tradingStateHistory(db: Db, limit = 100): Promise<TradingStateChange[]> {
  parseInput('tradingStateHistory', z.number().int().min(1).max(10_000), limit);
  const rows = await db.query<ChangeRow>(`SELECT ${CHANGE_COLUMNS} FROM trading_state_changes ORDER BY trading_state_changes.change_id DESC LIMIT $1`, [limit]);
  return rows.map(toChange);
}

const NOW_MS = `date_trunc('milliseconds', clock_timestamp())`;
const CHANGE_COLUMNS = 'change_id::text AS change_id, scope, previous_state, state, who, why, at';

interface ChangeRow {
  change_id: string;
  scope: string;
  previous_state: TradingMode;
  state: TradingMode;
  who: string;
  why: string;
  at: Date;
}

function toChange(r: ChangeRow): TradingStateChange {
  return { changeId: r.change_id, scope: r.scope, previousState: r.previous_state, state: r.state, who: r.who, why: r.why, at: toIso(r.at) };
}
