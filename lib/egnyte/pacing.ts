/**
 * Pacing Egnyte API calls to Egnyte's per-token limits (2 calls per second, 1,000 per day by
 * default), with rate-limiter-flexible limiters so the counts are shared wherever the
 * limiter's store is (one process with `RateLimiterMemory`, every instance with
 * `RateLimiterRedis`).
 *
 * Why "lanes" and not one limiter of 2 points per second: rate-limiter-flexible counts in
 * fixed windows, and two windows back to back let 4 calls through within a few milliseconds,
 * which Egnyte's sliding one-second window refuses. Instead a key has `perSecond` lanes, each
 * a limiter key worth one call. A lane is taken before the call and, once Egnyte's answer (or
 * a failure) arrives, kept for one more second. Egnyte received the request before it
 * answered, so two calls on one lane arrive at least a second apart *as Egnyte sees them*,
 * whatever the network's delays: never more than `perSecond` calls in any one-second window.
 * The price is one round trip per lane per second of throughput, a few percent.
 *
 * Waiting is bounded (`apiWaitMs`) and fair within a process: callers of one key queue up, and
 * only the first polls the limiter.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { timerFreeMemoryLimiter } from '../coordination/memory-limiter.js';
import type { CoordinationLimiterOptions } from '../coordination/types.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { attempt, bounded, dailyExceeded, POLL_MS, storeFailed, waitExceeded } from './limiter-calls.js';

/**
 * Makes a rate-limiter-flexible limiter. Same contract as `EgnyteCoordination.limiter`, so a
 * coordination backend's `limiter` can be passed as is.
 */
export type EgnyteLimiterFactory = (options: CoordinationLimiterOptions) => RateLimiterAbstract;

/** The default factory: counts kept in this process only. */
export const memoryLimiter: EgnyteLimiterFactory = (options) => timerFreeMemoryLimiter(options);

/** Options of {@link createEgnytePacer}. */
export interface EgnytePacerOptions {
  /** Where the counts live. Default {@link memoryLimiter} (this process only). */
  limiter?: EgnyteLimiterFactory;
  /** Calls per second per token. Default `2`, Egnyte's default. */
  perSecond?: number;
  /** Calls per day per token; `0` turns the daily count off. Default `1000`, Egnyte's default. */
  perDay?: number;
  /** Longest wait for a slot, in ms; past it the call fails with `rate_limited`. Default `10000`. */
  apiWaitMs?: number;
  /** Namespace of the limiter keys. Default `'egnyte-api'`. */
  keyPrefix?: string;
}

/** A taken slot: release it once Egnyte's answer (or a failure) has arrived. */
export interface PaceSlot {
  /**
   * Starts the lane's one-second pause. With `sent: false` (the request never left, e.g. a
   * refused path) the lane is free at once and the daily point is given back. Idempotent;
   * never throws.
   */
  release(sent?: boolean): void;
}

/** What {@link EgnytePacer.acquire} needs besides the key. */
export interface AcquireOptions {
  /** Give up at this time (ms since epoch) with `rate_limited`. */
  deadline: number;
  /** Longest the call may hold its lane (a crashed holder frees it after this), in ms. */
  holdMs: number;
  /** Stops waiting, rejecting with the signal's reason. */
  signal?: AbortSignal | null;
  /**
   * The key has never been used (a token Egnyte has just issued, known to this caller only):
   * none of its calls can be in flight or waiting, so the slot is given at once, without
   * asking the limiter. The call pauses its lane after it like any other; it is the one call
   * of the key not counted against the day.
   */
  firstUse?: boolean;
}

/** Paces calls per key (one key per token or login). Make one per app and share it. */
export interface EgnytePacer {
  /** Calls per second per key. */
  readonly perSecond: number;
  /** Calls per day per key (`0`: not counted). */
  readonly perDay: number;
  /** Longest wait for a slot, in ms. */
  readonly apiWaitMs: number;
  /**
   * Waits for a slot for `key`. Rejects with `rate_limited` (and `retryAfter`) when none comes
   * by the deadline or the daily count is used up, `coordination_unavailable` when the
   * limiter's store fails.
   */
  acquire(key: string, options: AcquireOptions): Promise<PaceSlot>;
}

