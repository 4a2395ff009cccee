// Sizes and settings of the concurrency campaign (`npm run campaign -- --concurrency`): full (the figures
// docs/concurrency.md records) or --quick (the CI smoke run), each overridable from the command line.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_TIMING, positiveInt, type CampaignTiming } from './options.js';

export interface ConcurrencyOptions {
  mode: 'full' | 'quick';
  seed: number;
  seedGiven: boolean;
  plans: number;
  symbols: number;
  workers: number;
  /** Plans of a symbol submitted at once: at least the first, at most the second. */
  burst: [number, number];
  kills: number;
  /** How often the drift sweep Schedule runs (s). */
  sweepSeconds: number;
  /** Shares of the bursts followed by a manual position change (a drift), that get a partial fill, that see a reconcile. */
  driftShare: number;
  partialFillShare: number;
  reconcileShare: number;
  planTimeoutMs: number;
  json: boolean;
  keep: boolean;
  timing: CampaignTiming;
}

const FULL = { plans: 240, symbols: 10, workers: 3, kills: 4 };
const QUICK = { plans: 40, symbols: 4, workers: 3, kills: 1 };

export const CONCURRENCY_USAGE = `usage: npm run campaign -- --concurrency [--quick] [--json] [--seed N] [--plans N] [--symbols N] [--workers N] [--burst N] [--kills N] [--sweep-s S] [--keep]`;

export function parseConcurrencyArgs(argv: string[]): ConcurrencyOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      concurrency: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      seed: { type: 'string' },
      plans: { type: 'string' },
      symbols: { type: 'string' },
      workers: { type: 'string' },
      burst: { type: 'string' },
      kills: { type: 'string' },
      'sweep-s': { type: 'string' },
    },
  });
  const base = values.quick ? QUICK : FULL;
  const seed = positiveInt('--seed', values.seed, 0);
  if (seed !== undefined && seed > 0xffffffff) throw new Error(`--seed must fit in 32 bits (got ${seed})`);
  const burst = positiveInt('--burst', values.burst, 2);
  const opts: ConcurrencyOptions = {
    mode: values.quick ? 'quick' : 'full',
    seed: seed ?? randomInt(1, 2 ** 31),
    seedGiven: seed !== undefined,
    plans: positiveInt('--plans', values.plans, 1) ?? base.plans,
    symbols: positiveInt('--symbols', values.symbols, 1) ?? base.symbols,
    workers: positiveInt('--workers', values.workers, 1) ?? base.workers,
    burst: burst === undefined ? [5, 7] : [burst, burst],
    kills: positiveInt('--kills', values.kills, 0) ?? base.kills,
    sweepSeconds: positiveInt('--sweep-s', values['sweep-s'], 1) ?? 2,
    driftShare: 0.4,
    partialFillShare: 0.5,
    reconcileShare: 0.7,
    planTimeoutMs: 180_000,
    json: values.json,
    keep: values.keep,
    timing: DEFAULT_TIMING,
  };
  if (opts.kills > 0 && opts.workers < 2) throw new Error('--workers must be at least 2 when workers are killed: one keeps running while the other is replaced');
  if (opts.symbols > 1000) throw new Error('--symbols must be at most 1000');
  return opts;
}
