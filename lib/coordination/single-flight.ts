/**
 * One call per key at a time inside this process: concurrent callers share the first
 * caller's promise. A settled result stays shared for as long as `keepFor(result)` says.
 * Expiry is a timestamp checked on use, not a timer, so nothing outlives the requests that
 * made a flight; stale entries are swept a few at a time as new flights start (sweeper.ts).
 */
import { Sweeper } from './sweeper.js';

interface Flight<T> {
  promise: Promise<T>;
  /** When the settled result stops being shared; `Infinity` while the call runs. */
  keepUntil: number;
}

const SWEEP_PER_RUN = 8;

export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();
  private readonly sweeper = new Sweeper(this.flights, (flight: Flight<T>, now: number) => flight.keepUntil <= now, SWEEP_PER_RUN);

  /** @param keepFor How long (ms) a settled result is still shared; 0 forgets it at once. */
  constructor(private readonly keepFor: (result: T) => number) {}

  /** Runs `task` for `key`, or joins the call already under way (or still shared) for it. */
  run(key: string, task: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const existing = this.flights.get(key);
    if (existing && existing.keepUntil > now) return existing.promise;
    this.sweeper.sweep(now);
    const flight: Flight<T> = { promise: task(), keepUntil: Infinity };
    this.flights.set(key, flight);
    flight.promise.then(
      (result) => this.settled(key, flight, this.keepFor(result)),
      () => this.settled(key, flight, 0),
    );
    return flight.promise;
  }

  /** Drops the entry for `key`, e.g. when its login ends. */
  forget(key: string): void {
    this.flights.delete(key);
  }

  /** Entries held, running or shared: for tests of memory growth. */
  get size(): number {
    return this.flights.size;
  }

  private settled(key: string, flight: Flight<T>, keepMs: number): void {
    if (this.flights.get(key) !== flight) return;
    if (keepMs <= 0) this.flights.delete(key);
    else flight.keepUntil = Date.now() + keepMs;
  }
}
