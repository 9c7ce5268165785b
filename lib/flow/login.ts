/**
 * `GET /egnyte/login`: a fresh attempt (state) kept in the session, then off to Egnyte; a
 * sign-in bound by a link from another site is confirmed on this site first (login-confirm.ts).
 */
import type { Request, Response } from 'express';
import type { ResolvedConfig } from '../config/options.js';
import { normalizeEgnyteDomain } from '../config/domain.js';
import { sanitizeReturnTo } from '../config/return-to.js';
import { TOKEN_PATH } from '../egnyte/token-client.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { findRuntime } from '../guard/runtime.js';
import { type EgnyteSession, requireSession, saveSession } from '../session/express-session.js';
import { checkAllowed } from './callback-domain.js';
import { askToConfirmLogin, needsConfirmation } from './login-confirm.js';
import { offerEnhancedAuth } from './domain-prompt.js';
import type { EgnyteLoginOptions } from '../types.js';
import { type LoginParams, parseLoginParams } from './params.js';
import { PENDING_TTL_MS, addPending } from './pending-logins.js';
import { redirect } from '../web/redirect.js';
import { randomValue } from '../random.js';
import { pkcePair } from './pkce.js';

/** `client_id`, `redirect_uri` and `scope`, encoded once per `egnyteAuth()`. */
const clientQueries = new WeakMap<ResolvedConfig, string>();

function clientQuery(config: ResolvedConfig): string {
  let query = clientQueries.get(config);
  if (query === undefined) {
    const params = new URLSearchParams({ client_id: config.clientId, redirect_uri: config.redirectUri });
    if (config.scope) params.set('scope', config.scope);
    clientQueries.set(config, (query = params.toString()));
  }
  return query;
}

/**
 * Egnyte's authorization URL for one attempt. Built as a string: the state and the challenge are
 * base64url, which needs no encoding, and parsing the endpoint and re-serialising its query for
 * every login cost more than the rest of it. An endpoint with a query of its own (an emulator's,
 * through `endpoints`) goes through URL.
 */
function authorizationUrl(endpoint: string, config: ResolvedConfig, state: string, codeChallenge: string | undefined): string {
  const pkce = codeChallenge ? `&code_challenge=${codeChallenge}&code_challenge_method=S256` : '';
  if (!endpoint.includes('?') && !endpoint.includes('#')) return `${endpoint}?${clientQuery(config)}&state=${state}&response_type=code${pkce}`;
  const url = new URL(endpoint);
  for (const [name, value] of new URLSearchParams(`${clientQuery(config)}&state=${state}&response_type=code${pkce}`)) url.searchParams.set(name, value);
  return url.href;
}

/**
 * A session that holds nothing but sign-in attempts lives no longer than they do: its cookie
 * (and so the store's TTL, which stores derive from it) is cut to the attempts' 10 minutes.
 * Otherwise every anonymous visit to the login route would leave a record for the store's
 * full TTL (a day with connect-redis). The callback's regenerated session gets the app's
 * cookie settings back. Sessions holding a login or the app's own data are left alone.
 */
function limitAnonymousSession(session: EgnyteSession): void {
  if (session.egnyte?.login) return;
  for (const key of Object.keys(session)) if (key !== 'cookie' && key !== 'egnyte') return;
  session.cookie.maxAge = PENDING_TTL_MS;
}

/**
 * Starts a sign-in for this request: a fresh attempt kept in the session, then the redirect
 * to Egnyte. Shared by the login route and `res.egnyteLogin()`.
 */
export async function startLogin(req: Request, res: Response, config: ResolvedConfig, params: LoginParams): Promise<void> {
  const session = requireSession(req);
  let domain = config.domain;
  if (domain === undefined && params.domain) {
    try {
      domain = normalizeEgnyteDomain(params.domain, config);
    } catch (err) {
      // A branded domain (files.acme.com): offered Egnyte's Enhanced Auth Service, not a dead end.
      if (offerEnhancedAuth(req, res, config, params.domain, params.returnTo, err)) return;
      throw err;
    }
  }
  if (domain) checkAllowed(config, domain);
  const state = randomValue(32);
  const { codeVerifier, codeChallenge } = config.pkce ? pkcePair() : {};
  session.egnyte ??= {};
  addPending(session.egnyte, {
    state,
    returnTo: sanitizeReturnTo(params.returnTo, config.homePath),
    ...(domain ? { domain } : {}),
    ...(codeVerifier ? { codeVerifier } : {}),
    createdAt: Date.now(),
  });
  limitAnonymousSession(session);
  await saveSession(req);
  const region = params.region === 'us' || params.region === 'eu' ? params.region : config.region(req);
  log.login('login via %s', domain ?? `enhanced auth (${region})`);
  redirect(res, authorizationUrl(domain ? config.domainBaseUrl(domain) + TOKEN_PATH : config.enhancedAuthUrls[region], config, state, codeChallenge));
}

/** The login route; a bound sign-in linked from another site is confirmed first (see login-confirm.ts). */
export function loginHandler(config: ResolvedConfig) {
  const appOrigin = new URL(config.baseUrl).origin;
  return (req: Request, res: Response): Promise<void> => {
    const params = parseLoginParams(req.query);
    if (!needsConfirmation(req, config, params, appOrigin)) return startLogin(req, res, config, params);
    askToConfirmLogin(res, config, params);
    return Promise.resolve();
  };
}

/**
 * `res.egnyteLogin(options)`: one function on the app's response prototype (`app.response`,
 * which express gives every response of that app), installed by the router at its first
 * request. It finds the request, and through it the router it passed through, via `this`; a
 * per-request property would reshape Node's large response object on every request.
 */
export function egnyteLogin(this: Response, options: EgnyteLoginOptions = {}): Promise<void> {
  const attached = findRuntime(this.req);
  if (!attached) {
    return Promise.reject(new EgnyteAuthError('invalid_config', 'res.egnyteLogin() runs before egnyteAuth(): mount app.use(egnyteAuth({...})) before the handler that calls it.'));
  }
  const { returnTo, domain, region } = options;
  return startLogin(this.req, this, attached.runtime.config, { ...(returnTo ? { returnTo } : {}), ...(domain ? { domain } : {}), ...(region ? { region } : {}) });
}

/** Puts `egnyteLogin` on the prototype of `res` (once per prototype). */
export function installEgnyteLogin(res: Response): void {
  const prototype = Object.getPrototypeOf(res) as Response | null;
  if (!prototype || prototype.egnyteLogin === egnyteLogin) return;
  Object.defineProperty(prototype, 'egnyteLogin', { value: egnyteLogin, configurable: true, writable: true, enumerable: false });
}
