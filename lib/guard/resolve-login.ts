/**
 * The login of a request, kept alive: served from the session while fresh (no I/O at all),
 * else refreshed and re-read once per login across every instance. Only the request whose
 * task ran writes the outcome into its session, so N requests sharing one re-read cause one
 * session write; the others serve the shared outcome from their own untouched copy.
 */
import type { Request } from 'express';
import type { EgnyteAuthError} from '../errors/errors.js';
import { errorFromData } from '../errors/errors.js';
import { newLoginId } from '../flow/sign-in-outcome.js';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { endLoginEverywhere } from '../session/end-login.js';
import type { EgnyteSession } from '../session/express-session.js';
import { lifetimeVerdict, needsTouch } from '../session/lifetime.js';
import { storedUser } from '../session/stored-user.js';
import type { EgnyteLogin, EgnyteLogoutEvent, EgnyteUser } from '../types.js';
import { type LoginView, contextFor } from './context.js';
import { isExpired, isFresh, refreshLogin, reloadUser } from './reload.js';

/** What the guard found for a request. */
export type Resolution =
  | { kind: 'signed_in' }
  /** No login, or it just ended; `error` says why when the user should be told more than "sign in". */
  | { kind: 'anonymous'; error?: EgnyteAuthError }
  /** Egnyte could not be asked and there is no cached user to serve. */
  | { kind: 'failed'; error: EgnyteAuthError };

const SIGNED_IN: Resolution = Object.freeze({ kind: 'signed_in' });
const ANONYMOUS: Resolution = Object.freeze({ kind: 'anonymous' });

async function signOut(req: Request, session: EgnyteSession, runtime: Runtime, login: EgnyteLogin, reason: EgnyteLogoutEvent['reason'], revoke: boolean): Promise<void> {
  log.guard('login ended on %s: %s', login.domain, reason);
  if (session.egnyte?.login?.id === login.id) delete session.egnyte.login;
  await endLoginEverywhere(req, runtime, login, reason, revoke);
}

function endReason(code: string): EgnyteLogoutEvent['reason'] {
  return code === 'domain_not_allowed' ? 'domain_not_allowed' : 'token_refused';
}

function ended(error: EgnyteAuthError): Resolution {
  // A dead token (401 or Developer Inactive after it worked) means: sign in again.
  return error.code === 'login_required' || error.code === 'developer_inactive' ? ANONYMOUS : { kind: 'anonymous', error };
}

/**
 * The common cases without a promise: no login, or a fresh one (sets `req.egnyte`).
 * `undefined` when the login needs work: see {@link resolveLogin}.
 */
export function resolveLoginNow(req: Request, session: EgnyteSession, runtime: Runtime): Resolution | undefined {
  const login = session.egnyte?.login;
  if (!login) return ANONYMOUS;
  const { config } = runtime;
  const now = Date.now();
  if (!login.id || lifetimeVerdict(login, now, config) || !isFresh(login, now, config.userCacheMs)) return undefined;
  const user = storedUser(login);
  if (!user) return undefined;
  if (needsTouch(login, now, config.idleTimeoutMs) && runtime.touches.claim(login.id, now)) login.lastSeenAt = now;
  req.egnyte = contextFor(req, runtime, login, user, false);
  return SIGNED_IN;
}

/** Finds and keeps alive the request's login; sets `req.egnyte` when signed in. */
export async function resolveLogin(req: Request, session: EgnyteSession, runtime: Runtime): Promise<Resolution> {
  const quick = resolveLoginNow(req, session, runtime);
  if (quick) return quick;
  const login = session.egnyte!.login!;
  // Logins stored by 0.1 have no id: give them one, kept from now on.
  login.id ??= newLoginId();
  const { config } = runtime;
  const over = lifetimeVerdict(login, Date.now(), config);
  if (over) {
    await signOut(req, session, runtime, login, over, config.revokeOnLogout);
    return ANONYMOUS;
  }
  const now = Date.now();
  if (needsTouch(login, now, config.idleTimeoutMs) && runtime.touches.claim(login.id, now)) login.lastSeenAt = now;
  const cached = storedUser(login);
  if (cached && isFresh(login, Date.now(), config.userCacheMs)) return serve(req, runtime, login, cached, false);

  let view: EgnyteLogin = login;
  if (isExpired(login.tokens, Date.now())) {
    const { result, ran } = await runtime.refreshes.join(login.id, () => refreshLogin(runtime, login));
    if (result.kind === 'signed_out') {
      await signOut(req, session, runtime, login, endReason(result.error.code), result.error.code === 'domain_not_allowed' && config.revokeOnLogout);
      return ended(errorFromData(result.error));
    }
    if (result.kind === 'unavailable') {
      log.guard('refresh unavailable for %s (%s)', login.domain, result.error.code);
      return cached ? serve(req, runtime, login, cached, true) : { kind: 'failed', error: errorFromData(result.error) };
    }
    view = { ...login, tokens: result.tokens, tokensVersion: result.version };
    if (ran) Object.assign(login, { tokens: result.tokens, tokensVersion: result.version });
  }

  const { result, ran } = await runtime.reloads.join(login.id, () => reloadUser(runtime, view));
  // The login may have ended (logout on any instance) while Egnyte answered.
  if (result.kind !== 'signed_out' && (await runtime.logins.isEnded(login.id))) {
    if (session.egnyte?.login?.id === login.id) delete session.egnyte.login;
    return ANONYMOUS;
  }
  switch (result.kind) {
    case 'fresh': {
      const fresh = { ...view, ...(result.tokens ? { tokens: result.tokens.tokens, tokensVersion: result.tokens.version } : {}), userinfo: result.user.raw, userFetchedAt: result.fetchedAt };
      if (ran) {
        Object.assign(login, fresh);
        delete login.user;
      }
      return serve(req, runtime, fresh, { ...login.userExtra, ...result.user }, false);
    }
    case 'signed_out':
      await signOut(req, session, runtime, login, endReason(result.error.code), result.error.code === 'domain_not_allowed' && config.revokeOnLogout);
      return ended(errorFromData(result.error));
    case 'unavailable':
      log.guard('Egnyte unavailable for %s (%s); %s', login.domain, result.error.code, cached ? 'serving cached user' : 'no cached user');
      if (ran && view.tokens !== login.tokens) Object.assign(login, { tokens: view.tokens, tokensVersion: view.tokensVersion });
      return cached ? serve(req, runtime, view, cached, true) : { kind: 'failed', error: errorFromData(result.error) };
  }
}

function serve(req: Request, runtime: Runtime, view: LoginView, user: EgnyteUser, stale: boolean): Resolution {
  req.egnyte = contextFor(req, runtime, view, user, stale);
  return SIGNED_IN;
}
