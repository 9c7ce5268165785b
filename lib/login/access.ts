/**
 * Using a login's tokens: the one rulebook for every path that calls Egnyte for a login
 * (`req.egnyte.fetch`/`api`/`accessToken()`, the guard's re-read of the user, `egnyteApiFor`).
 * Each use reads the login's record (record.ts), the one truth, and applies the same rules
 * before any token leaves it:
 * - ended: refused (`login_required`); it was reported when it ended;
 * - over by time (`maxSessionAge`, the activity window: lifetime.ts), or its domain no longer
 *   allowed: ended now (end.ts), then refused;
 * - gone from the backend (a restarted in-memory backend, a Redis that lost its data): re-created
 *   from the request's session's sealed recovery copy when the session's own times say the login
 *   goes on (never over a tombstone: creation only where nothing is); else ended as `login_lost`
 *   when the caller's session proves it existed, refused either way;
 * - token expired: refreshed once across instances (refresh.ts); using the login is not
 *   activity, so nothing here moves its `endsAt`;
 * - tokens that do not decrypt (token-seal.ts: their key removed, the value altered or copied
 *   from another login): ended now as `token_unreadable`, then refused, like any login that is
 *   over. Nothing about the value reaches a log or an answer;
 * - tokens sealed with a key that no longer seals (tokenKeys rotated): sealed again with the
 *   first key (same tokens, same version, compare-and-set on the exact value read), so a
 *   rotation reaches every login at its next use.
 * A token Egnyte refuses is checked against the record once more (another instance may have
 * refreshed it meanwhile) before the login ends as `token_refused`. A request whose session's
 * recovery copy is older than the record it read takes the record's (written with the session).
 */
import { EgnyteAuthError, errorFromData } from '../errors/errors.js';
import type { Logins } from './logins.js';
import { log } from '../log.js';
import type { EgnyteLogin, EgnyteTokenSet } from '../session/types.js';
import { type EndContext, endLogin } from './end.js';
import { type LoginTimes, timeVerdict } from './lifetime.js';
import { isLegacyLogin } from './migrate.js';
import type { LiveLogin, LoginState } from './record.js';
import { isExpired, loginEnded, refreshLogin } from './refresh.js';
import { TokenUnreadableError } from './token-seal.js';

/** A live login and its tokens, ready for one call. */
export interface LoginAccess {
  login: LiveLogin;
  tokens: EgnyteTokenSet;
}

/** Who is asking: a request (with what its session knows) or a job (nothing). */
export interface AccessContext extends EndContext {
  /** The session's cached times of the login, to say why a login whose record is gone ended. */
  times?: LoginTimes | undefined;
}

/** The `code` of the warning given when login records are re-created from sessions. */
const RECORD_RESTORED_WARNING_CODE = 'EGNYTE_AUTH_RECORD_RESTORED';
let warnedRestored = false;

/** The request's session's view of `loginId`, when its session refers to that login. */
function sessionLogin(context: AccessContext, loginId: string): EgnyteLogin | undefined {
  const login = context.req?.session?.egnyte?.login;
  return login && login.id === loginId && !isLegacyLogin(login) ? login : undefined;
}

/**
 * Re-creates a record the backend no longer has from the session's recovery copy, when the
 * session's own times say the login goes on. Only where nothing is: a tombstone stays.
 */
async function restore(logins: Logins, loginId: string, context: AccessContext): Promise<LoginState | undefined> {
  const login = sessionLogin(context, loginId);
  if (!login?.recovery || timeVerdict(login, Date.now(), logins.config)) return undefined;
  const { version, tokens } = login.recovery;
  log.login('login record missing: re-created from the session');
  if (!warnedRestored) {
    warnedRestored = true;
    process.emitWarning(
      'express-egnyte-auth: a login\'s record was missing from the coordination backend and was re-created from its session. ' +
        'Expected once after a restart of memoryCoordination() or a Redis that lost its data; on every instance of several, they do not share ' +
        'a coordination backend: use redisCoordination() (see README, "Running several instances").',
      { type: 'EgnyteAuthWarning', code: RECORD_RESTORED_WARNING_CODE },
    );
  }
  return logins.records.create(loginId, { version, domain: login.domain, tokens, loggedInAt: login.loggedInAt, lastSeenAt: login.lastSeenAt, endsAt: login.endsAt });
}

/**
 * Brings the session's recovery copy up to the record's version, or (`resealed`) to the same
 * version sealed again with the first key by this request (the session is written at the end of
 * the request). Never to another value of the same version otherwise: a record altered in the
 * backend must not overwrite the copy that can still revoke the login's tokens.
 */
function keepRecovery(context: AccessContext, loginId: string, live: LiveLogin, resealed = false): void {
  const login = sessionLogin(context, loginId);
  const held = login?.recovery?.version ?? 0;
  if (login && (held < live.version || (resealed && held === live.version))) login.recovery = { version: live.version, tokens: live.tokens };
}

/** The login's token set, or `undefined` (logged by cause, never by value) when it does not open. */
function openTokens(logins: Logins, loginId: string, login: LiveLogin): EgnyteTokenSet | undefined {
  try {
    return logins.seal.open({ loginId, domain: login.domain }, login.tokens);
  } catch (err) {
    log.login('login tokens unreadable: %s', err instanceof TokenUnreadableError ? err.why : 'error');
    return undefined;
  }
}

