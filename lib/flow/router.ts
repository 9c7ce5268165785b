/**
 * `egnyteAuth()`: the router with the login, callback and logout routes, and the little it
 * does on every request: attach the runtime, route session writes through the logout check.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { type CookieLike, cookieWarner } from '../config/cookie-check.js';
import { type HttpOnlyCookieLike, httpOnlyWarner } from '../config/cookie-http-only.js';
import { warnAboutEndpoints } from '../config/endpoint-check.js';
import { mountWarner } from '../config/mount-check.js';
import { resolveConfig } from '../config/options.js';
import { registerEgnyteRouter } from '../errors/setup-mistakes.js';
import { installEgnyteAccessor } from '../guard/context.js';
import { attachRuntime, createRuntime } from '../guard/runtime.js';
import { type StoreGuards, guardSessionWrites } from '../login/write-guard.js';
import type { EgnyteAuthOptions } from '../types.js';
import { callbackHandler, createSignIns } from './callback.js';
import { type EgnyteBackgroundApi, backgroundApi } from './background.js';
import { egnyteLogin, installEgnyteLogin, loginHandler } from './login.js';
import { logoutHandler } from './logout.js';
import { logoutPageHandler, refuseCrossSiteLogout } from './logout-page.js';

/** express's Router as the app calls it; `handle` is its (untyped) entry point. */
type DispatchingRouter = Router & { handle: (req: Request, res: Response, out: NextFunction) => void };

/**
 * A quick test of whether `url` (relative to where the router is mounted) may be one of
 * `routes`. False only when the router's own matching (case-insensitive, one optional trailing
 * slash, on the path as `parseurl` reads it) would certainly find none of them. A URL that
 * parseurl does not read on its fast path (absolute form, whitespace, a fragment) is passed to
 * the router to decide. Pure.
 */
export function ownPathFilter(routes: Readonly<Record<string, string>>): (url: string) => boolean {
  const own = new Set(Object.values(routes).map((path) => path.toLowerCase()));
  return (url) => {
    if (url.charCodeAt(0) !== 0x2f /* "/" */) return true;
    let end = url.length;
    for (let i = 1; i < url.length; i++) {
      switch (url.charCodeAt(i)) {
        case 0x3f /* "?" */:
          if (end === url.length) end = i;
          break;
        // parseurl's slow path (url.parse trims, escapes, drops the fragment): the router decides.
        case 0x09: case 0x0a: case 0x0c: case 0x0d: case 0x20: case 0x23: case 0xa0: case 0xfeff:
          return true;
      }
    }
    let path = end === url.length ? url : url.slice(0, end);
    if (path.length > 1 && path.charCodeAt(path.length - 1) === 0x2f) path = path.slice(0, -1);
    return own.has(path.toLowerCase());
  };
}

/**
 * `res.egnyteLogin` and `req.egnyte` on the app's response and request prototypes (express makes
 * one pair per app): once per app, where a property per request would reshape Node's large
 * request and response objects every time.
 */
function installOnPrototypes(req: Request, res: Response): void {
  installEgnyteLogin(res);
  installEgnyteAccessor(req);
}

/** The cookie and mount warnings (each warns once), until a request with a session came. Answers whether to check again. */
function startUpChecks(req: Request, checkCookie: (cookie: (CookieLike & HttpOnlyCookieLike) | undefined) => void, checkMount: (mountPath: string) => void): boolean {
  checkMount(req.baseUrl);
  if (!req.session?.cookie) return true;
  checkCookie(req.session.cookie);
  return false;
}

/**
 * Creates the router that signs users in with Egnyte. Mount it after express-session.
 * Throws {@link EgnyteAuthError} (`invalid_config`) listing every problem in `options`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import session from 'express-session';
 * import { egnyteAuth } from 'express-egnyte-auth';
 *
 * const app = express();
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false, cookie: { sameSite: 'lax' } }));
 * app.use(egnyteAuth({
 *   clientId: process.env.EGNYTE_CLIENT_ID!,
 *   clientSecret: process.env.EGNYTE_CLIENT_SECRET!,
 *   baseUrl: 'https://app.example.com',
 *   scope: ['Egnyte.user'],
 * }));
 * ```
 */
export function egnyteAuth(options: EgnyteAuthOptions): EgnyteAuthRouter {
  const config = resolveConfig(options);
  const runtime = createRuntime(config);
  // Session store wrappers (per store) that let logout win over writes in flight.
  const storeGuards: StoreGuards = new WeakMap();
  const router = express.Router() as EgnyteAuthRouter;
  registerEgnyteRouter(router);
  warnAboutEndpoints(config);
  const checkSameSiteAndSecure = cookieWarner(config.baseUrl);
  const checkHttpOnly = httpOnlyWarner();
  const checkCookie = (cookie: (CookieLike & HttpOnlyCookieLike) | undefined): void => {
    checkSameSiteAndSecure(cookie);
    checkHttpOnly(cookie);
  };
  const checkMount = mountWarner(config.baseUrl);
  const isOwnPath = ownPathFilter(config.routes);
  let checking = true;
  // Every request of the app passes through here, nearly all of them for the app's own routes.
  // Dispatching them through this router (its bookkeeping, then a pattern per route) cost a few
  // percent of an unguarded request; instead the router's entry point records the runtime for
  // the guard and hands back at once, synchronously, any path that cannot be one of ours.
  // Nothing is added to the request or the response objects themselves (see attachRuntime).
  const dispatch = (router as unknown as DispatchingRouter).handle.bind(router);
  (router as unknown as DispatchingRouter).handle = (req, res, out) => {
    attachRuntime(req, res, runtime);
    guardSessionWrites(req, storeGuards, runtime.logins.records);
    if ((Object.getPrototypeOf(res) as Response).egnyteLogin !== egnyteLogin) installOnPrototypes(req, res);
    if (checking) checking = startUpChecks(req, checkCookie, checkMount);
    if (!isOwnPath(req.url)) return out();
    dispatch(req, res, out);
  };
  if (config.mounted.login) router.get(config.routes.login, loginHandler(config));
  if (config.mounted.callback) router.get(config.routes.callback, callbackHandler(runtime, createSignIns(config)));
  // Only a POST that is not cross-site signs out; a GET shows a sign-out button (logout-page.ts).
  if (config.mounted.logout) router.route(config.routes.logout).get(logoutPageHandler(config)).post(refuseCrossSiteLogout(config), logoutHandler(runtime));
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
