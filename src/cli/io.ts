import { readFileSync } from 'node:fs';
import { formatFieldErrors, parsePlan, type Plan } from '../domain/plan.js';
import { CliError, ExitCode } from './errors.js';

export function readPlanInput(source: string): Plan {
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${source === '-' ? 'standard input' : source}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, ExitCode.invalid);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(`invalid plan: not JSON (${(err as Error).message})`, ExitCode.invalid);
  }
  const parsed = parsePlan(json, { now: Date.now() });
  if (!parsed.ok) throw new CliError(`invalid plan: ${formatFieldErrors(parsed.errors)}`, ExitCode.invalid);
  return parsed.plan;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
