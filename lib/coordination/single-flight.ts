/**
 * One upstream call per key at a time: concurrent callers share the first caller's promise.
 * A settled result stays shared for as long as `keepFor(result)` says: long enough that
 * requests which loaded the session before the first caller saved it do not start a second
 * call, and, for a throttled answer, until Egnyte's `Retry-After` has passed.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  /** @param keepFor How long (ms) a settled result is still shared; 0 forgets it at once. */
  constructor(private readonly keepFor: (result: T) => number) {}

  /** Runs `task` for `key`, or joins the call already under way (or still shared) for it. */
  run(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.flights.get(key);
    if (existing) return existing;
    const promise = task();
    this.flights.set(key, promise);
    const forgetAfter = (ms: number): void => {
      const forget = (): void => {
        if (this.flights.get(key) === promise) this.flights.delete(key);
      };
      if (ms <= 0) return forget();
      setTimeout(forget, ms).unref();
    };
    promise.then((result) => forgetAfter(this.keepFor(result)), () => forgetAfter(0));
    return promise;
  }

  /** Drops the entry for `key`, e.g. when its session logs out. */
  forget(key: string): void {
    this.flights.delete(key);
  }
}