/**
 * The login's token set; when it does not open, or the caller's session names another domain
 * than the record (one of them was altered: the tokens would go there), the login ends
 * (`token_unreadable`) and `login_required` is thrown.
 */
async function tokensOrEnd(logins: Logins, loginId: string, login: LiveLogin, context: AccessContext): Promise<EgnyteTokenSet> {
  const matches = context.domain === undefined || context.domain === login.domain;
  if (!matches) log.login('login tokens unreadable: the session names another domain than the record');
  const tokens = matches ? openTokens(logins, loginId, login) : undefined;
  if (tokens) return tokens;
  // The session's domain for its own copy of the tokens (bound to it), which end.ts may still revoke.
  await endLogin(logins, loginId, 'token_unreadable', { ...context, domain: context.domain ?? login.domain });
  throw loginEnded();
}

/**
 * The login as sealed with the first key: `login` itself when it is, else sealed again on the
 * record, only if the record still holds the value read. Best effort: a backend that fails, or
 * a refresh in between, leaves it to the next use.
 */
async function sealedWithFirstKey(logins: Logins, loginId: string, login: LiveLogin, tokens: EgnyteTokenSet, context: AccessContext): Promise<LiveLogin> {
  if (logins.seal.isCurrent(login.tokens)) return login;
  const sealed = logins.seal.seal({ loginId, domain: login.domain }, tokens);
  let state: LoginState;
  try {
    state = await logins.records.update(loginId, (live) => (live.tokens === login.tokens && live.domain === login.domain ? { ...live, tokens: sealed } : undefined));
  } catch {
    return login;
  }
  if (state.kind !== 'live' || state.login.tokens !== sealed) return login;
  log.login('login tokens sealed again with the first key');
  keepRecovery(context, loginId, state.login, true);
  return state.login;
}

function notAllowed(domain: string): EgnyteAuthError {
  return new EgnyteAuthError('domain_not_allowed', `The Egnyte domain ${domain} is no longer allowed to sign in to this app.`);
}

/**
 * The live login of `loginId` by the rules above, ending it when they say so. Throws
 * `login_required` (or `domain_not_allowed`) for a login that is over, `coordination_unavailable`
 * when the backend fails.
 */
export async function liveLogin(logins: Logins, loginId: string, context: AccessContext): Promise<LiveLogin> {
  const { config } = logins;
  let state = await logins.records.read(loginId);
  if (state.kind === 'absent') state = (await restore(logins, loginId, context)) ?? state;
  if (state.kind === 'ended') {
    if (context.req?.session?.egnyte?.login?.id === loginId) delete context.req.session.egnyte.login;
    throw loginEnded();
  }
  if (state.kind === 'absent') {
    // Only a session that refers to the login proves it existed: a job's unknown id is not reported.
    if (context.domain !== undefined) {
      const verdict = context.times ? timeVerdict(context.times, Date.now(), config) : undefined;
      await endLogin(logins, loginId, verdict ?? 'login_lost', context);
    }
    throw loginEnded();
  }
  const { login } = state;
  const verdict = timeVerdict(login, Date.now(), config);
  if (verdict) {
    await endLogin(logins, loginId, verdict, { ...context, domain: login.domain });
    throw loginEnded();
  }
  if (!config.isAllowed(login.domain)) {
    await endLogin(logins, loginId, 'domain_not_allowed', { ...context, domain: login.domain });
    throw notAllowed(login.domain);
  }
  keepRecovery(context, loginId, login);
  return login;
}

/**
 * The login's tokens for a call to Egnyte: {@link liveLogin}, then its token set, refreshed
 * first when it has expired. A refresh Egnyte refuses ends the login (`token_refused`).
 */
export async function loginAccess(logins: Logins, loginId: string, context: AccessContext): Promise<LoginAccess> {
  const login = await liveLogin(logins, loginId, context);
  const tokens = await tokensOrEnd(logins, loginId, login, context);
  if (!isExpired(tokens, Date.now())) return { login: await sealedWithFirstKey(logins, loginId, login, tokens, context), tokens };
  const outcome = await logins.refreshes.run(loginId, () => refreshLogin(logins, loginId, login));
  if (outcome.kind === 'signed_out') {
    await endLogin(logins, loginId, outcome.unreadable ? 'token_unreadable' : 'token_refused', { ...context, domain: login.domain });
    throw errorFromData(outcome.error);
  }
  if (outcome.kind === 'unavailable') throw errorFromData(outcome.error);
  const refreshed = await liveLogin(logins, loginId, context);
  return { login: refreshed, tokens: await tokensOrEnd(logins, loginId, refreshed, context) };
}

/**
 * Egnyte refused the token of version `used`: true when the record holds a newer one (another
 * instance refreshed; send the call again), else the login ends as `token_refused` and false.
 */
export async function tokenRefused(logins: Logins, loginId: string, used: number, context: AccessContext): Promise<boolean> {
  const state = await logins.records.read(loginId);
  let reason: 'token_refused' | 'token_unreadable' = 'token_refused';
  if (state.kind === 'live' && state.login.version > used) {
    const newer = openTokens(logins, loginId, state.login);
    if (newer && !isExpired(newer, Date.now())) return true;
    if (!newer) reason = 'token_unreadable';
  }
  await endLogin(logins, loginId, reason, { ...context, ...(state.kind === 'live' ? { domain: state.login.domain } : {}) });
  return false;
}
