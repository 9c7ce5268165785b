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
import { loginHandler } from './login.js';
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
export function egnyteAuth(options: EgnyteAuthOptions): Router {
  const config = resolveConfig(options);
  const runtime = createRuntime(config);
  const router = express.Router();
  const checkCookie = cookieWarner(config.baseUrl);
  const checkMount = mountWarner(config.baseUrl);
  router.use((req, _res, next) => {
    attachRuntime(req, runtime);
    guardSessionWrites(req, runtime.storeGuards, runtime.logins);
    checkCookie(req.session?.cookie);
    checkMount(req.baseUrl);
    next();
  });
  router.get(config.routes.login, loginHandler(config));
  router.get(config.routes.callback, callbackHandler(runtime));
  router.route(config.routes.logout).get(logoutHandler(runtime)).post(logoutHandler(runtime));
  return router;
}
