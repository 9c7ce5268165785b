/**
 * `memoryCoordination()`: the coordination contract inside one process, the default. Every
 * operation is a synchronous Map step behind a promise, so each is atomic by construction.
 * Entries expire lazily on access and by a sweep of a few entries per write (see sweeper.ts).
 *
 * An entry is one flat string, its expiry before the value: a login's record lives a day, so
 * its overhead counts per signed-in user. An `{ value, expiresAt }` object with its boxed
 * number, and the ropes `JSON.stringify` and template literals build, cost more again than the
 * value's own characters (spec/coordination/memory-expiry.spec.ts measures it).
 */
import type { RateLimiterMemory } from 'rate-limiter-flexible';
import { assertOneSlot } from './keys.js';
import { timerFreeMemoryLimiter } from './memory-limiter.js';
import { Sweeper } from './sweeper.js';
import type { ClaimAnswer, CompareAndSetAnswer, CoordinationLimiterOptions, EgnyteCoordination } from './types.js';

/** `<expiresAt in base 36> <value>`. */
type Entry = string;

let _flatSink = 0;

/**
 * The same string, made flat: V8 keeps a concatenated string as a tree of its parts until
 * something reads it whole, and converting to a number is such a read. The result is kept so
 * an optimising compiler cannot drop the conversion.
 */
function flat(value: string): string {
  _flatSink ^= Number(value) | 0;
  return value;
}

function entry(value: string, expiresAt: number): Entry {
  return flat(`${expiresAt.toString(36)} ${value}`);
}

function expiresAt(entry: Entry): number {
  return parseInt(entry.slice(0, entry.indexOf(' ')), 36);
}

function valueOf(entry: Entry): string {
  return entry.slice(entry.indexOf(' ') + 1);
}

/** How many entries one write may sweep for expiry, so no call pays for a huge backlog. */
const SWEEP_PER_WRITE = 8;

class MemoryCoordination implements EgnyteCoordination {
  readonly name = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper = new Sweeper(this.entries, (stored: Entry, now: number) => expiresAt(stored) <= now, SWEEP_PER_WRITE);

  private read(key: string, now = Date.now()): string | undefined {
    const stored = this.entries.get(key);
    if (stored === undefined) return undefined;
    if (expiresAt(stored) <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return valueOf(stored);
  }

  private write(key: string, value: string, ttlMs: number, now = Date.now()): void {
    this.entries.set(flat(key), entry(value, now + ttlMs));
    this.sweeper.sweep(now);
  }

  /** Live and not yet swept entries: for tests of memory growth. */
  get size(): number {
    return this.entries.size;
  }

  async claim(lockKey: string, owner: string, ttlMs: number, resultKey?: string): Promise<ClaimAnswer> {
    // Checked here too, where most tests run, so a layout Redis Cluster refuses fails early.
    if (resultKey !== undefined) assertOneSlot('claim', [lockKey, resultKey]);
    const result = resultKey === undefined ? undefined : this.read(resultKey);
    if (result !== undefined) return { kind: 'result', value: result };
    if (this.read(lockKey) !== undefined) return { kind: 'held' };
    this.write(lockKey, owner, ttlMs);
    return { kind: 'acquired' };
  }

  async settle(lockKey: string, owner: string, resultKey: string, value: string, ttlMs: number): Promise<void> {
    assertOneSlot('settle', [lockKey, resultKey]);
    if (ttlMs > 0) this.write(resultKey, value, ttlMs);
    if (this.read(lockKey) === owner) this.entries.delete(lockKey);
  }

  async get(key: string): Promise<string | undefined> {
    return this.read(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async swap(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const previous = this.read(key);
    this.write(key, value, ttlMs);
    return previous;
  }

  async compareAndSet(key: string, expected: string | undefined, next: string, ttlMs: number): Promise<CompareAndSetAnswer> {
    const current = this.read(key);
    if (current !== expected) return { ok: false, current };
    this.write(key, next, ttlMs);
    return { ok: true };
  }

  limiter(options: CoordinationLimiterOptions): RateLimiterMemory {
    return timerFreeMemoryLimiter({ keyPrefix: options.keyPrefix, points: options.points, duration: options.duration });
  }
}

/**
 * Coordination inside one process: the default of `egnyteAuth()`. Correct for a single
 * instance; with several instances behind a load balancer use `redisCoordination()`.
 *
 * @example
 * ```ts
 * import { egnyteAuth, memoryCoordination } from 'express-egnyte-auth';
 *
 * app.use(egnyteAuth({ ...options, coordination: memoryCoordination() })); // the default: one process
 * ```
 */
export function memoryCoordination(): EgnyteCoordination & { readonly size: number } {
  return new MemoryCoordination();
}
