/**
 * `egnyteAuth()`: the router with the login, callback and logout routes.
 */
import express, { type Router } from 'express';
import { resolveConfig } from '../config/options.js';
import { cookieWarner } from '../config/cookie-check.js';
import { ExpiringSet } from '../coordination/expiring-set.js';
import { SingleFlight } from '../coordination/single-flight.js';
import { reloadSharingMs } from '../guard/reload.js';
import { type ReloadOutcome, type Runtime, attachRuntime } from '../runtime.js';
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
