/**
 * Calls into a rate-limiter-flexible limiter, bounded in time, and the errors pacing reports.
 * rate-limiter-flexible rejects with a `RateLimiterRes` when a key is over its limit and with
 * an `Error` when its store fails; the two are told apart here, once.
 */
import { redisErrorWord } from '../coordination/redis-errors.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';

/** How often a waiter looks again while a lane's call is in flight on another instance, in ms. */
export const POLL_MS = 100;
/** How long one limiter call may take beyond the caller's deadline: a round trip is not waiting. */
const STORE_CALL_MS = 1000;

/** The outcome of consuming a point. */
export type Attempt = { ok: true } | { ok: false; msBeforeNext: number };

/** No slot came within `apiWaitMs`. */
export function waitExceeded(retryAfter: number): EgnyteAuthError {
  return new EgnyteAuthError('rate_limited', 'Too many Egnyte API calls for this user right now (Egnyte allows a few per second). Try again in a moment.', {
    retryAfter: Math.max(1, Math.ceil(retryAfter)),
  });
}

/** The key's daily count is used up. */
export function dailyExceeded(msBeforeNext: number): EgnyteAuthError {
  return new EgnyteAuthError('rate_limited', 'This user\'s daily Egnyte API quota is used up. Try again later.', {
    retryAfter: Math.max(1, Math.ceil(msBeforeNext / 1000)),
  });
}

/** The limiter's store failed or was too slow. */
export function storeFailed(): EgnyteAuthError {
  // The store's own error may quote a connection URL with its password: not attached.
  return new EgnyteAuthError('coordination_unavailable', 'The rate limiter\'s store (e.g. Redis) is unavailable. Try again in a moment.', { retryAfter: 5 });
}

/** Runs a limiter call, bounded by the deadline: a slow store must not hold the queue forever. */
export async function bounded<T>(run: () => Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(storeFailed()), Math.max(deadline - Date.now(), 0) + STORE_CALL_MS);
    timer.unref();
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Consumes a point: ok, or how long until the key frees. */
export async function attempt(run: () => Promise<unknown>, deadline: number): Promise<Attempt> {
  try {
    await bounded(run, deadline);
    return { ok: true };
  } catch (rejection) {
    if (rejection instanceof EgnyteAuthError) throw rejection;
    const msBeforeNext = (rejection as { msBeforeNext?: unknown })?.msBeforeNext;
    // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, an Error when its store fails.
    if (rejection instanceof Error || typeof msBeforeNext !== 'number') {
      // Only the first word of a Redis error (MOVED, NOPERM...) or the error's name: its message may quote keys or a URL.
      const message = String((rejection as Error | undefined)?.message ?? '');
      log.coordination('limiter call failed: %s', redisErrorWord(message) ?? (rejection as Error | undefined)?.name ?? typeof rejection);
      throw storeFailed();
    }
    return { ok: false, msBeforeNext };
  }
}

