/**
 * What a re-read or a refresh ended with, as plain data: instances share these through the
 * coordination backend, and each request applies them to its own view of the login. Neither
 * carries a token: tokens are read from the login's record by whoever uses one.
 */
import type { EgnyteAuthErrorData } from '../errors/errors.js';
import { RELOAD_GRACE_MS, backoffMs } from '../login/refresh-outcome.js';

export { RELOAD_GRACE_MS } from '../login/refresh-outcome.js';
import type { EgnyteUser } from '../types.js';

/** The userinfo re-read of a login. */
export type ReloadOutcome =
  /** The user as Egnyte answered now. */
  | { kind: 'fresh'; user: EgnyteUser; fetchedAt: number }
  /** The login is over (and was ended: refused by Egnyte, over by time, ended elsewhere, or its domain no longer allowed). */
  | { kind: 'signed_out'; error: EgnyteAuthErrorData }
  /** Egnyte throttled or could not be reached; the cached user may be served. */
  | { kind: 'unavailable'; error: EgnyteAuthErrorData };

/**
 * How long a re-read's outcome is shared. A fresh user: the grace period, but never longer
 * than the user stays fresh (`userCacheSeconds: 0` re-reads on every request). Throttling or
 * an unreachable Egnyte: until its `Retry-After` has passed (capped), so the login does not
 * hammer Egnyte; the cached user is served meanwhile. Pure.
 */
export function reloadSharingMs(outcome: ReloadOutcome, userCacheMs: number): number {
  if (outcome.kind === 'fresh') return Math.min(RELOAD_GRACE_MS, userCacheMs);
  return backoffMs(outcome);
}
