/**
 * `egnyteAuth()`: the router with the login, callback and logout routes, and the little it
 * does on every request: attach the runtime, route session writes through the logout check.
 */
import express, { type Router } from 'express';
import { cookieWarner } from '../config/cookie-check.js';
import { mountWarner } from '../config/mount-check.js';
import { resolveConfig } from '../config/options.js';
import { attachRuntime, createRuntime } from '../runtime.js';
import { guardSessionWrites } from '../session/write-guard.js';
import type { EgnyteAuthOptions } from '../types.js';
import { callbackHandler } from './callback.js';
import { type EgnyteBackgroundApi, backgroundApi } from './background.js';
import { egnyteLoginMethod, loginHandler } from './login.js';
import { logoutHandler } from './logout.js';

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
export function egnyteAuth(options: EgnyteAuthOptions): EgnyteAuthRouter {
  const config = resolveConfig(options);
  const runtime = createRuntime(config);
  const router = express.Router() as EgnyteAuthRouter;
  const checkCookie = cookieWarner(config.baseUrl);
  const checkMount = mountWarner(config.baseUrl);
  const egnyteLogin = egnyteLoginMethod(config);
  router.use((req, res, next) => {
    attachRuntime(req, runtime);
    guardSessionWrites(req, runtime.storeGuards, runtime.logins);
    res.egnyteLogin = egnyteLogin;
    checkCookie(req.session?.cookie);
    checkMount(req.baseUrl);
    next();
  });
  if (config.mounted.login) router.get(config.routes.login, loginHandler(config));
  if (config.mounted.callback) router.get(config.routes.callback, callbackHandler(runtime));
  if (config.mounted.logout) router.route(config.routes.logout).get(logoutHandler(runtime)).post(logoutHandler(runtime));
  router.egnyteApiFor = backgroundApi(runtime);
  return router;
}

/** What {@link egnyteAuth} returns: the router, plus Egnyte access for jobs outside any request. */
export interface EgnyteAuthRouter extends Router {
  /**
   * Egnyte on behalf of a signed-in user outside any request (`loginId` from
   * `req.egnyte.loginId`), with the login's latest tokens, refreshed as needed. Throws
   * `login_required` once the login ended (logout, expiry).
   */
  egnyteApiFor(login: { loginId: string }): Promise<EgnyteBackgroundApi>;
}