const DAY_SECONDS = 86_400;

interface Waiter {
  readonly options: AcquireOptions;
  settled: boolean;
  /**
   * True while the pump is asking the limiter for this waiter: its deadline bounds the wait for a
   * busy lane, not that round trip, so `apiWaitMs: 0` still gets a free lane (takeLane decides).
   */
  serving: boolean;
  resolve(slot: PaceSlot): void;
  reject(error: unknown): void;
}

interface KeyQueue {
  readonly waiters: Waiter[];
  readonly wakers: Set<() => void>;
  pumping: boolean;
}

function positiveInteger(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new EgnyteAuthError('invalid_config', `${name} must be an integer >= ${min}; got ${JSON.stringify(value)}.`, {
      problems: [`${name} must be an integer >= ${min}`],
    });
  }
  return value;
}

/**
 * Makes a pacer. One per app (per `egnyteAuth()`), shared by every client it makes.
 *
 * @example
 * ```ts
 * import { RateLimiterRedis } from 'rate-limiter-flexible';
 * import { createClient } from 'redis';
 * import { createEgnytePacer } from 'express-egnyte-auth';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const pacer = createEgnytePacer({ limiter: (o) => new RateLimiterRedis({ storeClient: redis, useRedisPackage: true, ...o }) });
 * ```
 */
