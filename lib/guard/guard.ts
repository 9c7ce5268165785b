/**
 * `requireEgnyteUser()`: serves the signed-in user from the session while fresh, re-reads
 * it from Egnyte (one call per session at a time) when stale, and answers everyone else
 * with a redirect to login (browsers) or 401 JSON (API clients).
 */
import type { Request, RequestHandler, Response } from 'express';
import { callEgnyteApi } from '../egnyte/api.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { isExpired, isFresh, reloadLogin } from './reload.js';
import { prefersHtml } from '../web/negotiation.js';
import { type AttachedRuntime, loginUrl, requireRuntime } from '../runtime.js';
import { type EgnyteSession, requireSession } from '../session/express-session.js';
import type { EgnyteRequestContext, EgnyteSessionData, RequireEgnyteUserOptions } from '../types.js';

type Login = NonNullable<EgnyteSessionData['login']>;

const MODES = new Set(['auto', 'redirect', 'status']);

function answerUnauthenticated(req: Request, res: Response, attached: AttachedRuntime, mode: string): void {
  if (mode === 'redirect' || (mode === 'auto' && prefersHtml(req))) {
    const returnTo = req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : undefined;
    res.redirect(loginUrl(attached, returnTo));
    return;
  }
  res
    .status(401)
    .set('Cache-Control', 'no-store')
    .json({ error: 'login_required', message: 'Sign in with Egnyte to use this endpoint.', login: loginUrl(attached) });
}

function contextFor(req: Request, attached: AttachedRuntime, login: Login, stale: boolean): EgnyteRequestContext {
  const { config } = attached.runtime;
  return {
    user: login.user as NonNullable<Login['user']>,
    domain: login.domain,
    stale,
    userFetchedAt: login.userFetchedAt ?? 0,
    async fetch(path, init) {
      const current = req.session?.egnyte?.login;
      if (!current) throw new EgnyteAuthError('login_required', 'The Egnyte sign-in ended. Sign in again.');
      // The guard could not refresh an expired token (Egnyte unreachable or throttling): Egnyte
      // would answer 401, which would end a login whose refresh token is still good.
      if (isExpired(current.tokens, Date.now())) {
        throw new EgnyteAuthError('upstream_unavailable', 'The Egnyte sign-in needs refreshing and Egnyte could not be reached to refresh it. Try again in a moment.', {
          retryAfter: 5,
        });
      }
      try {
        // The app may stream a large answer: the timeout covers waiting for the headers only.
        return await callEgnyteApi(config, current.domain, current.tokens.accessToken, path, init, 'headers');
      } catch (err) {
        if (err instanceof EgnyteAuthError && (err.code === 'login_required' || err.code === 'developer_inactive')) {
          delete req.session.egnyte?.login;
        }
        throw err;
      }
    },
  };
}

function signOut(session: EgnyteSession): void {
  if (session.egnyte) delete session.egnyte.login;
}

/**
 * Guards a route: only signed-in Egnyte users pass, with `req.egnyte` set.
 *
 * @example
 * ```ts
 * app.get('/me', requireEgnyteUser(), (req, res) => res.json(req.egnyte.user));
 * app.get('/api/files', requireEgnyteUser({ onUnauthenticated: 'status' }), handler);
 * ```
 */
export function requireEgnyteUser(options: RequireEgnyteUserOptions = {}): RequestHandler {
  const mode = options.onUnauthenticated ?? 'auto';
  if (!MODES.has(mode)) {
    throw new EgnyteAuthError('invalid_config', `requireEgnyteUser({ onUnauthenticated }) must be 'auto', 'redirect' or 'status'; got ${JSON.stringify(mode)}.`, {
      problems: ['onUnauthenticated must be auto, redirect or status'],
    });
  }
  return async function egnyteGuard(req, res, next) {
    const attached = requireRuntime(req);
    const session = requireSession(req);
    const login = session.egnyte?.login;
    if (!login) return answerUnauthenticated(req, res, attached, mode);

    const { config, reloads, endedSessions } = attached.runtime;
    if (isFresh(login, Date.now(), config.userCacheMs)) {
      req.egnyte = contextFor(req, attached, login, false);
      return next();
    }

    const outcome = await reloads.run(req.sessionID, () => reloadLogin(config, login));
    // The session logged out while Egnyte answered: leave it untouched, so express-session
    // does not write the ended session (and its login) back to the store.
    if (endedSessions.has(req.sessionID)) return answerUnauthenticated(req, res, attached, mode);
    switch (outcome.kind) {
      case 'fresh':
        login.tokens = outcome.tokens;
        login.user = outcome.user;
        login.userFetchedAt = outcome.fetchedAt;
        req.egnyte = contextFor(req, attached, login, false);
        return next();
      case 'signed_out':
        log.guard('login ended on %s: %s', login.domain, outcome.error.code);
        signOut(session);
        if (outcome.error.code === 'developer_inactive') return next(outcome.error);
        return answerUnauthenticated(req, res, attached, mode);
      case 'unavailable':
        login.tokens = outcome.tokens;
        log.guard('Egnyte unavailable for %s (%s); %s', login.domain, outcome.error.code, login.user ? 'serving cached user' : 'no cached user');
        if (!login.user) return next(outcome.error);
        req.egnyte = contextFor(req, attached, login, true);
        return next();
    }
  };
}
