/**
 * `requireEgnyteUser()` and `attachEgnyteUser()`: the guard and its optional twin. Both keep
 * the login alive the same way (see resolve-login.ts); the guard answers everyone else with
 * a redirect to login (browsers) or 401 JSON (API clients), the twin lets them through.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { EgnyteAuthError } from '../errors/errors.js';
import { guardMissingError } from '../errors/setup-mistakes.js';
import { type AttachedRuntime, loginUrl, publicUrlOf, requireRuntime } from './runtime.js';
import { requireSession } from '../session/express-session.js';
import type { EgnyteRequest, RequireEgnyteUserOptions } from '../types.js';
import { prefersHtml } from '../web/negotiation.js';
import { type Resolution, resolveLogin, resolveLoginLater, resolveLoginNow } from './resolve-login.js';
import { redirect } from '../web/redirect.js';

const MODES = new Set(['auto', 'redirect', 'status']);

function answerUnauthenticated(req: Request, res: Response, attached: AttachedRuntime, mode: string): void {
  if (mode === 'redirect' || (mode === 'auto' && prefersHtml(req))) {
    const returnTo = req.method === 'GET' || req.method === 'HEAD' ? publicUrlOf(attached, req) : undefined;
    redirect(res, loginUrl(attached, returnTo));
    return;
  }
  res
    .status(401)
    .set('Cache-Control', 'no-store')
    .json({ error: 'login_required', message: 'Sign in with Egnyte to use this endpoint.', login: loginUrl(attached) });
}

/**
 * Guards a route: only signed-in Egnyte users pass, with `req.egnyte` set.
 *
 * @example
 * ```ts
 * import { requireEgnyteUser, withEgnyteUser } from 'express-egnyte-auth';
 *
 * // withEgnyteUser types req as EgnyteRequest: behind the guard, req.egnyte is set.
 * app.get('/me', requireEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
 * app.get('/api/files', requireEgnyteUser({ onUnauthenticated: 'status' }), handler); // 401 JSON, never a redirect
 * ```
 */
export function requireEgnyteUser(options: RequireEgnyteUserOptions = {}): RequestHandler {
  const mode = options.onUnauthenticated ?? 'auto';
  if (!MODES.has(mode)) {
    throw new EgnyteAuthError('invalid_config', `requireEgnyteUser({ onUnauthenticated }) must be 'auto', 'redirect' or 'status'; got ${JSON.stringify(mode)}.`, {
      problems: ['onUnauthenticated must be auto, redirect or status'],
    });
  }
  const settle = (req: Request, res: Response, next: NextFunction, attached: AttachedRuntime, resolution: Resolution): void => {
    if (resolution.kind === 'signed_in') return next();
    if (resolution.kind === 'failed' || resolution.error) return next(resolution.error);
    answerUnauthenticated(req, res, attached, mode);
  };
  // Not an async function: a fresh login (the common case) is served without making a promise.
  return function egnyteGuard(req, res, next) {
    const attached = requireRuntime(req);
    const session = requireSession(req);
    const now = resolveLoginNow(req, session, attached.runtime);
    if (now) return settle(req, res, next, attached, now);
    return resolveLoginLater(req, session, attached.runtime).then((resolution) => settle(req, res, next, attached, resolution));
  };
}

/**
 * Optional sign-in: sets `req.egnyte` when the request has a login (kept alive like
 * {@link requireEgnyteUser} does) and lets every request through. Egnyte being unreachable
 * with no cached user leaves `req.egnyte` unset rather than failing the page.
 *
 * @example
 * ```ts
 * import { attachEgnyteUser } from 'express-egnyte-auth';
 *
 * app.get('/', attachEgnyteUser(), (req, res) => res.send(req.egnyte ? `Hi ${req.egnyte.user.firstName}` : 'Hello'));
 * ```
 */
export function attachEgnyteUser(): RequestHandler {
  return async function egnyteAttach(req, _res, next) {
    const attached = requireRuntime(req);
    await resolveLogin(req, requireSession(req), attached.runtime);
    next();
  };
}

/**
 * Types a handler behind {@link requireEgnyteUser} with `req.egnyte` set ({@link EgnyteRequest}),
 * and checks it: a route mounted without the guard answers 500 `invalid_config` naming the
 * missing guard (the app's mistake, whoever asks) instead of crashing on `undefined`.
 *
 * @example
 * ```ts
 * import { requireEgnyteUser, withEgnyteUser } from 'express-egnyte-auth';
 *
 * app.get('/me', requireEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
 * ```
 */
export function withEgnyteUser(handler: (req: EgnyteRequest, res: Response, next: NextFunction) => unknown): RequestHandler {
  return function egnyteHandler(req, res, next) {
    if (!req.egnyte) return next(guardMissingError());
    return handler(req as EgnyteRequest, res, next);
  };
}
