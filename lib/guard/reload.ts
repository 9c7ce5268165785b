/**
 * The two upstream steps of keeping a login alive, each run once per login across every
 * instance: refreshing an expired token (against the shared, versioned token record) and
 * re-reading the user. Both return plain outcomes and never throw for Egnyte's answers.
 */
import { fetchEgnyteUser } from '../egnyte/api.js';
import { refreshTokens } from '../egnyte/token-client.js';
import { EgnyteAuthError, asEgnyteAuthError, errorToData } from '../errors/errors.js';
import type { Runtime } from '../runtime.js';
import type { EgnyteLogin, EgnyteTokenSet, EgnyteUser } from '../types.js';
import type { RefreshOutcome, ReloadOutcome } from './outcomes.js';

/** Tokens this close to expiry are refreshed before use. */
export const EXPIRY_SKEW_MS = 60_000;

/** True when the access token has expired (or will within the skew). Legacy tokens never expire. */
export function isExpired(tokens: EgnyteTokenSet, now: number): boolean {
  return tokens.expiresAt !== undefined && now >= tokens.expiresAt - EXPIRY_SKEW_MS;
}

/** True when the session's login can be served without asking Egnyte. Pure. */
export function isFresh(login: EgnyteLogin, now: number, userCacheMs: number): boolean {
  return (
    (login.userinfo !== undefined || login.user !== undefined) &&
    login.userFetchedAt !== undefined &&
    now - login.userFetchedAt < userCacheMs &&
    now >= login.userFetchedAt &&
    !isExpired(login.tokens, now)
  );
}

/** Room a paced userinfo call may hold its lane beyond `timeoutMs`. */
const HOLD_MARGIN_MS = 2000;

/**
 * Reads the user through the login's pacer: Egnyte counts userinfo against the same per-token
 * limit as the app's own calls through `req.egnyte`. `firstUse`: the login was just created
 * (the sign-in's own call), so nothing of it can be waiting yet.
 */
export async function pacedUser(runtime: Runtime, loginId: string, domain: string, accessToken: string, firstUse = false): Promise<EgnyteUser> {
  const { config, pacer } = runtime;
  const slot = await pacer.acquire(loginId, { deadline: Date.now() + config.apiWaitMs, holdMs: config.timeoutMs + HOLD_MARGIN_MS, firstUse });
  try {
    return await fetchEgnyteUser(config, domain, accessToken);
  } finally {
    slot.release(true);
  }
}

const ENDED_ELSEWHERE = (): EgnyteAuthError => new EgnyteAuthError('login_required', 'This sign-in was ended (signed out). Sign in again.');

function notAllowed(domain: string): EgnyteAuthError {
  return new EgnyteAuthError('domain_not_allowed', `The Egnyte domain ${domain} is no longer allowed to sign in to this app.`);
}

function settleError(err: unknown, fallback: string): { kind: 'signed_out' | 'unavailable'; error: ReturnType<typeof errorToData> } {
  const error = asEgnyteAuthError(err, fallback);
  const over = error.code === 'login_required' || error.code === 'developer_inactive';
  return { kind: over ? 'signed_out' : 'unavailable', error: errorToData(error) };
}

/**
 * Refreshes the login's tokens, unless the shared record already holds newer ones than
 * `login` (another instance refreshed). A refresh Egnyte refuses ends the login only when
 * no instance stored a newer token set meanwhile: with rotating refresh tokens, the loser of
 * two concurrent refreshes must adopt the winner's tokens, not sign the user out.
 */
export async function refreshLogin(runtime: Runtime, login: EgnyteLogin): Promise<RefreshOutcome> {
  const { logins, config } = runtime;
  const state = await logins.state(login.id);
  if (state.kind === 'ended') return { kind: 'signed_out', error: errorToData(ENDED_ELSEWHERE()) };
  const known = state.kind === 'live' ? state.record : undefined;
  if (known && known.version > (login.tokensVersion ?? 0) && !isExpired(known.tokens, Date.now())) {
    return { kind: 'tokens', version: known.version, tokens: known.tokens };
  }
  let tokens: EgnyteTokenSet;
  try {
    tokens = await refreshTokens(config, login.domain, known?.tokens ?? login.tokens);
  } catch (err) {
    const outcome = settleError(err, 'Refreshing the Egnyte sign-in failed unexpectedly.');
    if (outcome.kind === 'signed_out') {
      const after = await logins.state(login.id);
      if (after.kind === 'live' && after.record.version > (known?.version ?? 0)) {
        return { kind: 'tokens', version: after.record.version, tokens: after.record.tokens };
      }
    }
    return outcome;
  }
  const stored = await logins.replaceTokens(login.id, known, login.domain, tokens);
  if (stored.ok) return { kind: 'tokens', version: stored.record.version, tokens };
  if (stored.state.kind === 'ended') return { kind: 'signed_out', error: errorToData(ENDED_ELSEWHERE()) };
  if (stored.state.kind === 'live') return { kind: 'tokens', version: stored.state.record.version, tokens: stored.state.record.tokens };
  return { kind: 'tokens', version: (known?.version ?? 0) + 1, tokens };
}

/**
 * Re-reads the user with `tokens`, after checking that the login was not ended elsewhere and
 * that its domain is still allowed. Answers newer tokens when the shared record has them.
 */
export async function reloadUser(runtime: Runtime, login: EgnyteLogin): Promise<ReloadOutcome> {
  const { logins, config } = runtime;
  if (!config.isAllowed(login.domain)) return { kind: 'signed_out', error: errorToData(notAllowed(login.domain)) };
  const state = await logins.state(login.id);
  if (state.kind === 'ended') return { kind: 'signed_out', error: errorToData(ENDED_ELSEWHERE()) };
  const newer = state.kind === 'live' && state.record.version > (login.tokensVersion ?? 0) ? state.record : undefined;
  if (state.kind === 'unknown') {
    // The record expired or the backend lost it (a restart): the session's copy is the best there is.
    await logins.restore(login.id, login.tokensVersion ?? 1, login.domain, login.tokens);
  }
  const tokens = newer?.tokens ?? login.tokens;
  try {
    const user = await pacedUser(runtime, login.id, login.domain, tokens.accessToken);
    return { kind: 'fresh', user, fetchedAt: Date.now(), ...(newer ? { tokens: { version: newer.version, tokens: newer.tokens } } : {}) };
  } catch (err) {
    return settleError(err, 'Reading the user from Egnyte failed unexpectedly.');
  }
}