export function createEgnytePacer(options: EgnytePacerOptions = {}): EgnytePacer {
  const perSecond = positiveInteger('perSecond', options.perSecond, 2, 1);
  const perDay = positiveInteger('perDay', options.perDay, 1000, 0);
  const apiWaitMs = positiveInteger('apiWaitMs', options.apiWaitMs, 10_000, 0);
  const factory = options.limiter ?? memoryLimiter;
  const prefix = options.keyPrefix ?? 'egnyte-api';
  const lanes = factory({ keyPrefix: `${prefix}:qps`, points: 1, duration: 1 });
  const daily = perDay > 0 ? factory({ keyPrefix: `${prefix}:day`, points: perDay, duration: DAY_SECONDS }) : undefined;
  const queues = new Map<string, KeyQueue>();

  function wake(key: string): void {
    for (const waker of [...(queues.get(key)?.wakers ?? [])]) waker();
  }

  function sleep(queue: KeyQueue, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        queue.wakers.delete(done);
        resolve();
      };
      // Not unref'd: a script awaiting a paced call has nothing else keeping Node alive.
      const timer = setTimeout(done, ms);
      queue.wakers.add(done);
    });
  }

  function slotFor(key: string, laneKey: string): PaceSlot {
    let released = false;
    return {
      release(sent = true): void {
        if (released) return;
        released = true;
        if (!sent) void daily?.reward(key, 1).catch(() => undefined);
        // A failure here only leaves the lane held until its hold time runs out.
        (sent ? lanes.set(laneKey, 1, 1) : lanes.delete(laneKey)).then(
          () => wake(key),
          () => log.upstream('pacing: could not release a lane; it frees itself after its hold time'),
        );
      },
    };
  }

  /** Takes a free lane for the queue's head, or answers undefined once the head gave up. */
  async function takeLane(key: string, queue: KeyQueue, waiter: Waiter): Promise<string | undefined> {
    const holdSeconds = Math.ceil(waiter.options.holdMs / 1000) + 1;
    for (;;) {
      if (waiter.settled) return undefined;
      let soonest = Number.POSITIVE_INFINITY;
      for (let lane = 0; lane < perSecond; lane++) {
        const laneKey = `${key}:${lane}`;
        const result = await attempt(() => lanes.consume(laneKey, 1, { customDuration: holdSeconds }), waiter.options.deadline);
        if (result.ok) return laneKey;
        soonest = Math.min(soonest, result.msBeforeNext);
      }
      // A lane whose call is still in flight (possibly on another instance) reports its hold
      // time, not when it frees: look again soon. A lane in its one-second pause says exactly.
      const pause = soonest > 1000 ? POLL_MS : Math.max(soonest, 1);
      // Every lane is busy: waiting is what the deadline bounds.
      if (Date.now() + pause > waiter.options.deadline) throw waitExceeded(Math.min(soonest, 1000) / 1000);
      await sleep(queue, pause);
    }
  }

  async function serve(key: string, queue: KeyQueue, waiter: Waiter): Promise<void> {
    waiter.serving = true;
    try {
      await serveHead(key, queue, waiter);
    } finally {
      waiter.serving = false;
    }
  }

  /** Gives the queue's head a lane and a day's point, or rejects it. */
  async function serveHead(key: string, queue: KeyQueue, waiter: Waiter): Promise<void> {
    const laneKey = await takeLane(key, queue, waiter);
    if (laneKey === undefined) return;
    if (daily) {
      const result = await attempt(() => daily.consume(key, 1), waiter.options.deadline);
      if (!result.ok) {
        await lanes.delete(laneKey).catch(() => undefined);
        throw dailyExceeded(result.msBeforeNext);
      }
    }
    if (waiter.settled) {
      // The caller gave up meanwhile: no call is made, so the lane and the day's point are free again.
      if (daily) await daily.reward(key, 1).catch(() => undefined);
      await lanes.delete(laneKey).catch(() => undefined);
      wake(key);
      return;
    }
    waiter.settled = true;
    waiter.resolve(slotFor(key, laneKey));
  }

  async function pump(key: string, queue: KeyQueue): Promise<void> {
    queue.pumping = true;
    while (queue.waiters.length > 0) {
      const waiter = queue.waiters[0] as Waiter;
      if (!waiter.settled) {
        try {
          await serve(key, queue, waiter);
        } catch (err) {
          if (!waiter.settled) {
            waiter.settled = true;
            waiter.reject(err);
          }
        }
      }
      queue.waiters.shift();
    }
    queue.pumping = false;
    if (queues.get(key) === queue) queues.delete(key);
  }

  async function dailyUsedUp(key: string, deadline: number): Promise<EgnyteAuthError | undefined> {
    if (!daily) return undefined;
    const current = await bounded(() => daily.get(key), deadline).catch((err: unknown) => {
      throw err instanceof EgnyteAuthError ? err : storeFailed();
    });
    return current && current.consumedPoints >= perDay ? dailyExceeded(current.msBeforeNext) : undefined;
  }

  /**
   * A key nobody has used: its first call needs no wait, and is not counted against the day.
   * That leaves out at most one call per token (Egnyte refuses the 1,001st as it would any
   * over the day, which the client reports as `rate_limited`), where counting it made a record
   * per sign-in, kept for a day, for the many logins that never call the API themselves.
   */
  function firstSlot(key: string): PaceSlot {
    return slotFor(key, `${key}:0`);
  }

  async function acquire(key: string, options: AcquireOptions): Promise<PaceSlot> {
    options.signal?.throwIfAborted();
    if (options.firstUse) return firstSlot(key);
    // Fail fast: nobody should wait seconds in the queue for a day's quota that is gone.
    const usedUp = await dailyUsedUp(key, options.deadline);
    if (usedUp) throw usedUp;
    let queue = queues.get(key);
    if (!queue) {
      queue = { waiters: [], wakers: new Set(), pumping: false };
      queues.set(key, queue);
    }
    const q = queue;
    return new Promise<PaceSlot>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        options,
        settled: false,
        serving: false,
        resolve: (slot) => (finish(), resolve(slot)),
        reject: (error) => (finish(), reject(error)),
      };
      const giveUp = (error: unknown): void => {
        if (waiter.settled) return;
        waiter.settled = true;
        waiter.reject(error);
        wake(key);
      };
      const onAbort = (): void => giveUp(options.signal?.reason);
      const timer = setTimeout(() => {
        // Being served: takeLane answers once it knows whether a lane is free.
        if (waiter.serving) return;
        // An estimate for Retry-After: the callers ahead, served `perSecond` a second.
        const ahead = q.waiters.indexOf(waiter);
        giveUp(waitExceeded((Math.max(ahead, 0) + 1) / perSecond));
      }, Math.max(options.deadline - Date.now(), 0));
      timer.unref();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      q.waiters.push(waiter);
      if (!q.pumping) void pump(key, q);
    });
  }

  return { perSecond, perDay, apiWaitMs, acquire };
}
