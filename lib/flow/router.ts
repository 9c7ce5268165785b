/**
 * `egnyteAuth()`: the router with the login, callback and logout routes.
 */
import express, { type Request, type Response, type Router } from 'express';
import * as oidc from 'openid-client';
import { parseCallbackParams, parseLoginParams } from './params.js';
import { type ResolvedConfig, resolveConfig } from '../config/options.js';
import { cookieWarner } from '../config/cookie-check.js';
import { normalizeEgnyteDomain } from '../config/domain.js';
import { fetchEgnyteUser, revokeToken } from '../egnyte/api.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { ExpiringSet } from '../coordination/expiring-set.js';
import { log } from '../log.js';
import { reloadSharingMs } from '../guard/reload.js';
import { addPending, prunePending, takePending } from './pending-logins.js';
import { sanitizeReturnTo } from '../config/return-to.js';
import { type ReloadOutcome, type Runtime, attachRuntime } from '../runtime.js';
import { endSession, regenerateSession, requireSession, saveSession } from '../session/express-session.js';
import { SingleFlight } from '../coordination/single-flight.js';
import { TOKEN_PATH, exchangeCode } from '../egnyte/token-client.js';
import type { EgnyteAuthOptions, EgnyteUser } from '../types.js';

function authorizationUrl(endpoint: string, config: ResolvedConfig, state: string): string {
  const url = new URL(endpoint);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', config.redirectUri);
  if (config.scope) url.searchParams.set('scope', config.scope);
  url.searchParams.set('state', state);
  url.searchParams.set('response_type', 'code');
  return url.href;
}

function checkAllowed(config: ResolvedConfig, domain: string): void {
  if (!config.isAllowed(domain)) {
    throw new EgnyteAuthError('domain_not_allowed', `The Egnyte domain ${domain} is not allowed to sign in to this app. Ask the app's administrator.`);
  }
}

/** The Referer's host, when it is an Egnyte customer domain (not the Enhanced Auth Service). */
function domainFromReferer(req: Request, config: ResolvedConfig): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || config.enhancedAuthHosts.has(url.host)) return undefined;
  try {
    return normalizeEgnyteDomain(url.host, config);
  } catch {
    return undefined;
  }
}

/** Which domain issued the code: bound at login, else the `domain` parameter, else the Referer. */
function callbackDomain(req: Request, config: ResolvedConfig, bound: string | undefined, param: string | undefined): string {
  if (bound) return bound;
  if (param) return normalizeEgnyteDomain(param, config);
  const fromReferer = domainFromReferer(req, config);
  if (fromReferer) return fromReferer;
  throw new EgnyteAuthError(
    'unknown_domain',
    'The sign-in callback does not say which Egnyte domain issued the code (no "domain" parameter and no Egnyte Referer). ' +
      'Start the sign-in again with your domain, e.g. /egnyte/login?domain=acme, or configure a fixed `domain`.',
  );
}

function stateRefusal(reason: 'no_session_data' | 'unknown' | 'expired', sentCookies: boolean): EgnyteAuthError {
  if (reason === 'no_session_data') {
    return new EgnyteAuthError(
      'session_missing',
      'This browser session has no sign-in in progress: ' +
        (sentCookies
          ? 'the session cookie (connect.sid unless express-session was given another `name`) came back, but its session holds no sign-in: it expired, the store lost it, or the sign-in started in another instance that shares no store. '
          : 'the browser sent no cookies with the callback. Likely causes: the session cookie is sameSite "strict", or "secure" while the app runs on http, or the app was opened on another host than baseUrl (localhost vs 127.0.0.1). ') +
        'Start the sign-in again.',
    );
  }
  return new EgnyteAuthError(
    'state_mismatch',
    reason === 'expired'
      ? 'This sign-in attempt expired (older than 10 minutes). Start the sign-in again.'
      : 'The sign-in callback does not match any sign-in started in this browser (forged, already used, or from another browser). Start the sign-in again.',
  );
}

function refusalOfAuthorizationError(error: string): EgnyteAuthError {
  if (error === 'access_denied') {
    return new EgnyteAuthError('access_denied', 'You declined to let this app use your Egnyte account, so you are not signed in.');
  }
  const safe = /^[a-z_]{1,64}$/.test(error) ? error : 'unknown';
  return new EgnyteAuthError('authorization_failed', `Egnyte did not sign you in (${safe}). Start the sign-in again.`);
}

/** Loads the user once at sign-in; throttling or an unreachable Egnyte leave it for the guard. */
async function userAtSignIn(config: ResolvedConfig, domain: string, accessToken: string): Promise<EgnyteUser | undefined> {
  try {
    return await fetchEgnyteUser(config, domain, accessToken);
  } catch (err) {
    if (err instanceof EgnyteAuthError && (err.code === 'rate_limited' || err.code === 'upstream_unavailable')) return undefined;
    throw err;
  }
}

