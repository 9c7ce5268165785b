/**
 * rate-limiter-flexible's memory limiter without a timer per key. Its storage deletes each
 * record with a `setTimeout` for the record's window: one live timer per login for a day
 * with Egnyte's daily quota, so a busy process accumulates thousands. This storage keeps the
 * same records and answers, and expires them by timestamp: on access, and a few at a time as
 * records are written (see sweeper.ts). The limiter's logic stays the library's own.
 */
import { RateLimiterMemory, RateLimiterRes, type IRateLimiterOptions } from 'rate-limiter-flexible';
import { Sweeper } from './sweeper.js';

interface Entry {
  value: number;
  /** ms since epoch; `null`: never. */
  expiresAt: number | null;
}

const SWEEP_PER_WRITE = 8;

/** The storage interface RateLimiterMemory calls (`_memoryStorage`), without timers. */
class TimestampStorage {
  readonly _storage = new Map<string, Entry>();
  private readonly sweeper = new Sweeper(this._storage, (entry: Entry, now: number) => entry.expiresAt !== null && entry.expiresAt <= now, SWEEP_PER_WRITE);

  private live(key: string, now: number): Entry | undefined {
    const entry = this._storage.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= now) {
      this._storage.delete(key);
      return undefined;
    }
    return entry;
  }

  incrby(key: string, value: number, durationSec: number): RateLimiterRes {
    const now = Date.now();
    const entry = this.live(key, now);
    if (!entry) return this.set(key, value, durationSec);
    entry.value += value;
    return new RateLimiterRes(0, entry.expiresAt === null ? -1 : entry.expiresAt - now, entry.value, false);
  }

  set(key: string, value: number, durationSec: number): RateLimiterRes {
    const now = Date.now();
    const durationMs = durationSec * 1000;
    this._storage.set(key, { value, expiresAt: durationMs > 0 ? now + durationMs : null });
    this.sweeper.sweep(now);
    return new RateLimiterRes(0, durationMs === 0 ? -1 : durationMs, value, true);
  }

  get(key: string): RateLimiterRes | null {
    const now = Date.now();
    const entry = this.live(key, now);
    return entry ? new RateLimiterRes(0, entry.expiresAt === null ? -1 : entry.expiresAt - now, entry.value, false) : null;
  }

  delete(key: string): boolean {
    return this._storage.delete(key);
  }

  _restoreRecord(key: string, value: number, expiresAt: number | null): void {
    if (expiresAt !== null && (!Number.isFinite(expiresAt) || expiresAt <= Date.now())) return;
    this._storage.set(key, { value, expiresAt });
  }
}

/**
 * A RateLimiterMemory whose records expire by timestamp. Falls back to the library's own
 * storage (timers and all) if a future version no longer keeps it where this expects.
 */
export function timerFreeMemoryLimiter(options: IRateLimiterOptions): RateLimiterMemory {
  const limiter = new RateLimiterMemory(options);
  const internals = limiter as unknown as { _memoryStorage?: { incrby?: unknown } };
  if (typeof internals._memoryStorage?.incrby === 'function') internals._memoryStorage = new TimestampStorage() as unknown as typeof internals._memoryStorage;
  return limiter;
}
