/**
 * Refreshing a login's tokens: once per login across every instance (the `refreshes` flight),
 * against its record. The outcome carries no token, only the version the record now holds:
 * whoever needs the tokens reads them from the record, so no token is ever shared elsewhere.
 *
 * The races it settles:
 * - another instance refreshed first (the record's version moved on): its tokens are used, not
 *   refreshed again, and a refusal of ours then is not the end of the login (rotating refresh
 *   tokens: the loser of two refreshes holds a spent one);
 * - the login ended while Egnyte was answering (a logout on another tab or instance): the new
 *   tokens are revoked at once, since nobody can ever use them;
 * - a request of the user touched the record meanwhile: the new tokens are written over the newer
 *   value (record.ts retries its compare-and-set), the touch is kept.
 */
import { refreshTokens } from '../egnyte/token-client.js';
import { type EgnyteAuthErrorData, EgnyteAuthError, asEgnyteAuthError, errorToData } from '../errors/errors.js';
import type { Logins } from './logins.js';
import type { EgnyteTokenSet } from '../session/types.js';
import { revokeTokens } from './end.js';
import type { LiveLogin } from './record.js';
import type { RefreshOutcome } from './refresh-outcome.js';

/** Tokens this close to expiry are refreshed before use. */
export const EXPIRY_SKEW_MS = 60_000;

/** True when the access token has expired (or will within the skew). Legacy tokens never expire. Pure. */
export function isExpired(tokens: EgnyteTokenSet, now: number): boolean {
  return tokens.expiresAt !== undefined && now >= tokens.expiresAt - EXPIRY_SKEW_MS;
}

/** The login is over, as the error its callers report. */
export function loginEnded(): EgnyteAuthError {
  return new EgnyteAuthError('login_required', 'This sign-in has ended (signed out, expired or replaced). Sign in again.');
}

const SIGNED_OUT: RefreshOutcome = Object.freeze({ kind: 'signed_out', error: errorToData(loginEnded()) });
const UNREADABLE: RefreshOutcome = Object.freeze({ kind: 'signed_out', error: errorToData(loginEnded()), unreadable: true });

/** An error from Egnyte as an outcome: a refused token is the end, anything else a pause. */
export function outcomeOfError(err: unknown, fallback: string): { kind: 'signed_out' | 'unavailable'; error: EgnyteAuthErrorData } {
  const error = asEgnyteAuthError(err, fallback);
  const over = error.code === 'login_required' || error.code === 'developer_inactive' || error.code === 'domain_not_allowed';
  return { kind: over ? 'signed_out' : 'unavailable', error: errorToData(error) };
}

/**
 * Refreshes the login's tokens, unless the record already holds newer ones than `seen` (the
 * live login as the caller read it). See the module comment for the races.
 */
export async function refreshLogin(logins: Logins, loginId: string, seen: LiveLogin): Promise<RefreshOutcome> {
  const { records, seal, config } = logins;
  const state = await records.read(loginId);
  if (state.kind !== 'live') return SIGNED_OUT;
  const current = state.login;
  let held: EgnyteTokenSet;
  try {
    held = seal.open({ loginId, domain: current.domain }, current.tokens);
  } catch {
    // The caller ends the login (`token_unreadable`); the value itself is never logged.
    return UNREADABLE;
  }
  if (current.version > seen.version && !isExpired(held, Date.now())) return { kind: 'refreshed', version: current.version };
  let tokens: EgnyteTokenSet;
  try {
    tokens = await refreshTokens(config, current.domain, held);
  } catch (err) {
    const outcome = outcomeOfError(err, 'Refreshing the Egnyte sign-in failed unexpectedly.');
    if (outcome.kind === 'signed_out') {
      const after = await records.read(loginId);
      if (after.kind === 'live' && after.login.version > current.version) return { kind: 'refreshed', version: after.login.version };
    }
    return outcome;
  }
  const sealed = seal.seal({ loginId, domain: current.domain }, tokens);
  const after = await records.update(loginId, (live) => (live.version === current.version ? { ...live, version: live.version + 1, tokens: sealed } : undefined));
  // Ours, or another instance's newer set: either way the record holds fresh tokens. (Another's
  // win leaves ours unrevoked: without rotation both sets share one refresh token, and revoking
  // ours would revoke the login's.)
  if (after.kind === 'live') return { kind: 'refreshed', version: after.login.version };
  // The login ended while Egnyte answered: nobody can use these tokens, so none may stay live.
  await revokeTokens(logins, current.domain, tokens);
  return SIGNED_OUT;
}
