/** Exit codes of permitctl: 0 ok, 1 other, 2 invalid input, usage or configuration, 3 not found. */
export const ExitCode = { ok: 0, other: 1, invalid: 2, notFound: 3 } as const;

/** An error meant for the operator: one line on stderr, no stack trace, a definite exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.other) {
    super(message);
    this.name = 'CliError';
  }
}
