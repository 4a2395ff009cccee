import { z } from 'zod';

// The ids derived from a plan id live apart, without zod, so the workflow bundle can use them.
export { clientOrderIdForPlan, governorPermitKey, positionPermitKey, workflowIdForPlan } from './plan-ids.js';

/** Close actions an EXECUTE plan may carry, and the share of the position each one closes. */
export const PLAN_ACTIONS = ['PARTIAL_25', 'PARTIAL_50', 'PARTIAL_75', 'FULL_CLOSE'] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/**
 * plan_id becomes part of the workflow id (`plan-<plan_id>`) and of the exchange client order id
 * (`pc-<plan_id>`, Binance allows 36 characters of [.A-Z:/a-z0-9_-]), hence the 32-character limit.
 */
export const PLAN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
export const SYMBOL_PATTERN = /^[A-Z0-9]{2,16}(USDT|USDC|BUSD|USD)$/;

/** The trading-state scope of one plan's pause (domain/trading-scope.ts's planScope), as a pattern. */
export const PLAN_PAUSE_SCOPE_PATTERN = new RegExp(`^plan:${PLAN_ID_PATTERN.source.slice(1)}`);

/**
 * A plan's `timestamp` is unix SECONDS. From 10^11 on (the year 5138 in seconds; March 1973 in
 * milliseconds) a value is a finer unit sent by mistake, refused whatever the clock says.
 */
export const PLAN_TIMESTAMP_SECONDS_LIMIT = 100_000_000_000;

/**
 * How far ahead of the receiver's clock a plan's timestamp may be (clock skew between the producer and
 * us), at intake (parsePlan) and again in the governor (`plan_from_future`).
 */
export const PLAN_MAX_FUTURE_SKEW_SECONDS = 60;

/** The unit a too-large timestamp most likely is, by magnitude (each unit is 1000× the previous). */
function likelyTimestampUnit(value: number): string {
  if (value < PLAN_TIMESTAMP_SECONDS_LIMIT * 1000) return 'milliseconds';
  if (value < PLAN_TIMESTAMP_SECONDS_LIMIT * 1_000_000) return 'microseconds';
  return 'nanoseconds';
}

/**
 * Whole seconds (rounded up) by which a plan's timestamp is ahead of `nowMs` (epoch ms), when that is
 * more than `maxFutureSkewSeconds`; else null. Pure: the clock is passed in.
 */
export function secondsInTheFuture(timestampSeconds: number, nowMs: number, maxFutureSkewSeconds = PLAN_MAX_FUTURE_SKEW_SECONDS): number | null {
  const aheadMs = timestampSeconds * 1000 - nowMs;
  return aheadMs > maxFutureSkewSeconds * 1000 ? Math.ceil(aheadMs / 1000) : null;
}

/** The plan as the trading system publishes it (seed: `quantum:stream:apply.plan`). Defined once. */
export const PlanSchema = z.object({
  plan_id: z
    .string({ error: 'plan_id is required and must be a string' })
    .regex(PLAN_ID_PATTERN, 'plan_id must be 1-32 characters of A-Z a-z 0-9 _ - (starting with a letter or digit)'),
  symbol: z
    .string({ error: 'symbol is required and must be a string' })
    .regex(SYMBOL_PATTERN, 'symbol must be an upper-case futures symbol such as BTCUSDT'),
  action: z.enum(PLAN_ACTIONS, { error: `action must be one of ${PLAN_ACTIONS.join(', ')}` }),
  kill_score: z
    .number({ error: 'kill_score is required and must be a number' })
    .finite()
    .min(0, 'kill_score must be between 0 and 1')
    .max(1, 'kill_score must be between 0 and 1'),
  decision: z
    .string({ error: 'decision is required and must be a string' })
    .regex(/^[A-Z][A-Z_]{0,31}$/, 'decision must be an upper-case word such as EXECUTE'),
  timestamp: z
    .number({ error: 'timestamp is required and must be a number (unix seconds)' })
    // First, and alone (abort): a millisecond value would otherwise also fail the int check when unsafe.
    .lt(PLAN_TIMESTAMP_SECONDS_LIMIT, { error: (issue) => `${String(issue.input)} looks like ${likelyTimestampUnit(Number(issue.input))}; send unix seconds`, abort: true })
    .int('timestamp must be whole unix seconds')
    .positive('timestamp must be positive'),
});
export type Plan = z.infer<typeof PlanSchema>;

export type PlanParseResult =
  | { ok: true; plan: Plan }
  | { ok: false; errors: FieldError[] };

export interface FieldError {
  field: string;
  message: string;
}

export interface ParsePlanOptions {
  /** The receiver's clock (epoch ms): a plan timestamped more than the skew past it is refused. */
  now: number;
  /** Default PLAN_MAX_FUTURE_SKEW_SECONDS. */
  maxFutureSkewSeconds?: number;
}

/**
 * Validates untrusted input into a plan, or field-level errors ("action: action must be one of …").
 * Beyond the schema, the timestamp is checked against the receiver's clock (`opts.now`): a plan from
 * the future (beyond the skew) is refused like any other invalid field. Pure: the clock is passed in.
 */
export function parsePlan(input: unknown, opts: ParsePlanOptions): PlanParseResult {
  if (!Number.isFinite(opts.now)) throw new Error(`parsePlan needs the receiver's clock as epoch ms, got now = ${opts.now}`);
  const result = PlanSchema.safeParse(input);
  const errors: FieldError[] = result.success
    ? []
    : result.error.issues.map((issue) => ({
        field: issue.path.length > 0 ? issue.path.join('.') : '(plan)',
        message: issue.path.length > 0 ? issue.message : 'a plan must be a JSON object',
      }));
  const timestampError = futureTimestampError(input, errors, opts);
  if (timestampError) errors.push(timestampError);
  if (result.success && errors.length === 0) return { ok: true, plan: result.data };
  return { ok: false, errors };
}

/** The clock check, also when other fields are invalid (all field errors at once), unless the timestamp already has one. */
function futureTimestampError(input: unknown, errors: FieldError[], opts: ParsePlanOptions): FieldError | null {
  if (typeof input !== 'object' || input === null || errors.some((e) => e.field === 'timestamp')) return null;
  const timestamp = (input as { timestamp?: unknown }).timestamp;
  if (typeof timestamp !== 'number') return null;
  const skew = opts.maxFutureSkewSeconds ?? PLAN_MAX_FUTURE_SKEW_SECONDS;
  const ahead = secondsInTheFuture(timestamp, opts.now, skew);
  return ahead === null ? null : { field: 'timestamp', message: `${timestamp} is ${ahead} s in the future (allowed skew ${skew} s)` };
}

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

export function isExecutable(plan: Plan): boolean {
  return plan.decision === 'EXECUTE';
}
