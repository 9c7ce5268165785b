/**
 * Re-reading a login from Egnyte when its cached user is stale: refresh an expired token
 * first, then read userinfo. The outcome is plain data, so concurrent requests of one session
 * can share it and each apply it to its own copy of the session.
 */
import type { ResolvedConfig } from '../config/options.js';
import { fetchEgnyteUser } from '../egnyte/api.js';
import { EgnyteAuthError } from '../errors/errors.js';
import type { ReloadOutcome } from '../runtime.js';
import { refreshTokens } from '../egnyte/token-client.js';
import type { EgnyteSessionData, EgnyteTokenSet } from '../types.js';

/** How long a settled reload is shared with the session's later requests, at most. */
export const RELOAD_GRACE_MS = 2000;
/** The longest a throttled or failed reload holds back the session's next try. */
export const MAX_BACKOFF_MS = 5 * 60 * 1000;

/**
 * How long a reload's outcome is shared with later requests of the same session. A fresh
 * user: the grace period, but never longer than the user stays fresh (`userCacheSeconds: 0`
 * re-reads on every request). Throttling or an unreachable Egnyte: until its `Retry-After`
 * has passed (capped), so the session does not hammer Egnyte; the cached user is served
 * meanwhile. Pure.
 */
export function reloadSharingMs(outcome: ReloadOutcome, userCacheMs: number): number {
  if (outcome.kind === 'fresh') return Math.min(RELOAD_GRACE_MS, userCacheMs);
  if (outcome.kind === 'unavailable' && outcome.error.retryAfter !== undefined) {
    return Math.min(outcome.error.retryAfter * 1000, MAX_BACKOFF_MS);
  }
  return RELOAD_GRACE_MS;
}

/** Tokens this close to expiry are refreshed before use. */
export const EXPIRY_SKEW_MS = 60_000;

/** True when the access token has expired (or will within the skew). Legacy tokens never expire. */
export function isExpired(tokens: EgnyteTokenSet, now: number): boolean {
  return tokens.expiresAt !== undefined && now >= tokens.expiresAt - EXPIRY_SKEW_MS;
}

/** True when the session's login can be served without asking Egnyte. */
export function isFresh(login: NonNullable<EgnyteSessionData['login']>, now: number, userCacheMs: number): boolean {
  return (
    login.user !== undefined &&
    login.userFetchedAt !== undefined &&
    now - login.userFetchedAt < userCacheMs &&
    now >= login.userFetchedAt &&
    !isExpired(login.tokens, now)
  );
}

/** Refreshes the token if needed and reads the user; never throws. */
export async function reloadLogin(config: ResolvedConfig, login: NonNullable<EgnyteSessionData['login']>): Promise<ReloadOutcome> {
  let tokens = login.tokens;
  try {
    if (isExpired(tokens, Date.now())) tokens = await refreshTokens(config, login.domain, tokens);
    const user = await fetchEgnyteUser(config, login.domain, tokens.accessToken);
    return { kind: 'fresh', tokens, user, fetchedAt: Date.now() };
  } catch (err) {
    const error = err instanceof EgnyteAuthError ? err : new EgnyteAuthError('upstream_error', 'Reading the user from Egnyte failed unexpectedly.');
    if (error.code === 'login_required' || error.code === 'developer_inactive') return { kind: 'signed_out', error };
    return { kind: 'unavailable', error, tokens };
  }
}
