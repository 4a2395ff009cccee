// The permit chain's tunables, from the environment. Worker-side settings decide permits; the policy
// travels in each workflow's input so that it is recorded in the plan's history.
import { DEFAULT_TOLERANCE, DEFAULT_TTL_SECONDS } from '../domain/permits.js';
import { dec } from '../domain/decimal.js';
import { DEFAULT_CHAIN_POLICY, DEFAULT_CLOCK_SKEW_BOUND_MS, DEFAULT_DRIFT_SWEEP_SECONDS, DEFAULT_SETTLE_BOUND_MS, type ChainPolicy, type ChainSettings } from '../domain/chain-policy.js';
import { DRIFT_ACTION_SETTINGS, type DriftActionSetting } from '../domain/drift.js';

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = positiveNumber(env, name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got "${env[name]}"`);
  return value;
}

function nonNegativeInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of ms, 0 or more, got "${raw}"`);
  return value;
}


function decimalSetting(name: string, raw: string): string {
  try {
    const value = dec(raw);
    if (value.isNeg() || value.isNaN()) throw new Error('negative');
    return value.toFixed();
  } catch {
    throw new Error(`${name} must be a non-negative decimal, got "${raw}"`);
  }
}

/** POSITION_TOLERANCES="BTCUSDT=0.001,ETHUSDT=0.01" */
export function parseTolerances(raw: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [symbol, value] = pair.split('=');
    if (!symbol || value === undefined) throw new Error(`POSITION_TOLERANCES entries look like SYMBOL=0.001, got "${pair}"`);
    result[symbol.trim()] = decimalSetting(`POSITION_TOLERANCES[${symbol.trim()}]`, value.trim());
  }
  return result;
}

export function chainSettingsFromEnv(venueName: string, env: NodeJS.ProcessEnv = process.env): ChainSettings {
  return {
    venueName,
    ttlSeconds: positiveInteger(env, 'PERMIT_TTL_SECONDS', DEFAULT_TTL_SECONDS),
    maxOrderNotional: env.MAX_ORDER_NOTIONAL ? decimalSetting('MAX_ORDER_NOTIONAL', env.MAX_ORDER_NOTIONAL) : null,
    maxPlanAgeSeconds: env.MAX_PLAN_AGE_SECONDS ? positiveInteger(env, 'MAX_PLAN_AGE_SECONDS', 0) : null,
    defaultTolerance: env.POSITION_TOLERANCE ? decimalSetting('POSITION_TOLERANCE', env.POSITION_TOLERANCE) : DEFAULT_TOLERANCE,
    tolerances: parseTolerances(env.POSITION_TOLERANCES),
    clockSkewBoundMs: nonNegativeInteger(env, 'EXCHANGE_CLOCK_SKEW_BOUND_MS', DEFAULT_CLOCK_SKEW_BOUND_MS),
    settleBoundMs: nonNegativeInteger(env, 'ORDER_SETTLE_BOUND_MS', DEFAULT_SETTLE_BOUND_MS),
    driftAction: driftActionFromEnv(env),
  };
}

/** DRIFT_ACTION: what the drift sweep does besides recording a drift ('record', the default, or 'pause' the symbol). */
export function driftActionFromEnv(env: NodeJS.ProcessEnv = process.env): DriftActionSetting {
  const raw = env.DRIFT_ACTION;
  if (raw === undefined || raw === '') return 'record';
  if ((DRIFT_ACTION_SETTINGS as readonly string[]).includes(raw)) return raw as DriftActionSetting;
  throw new Error(`DRIFT_ACTION must be one of ${DRIFT_ACTION_SETTINGS.join(', ')}, got "${raw}"`);
}


export function driftSweepSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return positiveInteger(env, 'DRIFT_SWEEP_SECONDS', DEFAULT_DRIFT_SWEEP_SECONDS);
}

export function chainPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ChainPolicy {
  const d = DEFAULT_CHAIN_POLICY;
  return {
    reconcileWaitSeconds: positiveNumber(env, 'RECONCILE_WAIT_SECONDS', d.reconcileWaitSeconds),
    maxPermitRounds: positiveInteger(env, 'MAX_PERMIT_ROUNDS', d.maxPermitRounds),
    maxReconciles: positiveInteger(env, 'MAX_RECONCILES', d.maxReconciles),
    minOrderWindowMs: positiveNumber(env, 'MIN_ORDER_WINDOW_MS', d.minOrderWindowMs),
    pausePollSeconds: positiveNumber(env, 'PAUSE_POLL_SECONDS', d.pausePollSeconds),
    orderAttemptTimeoutMs: positiveNumber(env, 'ORDER_ATTEMPT_TIMEOUT_MS', d.orderAttemptTimeoutMs),
    turnCheckSeconds: positiveNumber(env, 'TURN_CHECK_SECONDS', d.turnCheckSeconds ?? 30),
  };
}
