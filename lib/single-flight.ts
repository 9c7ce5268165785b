/**
 * One upstream call per key at a time: concurrent callers share the first caller's promise.
 * The settled result stays for a short grace period so that requests which loaded the
 * session before the first caller saved it do not start a second call.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  constructor(private readonly graceMs: number) {}

  /** Runs `task` for `key`, or joins the call already under way (or just settled) for it. */
  run(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.flights.get(key);
    if (existing) return existing;
    const promise = task();
    this.flights.set(key, promise);
    const forget = (): void => {
      const timer = setTimeout(() => {
        if (this.flights.get(key) === promise) this.flights.delete(key);
      }, this.graceMs);
      timer.unref();
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Drops the entry for `key`, e.g. when its session logs out. */
  forget(key: string): void {
    this.flights.delete(key);
  }

  /** Number of keys tracked now (for tests and benchmarks). */
  get size(): number {
    return this.flights.size;
  }
}
