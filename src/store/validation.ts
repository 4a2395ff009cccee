import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { PLAN_ID_PATTERN } from '../domain/plan.js';

/** Malformed input to the store: nothing was written. `issues` names each offending field. */
export class StoreInputError extends Error {
  override readonly name = 'StoreInputError';
  constructor(
    readonly operation: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(`invalid input to ${operation}: ${issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('; ')}`);
  }
}

export function parseInput<S extends z.ZodType>(operation: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new StoreInputError(
    operation,
    result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export const decimalString = z
  .string()
  .max(64)
  .regex(DECIMAL, 'must be a plain decimal string like "0.062" (no exponent, NaN or Infinity)');
/**
 * A decimal given as text, or as a JSON number by a plan whose history predates decimal text (its recorded
 * permits hold numbers): the canonical text either way.
 */
export const recordedDecimal = z.union([decimalString, z.number().finite()]).transform((v) => new Decimal(v).toFixed());
export const positiveDecimal = decimalString.refine((v) => new Decimal(v).gt(0), 'must be greater than 0');
export const nonNegativeDecimal = decimalString.refine((v) => new Decimal(v).gte(0), 'must not be negative');

/** Exchange-native symbols as in the plans: BTCUSDT. */
export const symbol = z.string().regex(/^[A-Z0-9]{2,30}$/, 'must be an exchange symbol like BTCUSDT (A-Z, 0-9)');
export const planId = z.string().regex(PLAN_ID_PATTERN, 'must be a plan id (1-32 characters of A-Z a-z 0-9 _ -)');
export const venue = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be a venue id like "paper" or "binanceusdm"');
export const text = z.string().trim().min(1, 'must not be empty').max(1000);
export const optionalText = text.nullable().optional().transform((v) => v ?? null);
export const isoTimestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp' });

export const venueSymbol = z.object({ venue, symbol });
