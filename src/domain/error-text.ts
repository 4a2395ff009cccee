/** The error's message with its causes ("Failed to start Workflow: 14 UNAVAILABLE: …"). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  return cause instanceof Error && !err.message.includes(cause.message) ? `${err.message}: ${errorText(cause)}` : err.message;
}
