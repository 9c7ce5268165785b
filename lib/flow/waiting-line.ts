/**
 * A waiting line per key inside one process: callers of one key (one client's sign-ins) take
 * turns asking a shared question (is there room in the client's exchange budget?), oldest
 * first, so that one of them asks the coordination backend at a time instead of all of them
 * polling it, and none is passed over by later arrivals.
 *
 * State: one array of waiters per key with anyone waiting.
 * - Who is in it: every caller of {@link WaitingLine.run} for the key, from its call until it
 *   returns or throws; at most `maxWaiting` at once (more are refused at once).
 * - Who acts: only the first in line runs its attempt; it is woken by {@link WaitingLine.notify}
 *   (a turn was given back in this process) or by its own poll timer (turns given back on other
 *   instances), whichever comes first.
 * - When it ends: a caller leaves when its attempt answers, throws, or its wait runs out; the
 *   next one is then woken at once, and the key's array is dropped when empty. Nothing outlives
 *   the calls: no timer, no entry.
 */

interface Waiter {
  /** Wakes this waiter from its current nap, if it is napping. */
  wake?: () => void;
}

const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

/** What {@link WaitingLine.run} throws when it cannot go on. */
export interface LineRefusals {
  /** The line is full: `maxWaiting` callers wait already. */
  full(): Error;
  /** The caller waited `waitMs` without its attempt answering. */
  timedOut(): Error;
}

/** Waiting lines, one per key. */
export class WaitingLine {
  private readonly lines = new Map<string, Waiter[]>();

  constructor(private readonly maxWaiting: number) {}

  /** How many callers wait for `key` right now (the first included). */
  waiting(key: string): number {
    return this.lines.get(key)?.length ?? 0;
  }

  /** Wakes the first in line for `key`: something it waits for may have changed. */
  notify(key: string): void {
    this.lines.get(key)?.[0]?.wake?.();
  }

  /**
   * Runs `attempt` once this caller is first in line for `key`, and again after each
   * {@link notify} or poll interval, until it answers a value (returned) or throws (thrown), or
   * `waitMs` passes (`timedOut()` is thrown). `attempt(waited)` is told whether the caller has
   * waited before this try (it came to a line, or an earlier try found no room).
   */
  async run<T>(key: string, waitMs: number, attempt: (waited: boolean) => Promise<T | undefined>, refusals: LineRefusals): Promise<T> {
    let line = this.lines.get(key);
    if (!line) this.lines.set(key, (line = []));
    if (line.length >= this.maxWaiting) throw refusals.full();
    const me: Waiter = {};
    line.push(me);
    const deadline = Date.now() + waitMs;
    let waited = line.length > 1;
    try {
      while (line[0] !== me) {
        if (Date.now() >= deadline) throw refusals.timedOut();
        await nap(me, deadline - Date.now());
      }
      for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
        const value = await attempt(waited);
        if (value !== undefined) return value;
        waited = true;
        const left = deadline - Date.now();
        if (left <= 0) throw refusals.timedOut();
        await nap(me, Math.min(pause, left));
      }
    } finally {
      const at = line.indexOf(me);
      if (at !== -1) line.splice(at, 1);
      if (line.length === 0) {
        if (this.lines.get(key) === line) this.lines.delete(key);
      } else if (at === 0) {
        line[0]!.wake?.();
      }
    }
  }
}

/** Sleeps `ms`, or less when `waiter.wake()` is called. */
function nap(waiter: Waiter, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      waiter.wake = undefined;
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    waiter.wake = done;
  });
}
