/**
 * The coordination contract: the few atomic operations every instance of an app needs to
 * agree on a login's lifecycle. `memoryCoordination()` (one process, the default) and
 * `redisCoordination()` (many instances) implement it, and one contract suite
 * (`spec/coordination/contract.spec.ts`) runs against both. Everything built on it (state
 * consumed once, cross-instance single-flight, tombstones, versioned token records, limiters)
 * lives in shared code, so the two backends cannot drift apart in behaviour.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** What {@link EgnyteCoordination.claim} found. */
export type ClaimAnswer =
  /** A settled result is already shared under the result key: use it. */
  | { kind: 'result'; value: string }
  /** The caller now holds the lock, until it settles or `ttlMs` passes. */
  | { kind: 'acquired' }
  /** Another caller holds the lock: wait, then claim again. */
  | { kind: 'held' };

/** What {@link EgnyteCoordination.compareAndSet} did. */
export type CompareAndSetAnswer = { ok: true } | { ok: false; current: string | undefined };

/** Options of a rate limiter made by {@link EgnyteCoordination.limiter}. */
export interface CoordinationLimiterOptions {
  /** Namespace of the limiter's keys. */
  keyPrefix: string;
  /** How many points (calls) a key may spend per window. */
  points: number;
  /** The window, in seconds. */
  duration: number;
}

/**
 * The atomic operations behind a login's lifecycle. Keys are plain strings, every one named in
 * `coordination/keys.ts`; the implementation adds its own prefix. Every operation may reject
 * (the backend is down or slow); callers turn that into `coordination_unavailable`.
 *
 * **One slot per operation.** An operation that takes several keys (`claim` and `settle`:
 * a lock and a result) may only take keys that share a hash tag (`{...}`, Redis Cluster's
 * rule: the keys of one script must hash to one slot, and only the tag is hashed when there is
 * one); `flightKeys()` makes such pairs. Every backend refuses other keys with `invalid_config`
 * before doing anything, memory included, so a new operation that breaks the rule fails its
 * first test rather than a cluster in production. A new operation should take one key; if it
 * must take several, the same rule holds and its backends check it with `assertOneSlot`.
 * Single-key operations take any key.
 */
export interface EgnyteCoordination {
  /** `'memory'`, `'redis'`, or another backend's name: for logs. */
  readonly name: string;
  /**
   * Atomically: when `resultKey` holds a value, answers it; else takes `lockKey` for
   * `owner` for `ttlMs` if nobody holds it; else answers `held`. `lockKey` and `resultKey`
   * share a hash tag (see above).
   */
  claim(lockKey: string, owner: string, ttlMs: number, resultKey?: string): Promise<ClaimAnswer>;
  /**
   * Atomically: stores `value` under `resultKey` for `ttlMs` (nothing when `ttlMs` is 0) and
   * releases `lockKey` if `owner` still holds it. `lockKey` and `resultKey` share a hash tag.
   */
  settle(lockKey: string, owner: string, resultKey: string, value: string, ttlMs: number): Promise<void>;
  /** The value under `key`, or `undefined`. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttlMs`, whatever was there. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Removes `key`. */
  delete(key: string): Promise<void>;
  /**
   * Atomically: stores `value` under `key` for `ttlMs`, whatever was there, and answers what
   * was there (`undefined`: nothing). One step, so of N concurrent swaps to the same value
   * exactly one learns the value before it (how a login is ended once).
   */
  swap(key: string, value: string, ttlMs: number): Promise<string | undefined>;
  /**
   * Atomically: stores `next` under `key` for `ttlMs` when `key` holds exactly `expected`
   * (`undefined`: when it holds nothing); else answers what it holds.
   */
  compareAndSet(key: string, expected: string | undefined, next: string, ttlMs: number): Promise<CompareAndSetAnswer>;
  /** A rate-limiter-flexible limiter whose counts are shared wherever this backend is. */
  limiter(options: CoordinationLimiterOptions): RateLimiterAbstract;
}
