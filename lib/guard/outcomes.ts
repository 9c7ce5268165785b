/**
 * What a re-read or a refresh ended with, as plain data: instances share these through the
 * coordination backend, and each request applies them to its own view of the login. Neither
 * carries a token: tokens are read from the login's record by whoever uses one.
 */
import type { EgnyteAuthErrorData } from '../errors/errors.js';
import type { RefreshOutcome } from '../login/refresh.js';
import type { EgnyteUser } from '../types.js';

/** The userinfo re-read of a login. */
export type ReloadOutcome =
  /** The user as Egnyte answered now. */
  | { kind: 'fresh'; user: EgnyteUser; fetchedAt: number }
  /** The login is over (and was ended: refused by Egnyte, over by time, ended elsewhere, or its domain no longer allowed). */
  | { kind: 'signed_out'; error: EgnyteAuthErrorData }
  /** Egnyte throttled or could not be reached; the cached user may be served. */
  | { kind: 'unavailable'; error: EgnyteAuthErrorData };

/** How long a settled flight is shared with requests that loaded the session before it was saved. */
export const RELOAD_GRACE_MS = 2000;
/** The longest a throttled or failed re-read holds back the login's next try. */
export const MAX_BACKOFF_MS = 5 * 60 * 1000;

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

/** How long a refresh's outcome is shared. Pure. */
export function refreshSharingMs(outcome: RefreshOutcome): number {
  return outcome.kind === 'refreshed' ? RELOAD_GRACE_MS : backoffMs(outcome);
}

function backoffMs(outcome: { kind: string; error: EgnyteAuthErrorData }): number {
  if (outcome.kind === 'unavailable' && outcome.error.retryAfter !== undefined) {
    return Math.min(outcome.error.retryAfter * 1000, MAX_BACKOFF_MS);
  }
  return RELOAD_GRACE_MS;
}
