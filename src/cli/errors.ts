import type { PlanState } from '../domain/chain.js';

/**
 * Exit codes of permitctl: 0 ok, 1 other, 2 invalid input, usage or configuration, 3 not found; `submit
 * --wait` and `status` end with the plan's outcome: 0 EXECUTED, 10 DENIED, 11 EXPIRED, 12 FAILED,
 * 13 CANCELLED, 14 still RUNNING (status only); 15: an operator command was not carried out as asked (too
 * late: the plan's order reached the exchange first; or some plans of a scope refused it).
 */
export const ExitCode = { ok: 0, other: 1, invalid: 2, notFound: 3, denied: 10, expired: 11, failed: 12, cancelled: 13, running: 14, notAsAsked: 15 } as const;

const OUTCOME_EXIT_CODES: Record<PlanState, number> = {
  EXECUTED: ExitCode.ok,
  DENIED: ExitCode.denied,
  EXPIRED: ExitCode.expired,
  FAILED: ExitCode.failed,
  CANCELLED: ExitCode.cancelled,
  RUNNING: ExitCode.running,
};

/** The exit code a plan's outcome (or RUNNING) ends `submit --wait` and `status` with. */
export function exitCodeOfOutcome(state: PlanState): number {
  return OUTCOME_EXIT_CODES[state];
}

/** An error meant for the operator: one line on stderr, no stack trace, a definite exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.other) {
    super(message);
    this.name = 'CliError';
  }
}
