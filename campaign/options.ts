// Sizes and settings of one fault campaign: full (the figures docs/campaign.md records) or --quick (a
// smoke run of about a minute and a half on a 2-core machine), each overridable from the command line.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';

/**
 * The order protocol's settings the workers run with, and the client's policy (docs/order-protocol.md).
 * Tighter than the defaults so that settle waits stay short, and checked by the workers at start
 * (orderTimingProblem): the campaign never runs an unsafe combination.
 */
export interface CampaignTiming {
  /** PERMIT_TTL_SECONDS. */
  permitTtlSeconds: number;
  /** ORDER_ATTEMPT_TIMEOUT_MS on the workers and `orderAttemptTimeoutMs` in each plan's policy. */
  orderAttemptTimeoutMs: number;
  /** EXCHANGE_TIMEOUT_MS: the HTTP timeout of one exchange request; below the attempt timeout. */
  exchangeTimeoutMs: number;
  /** ORDER_SETTLE_BOUND_MS: faults that execute or hide an order late stay within it. */
  settleBoundMs: number;
  /** EXCHANGE_CLOCK_SKEW_BOUND_MS: the exchange clock moves stay below it (less a margin). */
  clockSkewBoundMs: number;
  /** EXCHANGE_CLOCK_MAX_AGE_MS: how soon a worker notices a moved exchange clock. */
  clockMaxAgeMs: number;
  /** The exchange clock offset stays within ±this, and moves by at most this at once. */
  clockOffsetLimitMs: number;
  /** Moves of the exchange clock are at least this far apart (above clockMaxAgeMs: a reading is at most one move old). */
  clockMoveMinGapMs: number;
  clockMoveMaxGapMs: number;
  /** Policy: how long a plan denied for a position mismatch waits for a reconcile (nobody sends one here). */
  reconcileWaitSeconds: number;
}

export interface CampaignOptions {
  mode: 'full' | 'quick';
  seed: number;
  /** false when the seed was drawn at random (it is printed either way). */
  seedGiven: boolean;
  plans: number;
  symbols: number;
  workers: number;
  kills: number;
  /** How long one plan may stay open before it counts as unsettled and its symbol stops taking plans (ms). */
  planTimeoutMs: number;
  json: boolean;
  /** Keep the data folder (worker logs, Temporal's SQLite file) and the PostgreSQL schema for inspection. */
  keep: boolean;
  timing: CampaignTiming;
}

export const DEFAULT_TIMING: CampaignTiming = {
  permitTtlSeconds: 15,
  orderAttemptTimeoutMs: 4_000,
  exchangeTimeoutMs: 2_500,
  settleBoundMs: 3_000,
  clockSkewBoundMs: 1_000,
  clockMaxAgeMs: 2_000,
  clockOffsetLimitMs: 800,
  clockMoveMinGapMs: 4_000,
  clockMoveMaxGapMs: 12_000,
  reconcileWaitSeconds: 5,
};

const FULL = { plans: 500, symbols: 10, workers: 3, kills: 20 };
const QUICK = { plans: 60, symbols: 5, workers: 2, kills: 3 };
const DEFAULT_PLAN_TIMEOUT_S = 300;

/** A whole-number option of at least `min`, or undefined when it was not given. */
export function positiveInt(name: string, raw: string | undefined, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min} (got ${JSON.stringify(raw)})`);
  return value;
}

export const USAGE = `usage: npm run campaign -- [--quick] [--json] [--seed N] [--plans N] [--symbols N] [--workers N] [--kills N] [--plan-timeout-s S] [--permit-ttl-s S] [--keep]`;

/**
 * `--quick`, `--json`, `--seed N`, `--plans N`, `--symbols N`, `--workers N`, `--kills N`, `--plan-timeout-s S`,
 * `--permit-ttl-s S` (PERMIT_TTL_SECONDS; a short life brings orders close to their permits' expiry), `--keep`.
 */
export function parseCampaignArgs(argv: string[]): CampaignOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      seed: { type: 'string' },
      plans: { type: 'string' },
      symbols: { type: 'string' },
      workers: { type: 'string' },
      kills: { type: 'string' },
      'plan-timeout-s': { type: 'string' },
      'permit-ttl-s': { type: 'string' },
    },
  });
  const base = values.quick ? QUICK : FULL;
  const seedArg = positiveInt('--seed', values.seed, 0);
  if (seedArg !== undefined && seedArg > 0xffffffff) throw new Error(`--seed must fit in 32 bits (got ${seedArg})`);
  const opts: CampaignOptions = {
    mode: values.quick ? 'quick' : 'full',
    seed: seedArg ?? randomInt(1, 2 ** 31),
    seedGiven: seedArg !== undefined,
    plans: positiveInt('--plans', values.plans) ?? base.plans,
    symbols: positiveInt('--symbols', values.symbols) ?? base.symbols,
    workers: positiveInt('--workers', values.workers) ?? base.workers,
    kills: positiveInt('--kills', values.kills, 0) ?? base.kills,
    planTimeoutMs: (positiveInt('--plan-timeout-s', values['plan-timeout-s']) ?? DEFAULT_PLAN_TIMEOUT_S) * 1000,
    json: values.json,
    keep: values.keep,
    timing: { ...DEFAULT_TIMING, permitTtlSeconds: positiveInt('--permit-ttl-s', values['permit-ttl-s']) ?? DEFAULT_TIMING.permitTtlSeconds },
  };
  if (opts.kills > 0 && opts.workers < 2) throw new Error('--workers must be at least 2 when workers are killed: one keeps running while the other is replaced');
  if (opts.symbols > 1000) throw new Error('--symbols must be at most 1000');
  return opts;
}
