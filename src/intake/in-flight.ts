// Bounds how many plan starts run at once and lets a stop wait for the ones under way.

export class InFlight {
  private readonly running = new Set<Promise<void>>();
  private readonly ids = new Set<string>();
  private waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.running.size;
  }

  get free(): number {
    return Math.max(0, this.limit - this.running.size);
  }

  /** True while the entry with this id is being handled (so a pending re-scan does not take it twice). */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Resolves once there is room for one more. */
  async slot(): Promise<void> {
    while (this.running.size >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Runs `task` for entry `id` in the background; call after `slot()`. */
  run(id: string, task: () => Promise<void>): void {
    this.ids.add(id);
    const promise: Promise<void> = task()
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(promise);
        this.ids.delete(id);
        const waiters = this.waiters;
        this.waiters = [];
        for (const wake of waiters) wake();
      });
    this.running.add(promise);
  }

  /** Resolves when everything started so far has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
