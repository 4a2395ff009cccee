// Turns one stream entry's fields into a plan, or a field-level error. Two shapes are accepted:
//   1. the plan as JSON in one field named `plan` (or `payload`, or `data`), the others ignored;
//   2. the plan as flat fields (plan_id, symbol, action, kill_score, decision, timestamp), where the
//      numeric fields kill_score and timestamp arrive as strings ("0.5390") and are read as numbers.
// Validation itself is the one plan schema (src/domain/plan.ts), with the timestamp checked against the
// receiver's clock (`now`, epoch ms): a plan from the future is invalid like any other.
import { formatFieldErrors, parsePlan, type ParsePlanOptions, type Plan } from '../domain/plan.js';

export const JSON_PLAN_FIELDS = ['plan', 'payload', 'data'] as const;
const NUMERIC_FLAT_FIELDS = ['kill_score', 'timestamp'] as const;
const DECIMAL_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export type EntryFields = Record<string, string>;

export type ParsedEntry = { ok: true; plan: Plan } | { ok: false; error: string };

/** [k1, v1, k2, v2, …] as Redis returns it → { k1: v1, … } (a repeated field keeps its first value). */
export function fieldsFromPairs(pairs: readonly string[]): EntryFields {
  const fields: EntryFields = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const key = pairs[i]!;
    if (!(key in fields)) fields[key] = pairs[i + 1]!;
  }
  return fields;
}

export function fieldsToPairs(fields: EntryFields): string[] {
  return Object.entries(fields).flat();
}

function jsonPlanField(fields: EntryFields): string | undefined {
  return JSON_PLAN_FIELDS.find((name) => name in fields);
}

function parseJsonPlan(field: string, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: `${field}: not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** Flat fields are all strings on the wire: the numeric ones are read as numbers when they look like one. */
export function planFromFlatFields(fields: EntryFields): Record<string, unknown> {
  const plan: Record<string, unknown> = { ...fields };
  for (const name of NUMERIC_FLAT_FIELDS) {
    const raw = fields[name];
    if (raw !== undefined && DECIMAL_TEXT.test(raw.trim())) plan[name] = Number(raw.trim());
  }
  return plan;
}

export function parseEntry(fields: EntryFields, opts: ParsePlanOptions): ParsedEntry {
  const jsonField = jsonPlanField(fields);
  let candidate: unknown;
  if (jsonField !== undefined) {
    const json = parseJsonPlan(jsonField, fields[jsonField]!);
    if (!json.ok) return json;
    candidate = json.value;
  } else {
    candidate = planFromFlatFields(fields);
  }
  const parsed = parsePlan(candidate, opts);
  return parsed.ok ? parsed : { ok: false, error: formatFieldErrors(parsed.errors) };
}
