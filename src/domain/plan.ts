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

/** The trading-state scope of one plan's pause (`permitctl pause <plan>`): durable like a symbol's. */
export function planPauseScope(planId: string): string {
  return `plan:${planId}`;
}
export const PLAN_PAUSE_SCOPE_PATTERN = new RegExp(`^plan:${PLAN_ID_PATTERN.source.slice(1)}`);

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

/** Validates untrusted input into a plan, or field-level errors ("action: action must be one of …"). */
export function parsePlan(input: unknown): PlanParseResult {
  const result = PlanSchema.safeParse(input);
  if (result.success) return { ok: true, plan: result.data };
  const errors = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(plan)',
    message: issue.path.length > 0 ? issue.message : 'a plan must be a JSON object',
  }));
  return { ok: false, errors };
}

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

export function isExecutable(plan: Plan): boolean {
  return plan.decision === 'EXECUTE';
}