function loginHandler(config: ResolvedConfig) {
  return async (req: Request, res: Response): Promise<void> => {
    const session = requireSession(req);
    const params = parseLoginParams(req.query);
    const domain = config.domain ?? (params.domain ? normalizeEgnyteDomain(params.domain, config) : undefined);
    if (domain) checkAllowed(config, domain);
    const state = oidc.randomState();
    session.egnyte ??= {};
    addPending(session.egnyte, state, { returnTo: sanitizeReturnTo(params.returnTo), ...(domain ? { domain } : {}), createdAt: Date.now() });
    await saveSession(req);
    const region = params.region === 'us' || params.region === 'eu' ? params.region : config.region(req);
    log.login('login via %s', domain ?? `enhanced auth (${region})`);
    res.redirect(authorizationUrl(domain ? config.domainBaseUrl(domain) + TOKEN_PATH : config.enhancedAuthUrls[region], config, state));
  };
}

function callbackHandler(config: ResolvedConfig) {
  return async (req: Request, res: Response): Promise<void> => {
    const session = requireSession(req);
    const params = parseCallbackParams(req.query);
    if (!params.state) {
      // Egnyte may leave `state` off a decline. Answering "you declined" changes nothing and
      // sends nothing anywhere, so it needs no state to be safe.
      if (params.error) throw refusalOfAuthorizationError(params.error);
      throw new EgnyteAuthError('state_missing', 'The sign-in callback has no "state" parameter, so it cannot be matched to a sign-in. Start the sign-in again.');
    }
    const taken = takePending(session.egnyte, params.state, Date.now());
    if (!taken.ok) {
      log.callback('refused callback: %s', taken.reason);
      throw stateRefusal(taken.reason, Boolean(req.headers.cookie));
    }
    if (params.error) throw refusalOfAuthorizationError(params.error);
    if (!params.code) throw new EgnyteAuthError('missing_code', 'The sign-in callback has no "code" parameter. Start the sign-in again.');

    const domain = callbackDomain(req, config, taken.entry.domain, params.domain);
    checkAllowed(config, domain);
    const tokens = await exchangeCode(config, domain, params.code, params.state);
    const user = await userAtSignIn(config, domain, tokens.accessToken);
    const now = Date.now();
    const otherAttempts = prunePending(session.egnyte?.pending, now);

    const fresh = await regenerateSession(req);
    fresh.egnyte = {
      ...(Object.keys(otherAttempts).length > 0 ? { pending: otherAttempts } : {}),
      login: { domain, tokens, ...(user ? { user, userFetchedAt: now } : {}), loggedInAt: now },
    };
    // Awaited so a store failure becomes a clear 503 rather than a redirect into a lost login.
    // express-session writes the regenerated session once more at the end of the response
    // (it cannot know this save happened): one extra write per sign-in, off the hot path.
    // That end-of-response write also runs after a failed save, so the login is dropped first:
    // a 503 that says the sign-in was not saved must not leave the browser signed in.
    try {
      await saveSession(req);
    } catch (err) {
      delete fresh.egnyte.login;
      throw err;
    }
    log.callback('signed in on %s', domain);
    res.redirect(taken.entry.returnTo);
  };
}

function logoutHandler(runtime: Runtime) {
  const { config } = runtime;
  return async (req: Request, res: Response): Promise<void> => {
    const session = requireSession(req);
    const login = session.egnyte?.login;
    if (login && config.revokeOnLogout) {
      try {
        await revokeToken(config, login.domain, login.tokens.accessToken);
      } catch (err) {
        // Signing out of this app must not depend on Egnyte answering.
        log.login('token revocation failed: %s', err instanceof EgnyteAuthError ? err.code : 'error');
      }
    }
    runtime.reloads.forget(req.sessionID);
    runtime.endedSessions.add(req.sessionID);
    await endSession(req);
    res.redirect(config.postLogoutRedirect);
  };
}

/**
 * Creates the router that signs users in with Egnyte. Mount it after express-session.
 * Throws {@link EgnyteAuthError} (`invalid_config`) listing every problem in `options`.
 *
 * @example
 * ```ts
 * app.use(session({ secret, resave: false, saveUninitialized: false, cookie: { sameSite: 'lax' } }));
 * app.use(egnyteAuth({ clientId, clientSecret, baseUrl: 'https://app.example.com', scope: ['Egnyte.user'] }));
 * ```
 */
export function egnyteAuth(options: EgnyteAuthOptions): Router {
  const config = resolveConfig(options);
  const runtime: Runtime = {
    config,
    reloads: new SingleFlight<ReloadOutcome>((outcome) => reloadSharingMs(outcome, config.userCacheMs)),
    // A re-read (refresh + userinfo) takes at most two timeouts; a minute covers it with room.
    endedSessions: new ExpiringSet(Math.max(60_000, 3 * config.timeoutMs)),
  };
  const router = express.Router();
  const checkCookie = cookieWarner(config.baseUrl);
  router.use((req, _res, next) => {
    attachRuntime(req, runtime);
    checkCookie(req.session?.cookie);
    next();
  });
  router.get(config.routes.login, loginHandler(config));
  router.get(config.routes.callback, callbackHandler(config));
  router.route(config.routes.logout).get(logoutHandler(runtime)).post(logoutHandler(runtime));
  return router;
}
