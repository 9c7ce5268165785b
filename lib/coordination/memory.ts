/**
 * `memoryCoordination()`: the coordination contract inside one process, the default. Every
 * operation is a synchronous Map step behind a promise, so each is atomic by construction.
 * Entries expire lazily on access and by a sweep of a few entries per write (see sweeper.ts).
 */
import type { RateLimiterMemory } from 'rate-limiter-flexible';
import { timerFreeMemoryLimiter } from './memory-limiter.js';
import { Sweeper } from './sweeper.js';
import type { ClaimAnswer, CompareAndSetAnswer, CoordinationLimiterOptions, EgnyteCoordination } from './types.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** How many entries one write may sweep for expiry, so no call pays for a huge backlog. */
const SWEEP_PER_WRITE = 8;

class MemoryCoordination implements EgnyteCoordination {
  readonly name = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper = new Sweeper(this.entries, (entry: Entry, now: number) => entry.expiresAt <= now, SWEEP_PER_WRITE);

  private read(key: string, now = Date.now()): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private write(key: string, value: string, ttlMs: number, now = Date.now()): void {
    this.entries.set(key, { value, expiresAt: now + ttlMs });
    this.sweeper.sweep(now);
  }

  /** Live and not yet swept entries: for tests of memory growth. */
  get size(): number {
    return this.entries.size;
  }

  async claim(lockKey: string, owner: string, ttlMs: number, resultKey?: string): Promise<ClaimAnswer> {
    const result = resultKey === undefined ? undefined : this.read(resultKey);
    if (result !== undefined) return { kind: 'result', value: result };
    if (this.read(lockKey) !== undefined) return { kind: 'held' };
    this.write(lockKey, owner, ttlMs);
    return { kind: 'acquired' };
  }

  async settle(lockKey: string, owner: string, resultKey: string, value: string, ttlMs: number): Promise<void> {
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
 * egnyteAuth({ ...options, coordination: memoryCoordination() });
 * ```
 */
export function memoryCoordination(): EgnyteCoordination & { readonly size: number } {
  return new MemoryCoordination();
}
