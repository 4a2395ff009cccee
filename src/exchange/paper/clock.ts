import { z } from 'zod';

/** A year either way: far more than any real skew; an epoch time passed as an offset is refused. */
const MAX_CLOCK_OFFSET_MS = 366 * 86_400_000;

export const clockOffsetSchema = z
  .number({ error: 'expected a whole number of milliseconds' })
  .int({ error: 'expected a whole number of milliseconds' })
  .min(-MAX_CLOCK_OFFSET_MS, { error: `expected at least ${-MAX_CLOCK_OFFSET_MS} (a year)` })
  .max(MAX_CLOCK_OFFSET_MS, { error: `expected at most ${MAX_CLOCK_OFFSET_MS} (a year)` });

/**
 * The exchange's own clock: the host clock plus a settable offset. A worker's clock is not the
 * exchange's; the offset lets tests and operators make the difference visible.
 */
export class PaperClock {
  #offsetMs: number;

  constructor(
    private readonly hostNow: () => number,
    offsetMs = 0,
  ) {
    this.#offsetMs = checkedOffset(offsetMs);
  }

  now(): number {
    return this.hostNow() + this.#offsetMs;
  }

  offsetMs(): number {
    return this.#offsetMs;
  }

  setOffset(ms: number): void {
    this.#offsetMs = checkedOffset(ms);
  }
}

function checkedOffset(ms: number): number {
  const result = clockOffsetSchema.safeParse(ms);
  if (!result.success) throw new RangeError(`clock offset ${ms}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  return result.data;
}
