/**
 * Egnyte's own pause of its token endpoint, kept for every instance. Past about 100 token
 * requests an hour for an API key, Egnyte answers 409 with `Retry-After` (EGNYTE.md, "Errors
 * and limits"). Until that time has passed, every further token request of the key (a code
 * exchange or a refresh, on any instance) would only be refused again and push the pause out:
 * so none is sent, and the caller gets the same answer Egnyte gave, `rate_limited` with the
 * time still to wait.
 *
 * The pause is one key of a limiter on the coordination backend (`coordination.limiter()`; in
 * Redis with `redisCoordination()`): `token-endpoint-pause:<hash of the clientId>`, blocked for
 * Egnyte's `Retry-After`.
 * - Who sets it: any instance whose token request Egnyte answered with a throttling answer;
 *   the latest answer wins (each is Egnyte's own word on when to come back).
 * - Who reads it: every code exchange and refresh, just before its request.
 * - When it ends: it expires by itself when the `Retry-After` has passed; nothing else ends it.
 * A backend that cannot be read or written is not a reason to refuse a sign-in: the request is
 * then sent as if there were no pause (Egnyte still refuses what it must).
 */
import { createHash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { EgnyteClientConfig } from './config.js';
import type { EgnyteCoordination } from '../coordination/types.js';
import { EgnyteAuthError, isEgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';

/** What the pause needs of the config. */
export type PauseConfig = Pick<EgnyteClientConfig, 'coordination' | 'clientId'>;

/** One limiter per backend: with the memory backend, each `limiter()` call counts on its own. */
const limiters = new WeakMap<EgnyteCoordination, RateLimiterAbstract>();

function limiterOf(coordination: EgnyteCoordination): RateLimiterAbstract {
  let limiter = limiters.get(coordination);
  if (!limiter) limiters.set(coordination, (limiter = coordination.limiter({ keyPrefix: 'token-endpoint-pause', points: 1, duration: 1 })));
  return limiter;
}

/** The key of an API key's pause: a short hash, so no clientId of any length or shape reaches the backend's keys. */
function keyOf(clientId: string): string {
  return createHash('sha256').update(clientId).digest('base64url').slice(0, 22);
}

function paused(seconds: number): EgnyteAuthError {
  return new EgnyteAuthError(
    'rate_limited',
    `Egnyte is throttling sign-ins to this app (too many requests to its sign-in service this hour). Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
    { retryAfter: seconds },
  );
}

/** Throws `rate_limited` (with the seconds left) while Egnyte's pause of the key runs. */
export async function assertTokenEndpointOpen(config: PauseConfig): Promise<void> {
  let left: number;
  try {
    const answer = await limiterOf(config.coordination).get(keyOf(config.clientId));
    left = answer && answer.consumedPoints > 1 ? answer.msBeforeNext : 0;
  } catch {
    log.upstream('token endpoint pause unreadable; sending the token request');
    return;
  }
  if (left > 0) throw paused(Math.max(1, Math.ceil(left / 1000)));
}

/**
 * Records Egnyte's pause when `err` is its throttling answer at the token endpoint (an answer
 * from Egnyte, with a `Retry-After`); anything else is left alone. Never throws.
 */
export async function notePause(config: PauseConfig, err: unknown): Promise<void> {
  if (!isEgnyteAuthError(err, 'rate_limited') || err.upstreamStatus === undefined || err.retryAfter === undefined) return;
  try {
    await limiterOf(config.coordination).block(keyOf(config.clientId), err.retryAfter);
    log.upstream('token endpoint throttled by Egnyte for %ds: no token request until then', err.retryAfter);
  } catch {
    log.upstream('token endpoint pause not recorded: the coordination backend failed');
  }
}
