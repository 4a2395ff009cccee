// The chain's policy (recorded in each plan's input) and the worker's permit settings, from the settings.
import type { ChainPolicy, ChainSettings } from '../domain/chain-policy.js';
import type { DriftActionSetting } from '../domain/drift.js';
import { readSettingsOf, type Env } from './settings.js';

const PERMIT_SETTINGS = [
  'PERMIT_TTL_SECONDS',
  'MAX_ORDER_NOTIONAL',
  'MAX_PLAN_AGE_SECONDS',
  'POSITION_TOLERANCE',
  'POSITION_TOLERANCES',
  'EXCHANGE_CLOCK_SKEW_BOUND_MS',
  'ORDER_SETTLE_BOUND_MS',
  'DRIFT_ACTION',
] as const;

const POLICY_SETTINGS = [
  'RECONCILE_WAIT_SECONDS',
  'MAX_PERMIT_ROUNDS',
  'MAX_RECONCILES',
  'MIN_ORDER_WINDOW_MS',
  'PAUSE_POLL_SECONDS',
  'ORDER_ATTEMPT_TIMEOUT_MS',
  'TURN_CHECK_SECONDS',
] as const;

export function chainSettingsFromEnv(venueName: string, env: Env = process.env): ChainSettings {
  const s = readSettingsOf(env, PERMIT_SETTINGS);
  return {
    venueName,
    ttlSeconds: s.PERMIT_TTL_SECONDS,
    maxOrderNotional: s.MAX_ORDER_NOTIONAL,
    maxPlanAgeSeconds: s.MAX_PLAN_AGE_SECONDS,
    defaultTolerance: s.POSITION_TOLERANCE,
    tolerances: s.POSITION_TOLERANCES,
    clockSkewBoundMs: s.EXCHANGE_CLOCK_SKEW_BOUND_MS,
    settleBoundMs: s.ORDER_SETTLE_BOUND_MS,
    driftAction: s.DRIFT_ACTION,
  };
}

/** DRIFT_ACTION: what the drift sweep does besides recording a drift ('record', the default, or 'pause' the symbol). */
export function driftActionFromEnv(env: Env = process.env): DriftActionSetting {
  return readSettingsOf(env, ['DRIFT_ACTION']).DRIFT_ACTION;
}

export function driftSweepSecondsFromEnv(env: Env = process.env): number {
  return readSettingsOf(env, ['DRIFT_SWEEP_SECONDS']).DRIFT_SWEEP_SECONDS;
}

export function chainPolicyFromEnv(env: Env = process.env): ChainPolicy {
  const s = readSettingsOf(env, POLICY_SETTINGS);
  return {
    reconcileWaitSeconds: s.RECONCILE_WAIT_SECONDS,
    maxPermitRounds: s.MAX_PERMIT_ROUNDS,
    maxReconciles: s.MAX_RECONCILES,
    minOrderWindowMs: s.MIN_ORDER_WINDOW_MS,
    pausePollSeconds: s.PAUSE_POLL_SECONDS,
    orderAttemptTimeoutMs: s.ORDER_ATTEMPT_TIMEOUT_MS,
    turnCheckSeconds: s.TURN_CHECK_SECONDS,
  };
}
