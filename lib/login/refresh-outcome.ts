/**
 * What a login's token refresh ended with, as plain data the instances share through the
 * coordination backend (the `refreshes` flight), and how long such outcomes are shared. The
 * outcome carries no token: whoever needs the tokens reads them from the login's record.
 */
import type { EgnyteAuthErrorData } from '../errors/errors.js';

/** What a login's refresh ended with, as plain data shared across instances. */
export type RefreshOutcome =
  /** The record holds tokens of this version, fresh. */
  | { kind: 'refreshed'; version: number }
  /** Egnyte refused the refresh token, or the login ended, or (`unreadable`) its tokens do not decrypt: it is over. */
  | { kind: 'signed_out'; error: EgnyteAuthErrorData; unreadable?: true }
  /** Egnyte throttled or could not be reached; the login goes on. */
  | { kind: 'unavailable'; error: EgnyteAuthErrorData };

/** How long a settled flight is shared with requests that loaded the session before it was saved. */
export const RELOAD_GRACE_MS = 2000;

/** The longest a throttled or failed re-read holds back the login's next try. */
export const MAX_BACKOFF_MS = 5 * 60 * 1000;

/** How long a refresh's outcome is shared. Pure. */
export function refreshSharingMs(outcome: RefreshOutcome): number {
  return outcome.kind === 'refreshed' ? RELOAD_GRACE_MS : backoffMs(outcome);
}

/** How long a failed outcome holds back the next try: Egnyte's `Retry-After` (capped), else the grace. Pure. */
export function backoffMs(outcome: { kind: string; error: EgnyteAuthErrorData }): number {
  if (outcome.kind === 'unavailable' && outcome.error.retryAfter !== undefined) {
    return Math.min(outcome.error.retryAfter * 1000, MAX_BACKOFF_MS);
  }
  return RELOAD_GRACE_MS;
}
