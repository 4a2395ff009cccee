// The exchange's clock as seen from this worker: offset measured from the exchange's time endpoint,
// with the error bound the measurement allows (half the round trip).

export interface ClockReading {
  /** Exchange time minus worker time (ms). */
  offsetMs: number;
  /** How far the estimate of exchange time can be off (ms). */
  uncertaintyMs: number;
  /** Worker time of the measurement (ms). */
  measuredAt: number;
}

export interface ExchangeClockOptions {
  /** A reading older than this is measured again before use (ms). */
  maxAgeMs: number;
  /** Round trips per measurement; the tightest one is kept. */
  samples?: number;
  now?: () => number;
}

/** The exchange answers whole ms: its time may be up to 1 ms past what it says. */
const SERVER_TIME_RESOLUTION_MS = 1;
/** How far two quartz clocks may drift apart, per ms elapsed (100 ppm, a generous bound for NTP-less drift). */
const DRIFT_PER_MS = 100e-6;

export class ExchangeClock {
  #reading: ClockReading | null = null;
  #measuring: Promise<ClockReading> | null = null;
  readonly #now: () => number;

  constructor(
    private readonly serverTime: () => Promise<number>,
    private readonly opts: ExchangeClockOptions,
  ) {
    this.#now = opts.now ?? Date.now;
  }

  /**
   * The current reading, measured first when there is none or it is older than maxAgeMs; its uncertainty
   * grows with its age by the drift the two clocks may have had since (a step of the worker's wall clock
   * is not covered: the reading is measured again within maxAgeMs, and at once after a -1021).
   */
  async reading(): Promise<ClockReading> {
    const current = this.#reading;
    const age = current === null ? Infinity : this.#now() - current.measuredAt;
    if (current !== null && age >= 0 && age < this.opts.maxAgeMs) {
      return { ...current, uncertaintyMs: current.uncertaintyMs + Math.ceil(age * DRIFT_PER_MS) };
    }
    this.#measuring ??= this.#measure().finally(() => {
      this.#measuring = null;
    });
    return this.#measuring;
  }

  /** The exchange refused a timestamp (-1021): the next use measures again. */
  invalidate(): void {
    this.#reading = null;
  }

  async #measure(): Promise<ClockReading> {
    let best: ClockReading | null = null;
    for (let i = 0; i < (this.opts.samples ?? 3); i++) {
      const sent = this.#now();
      const server = await this.serverTime();
      const received = this.#now();
      const sample = {
        offsetMs: Math.round(server - (sent + received) / 2),
        uncertaintyMs: Math.ceil((received - sent) / 2) + SERVER_TIME_RESOLUTION_MS,
        measuredAt: received,
      };
      if (best === null || sample.uncertaintyMs < best.uncertaintyMs) best = sample;
    }
    this.#reading = best;
    return best!;
  }
}
