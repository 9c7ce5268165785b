/**
 * Messages for mistakes in an app's set-up, each pointing at the fix the developer needs
 * rather than at the user: a TLS proxy Express does not trust, a handler typed for the guard
 * without the guard, `egnyteAuth()` mounted where a guarded route cannot see it, and no
 * express-session. Each case is told apart by the smallest check that can, kept here so the
 * flow and guard modules only call it.
 */
import type { Request } from 'express';
import { EgnyteAuthError } from './errors.js';

/** What a callback without session data tells about why its cookie did not come back. */
export interface LostSessionClues {
  /** The browser sent cookies with the callback (just not a session holding the sign-in). */
  sentCookies: boolean;
  /**
   * The request came through a proxy that ended TLS (`X-Forwarded-Proto: https`) while Express
   * does not trust it (`req.secure` false) and baseUrl is https: express-session then refuses
   * to set its secure cookie, so no sign-in can keep its state.
   */
  untrustedTlsProxy: boolean;
}

/** The clues of `req` (see {@link LostSessionClues}). */
export function lostSessionClues(req: Request, baseUrl: string): LostSessionClues {
  const forwarded = (req.get('x-forwarded-proto') ?? '').split(',')[0]?.trim().toLowerCase();
  return {
    sentCookies: Boolean(req.headers.cookie),
    untrustedTlsProxy: forwarded === 'https' && !req.secure && baseUrl.startsWith('https:'),
  };
}

/** The message of `session_missing` at the callback: the likeliest cause first. Pure. */
export function lostSessionMessage(clues: LostSessionClues): string {
  const cause = clues.untrustedTlsProxy
    ? 'the request came through a proxy that ended TLS (X-Forwarded-Proto: https), but Express does not trust that proxy, so ' +
      'req.secure is false and express-session never set its secure session cookie. Add app.set(\'trust proxy\', 1) before ' +
      'express-session (1 for one proxy in front; or its address). '
    : clues.sentCookies
      ? 'the session cookie (connect.sid unless express-session was given another `name`) came back, but its session holds no sign-in: it expired, the store lost it, or the sign-in started in another instance that shares no store. '
      : 'the browser sent no cookies with the callback. Likely causes: the session cookie is sameSite "strict", or "secure" while the app runs on http, or the app was opened on another host than baseUrl (localhost vs 127.0.0.1). ';
  return `This browser session has no sign-in in progress: ${cause}Start the sign-in again.`;
}

/** `withEgnyteUser()` ran where no guard set `req.egnyte`: the route's set-up, whoever asks. */
export function guardMissingError(): EgnyteAuthError {
  return new EgnyteAuthError(
    'invalid_config',
    'withEgnyteUser() runs without requireEgnyteUser() before it, so req.egnyte is not set: a mistake in the route, not in the ' +
      'sign-in. Guard the route: app.get(path, requireEgnyteUser(), withEgnyteUser(handler)). (attachEgnyteUser() lets anonymous ' +
      'requests through, so its handlers take a plain req and check req.egnyte.)',
  );
}

/** No express-session on the request: a configuration error, which no sign-in can fix. */
export function noSessionError(): EgnyteAuthError {
  return new EgnyteAuthError(
    'invalid_config',
    'No session on this request: express-session is not mounted. Mount app.use(session({...})) before egnyteAuth() and your guarded routes.',
  );
}

/** The `egnyteAuth()` routers, to find where an app mounted them (see {@link routerMountPath}). */
const egnyteRouters = new WeakSet<object>();

/** Records a router made by `egnyteAuth()`. */
export function registerEgnyteRouter(router: object): void {
  egnyteRouters.add(router);
}

interface LayerLike {
  handle?: unknown;
  rawPath?: unknown;
  slash?: unknown;
}

/**
 * Where the app mounted an `egnyteAuth()` router: its path (`'/auth'`), `''` at the root,
 * `'?'` under a path this version of Express's router does not expose, or undefined when none
 * is found (mounted in a sub-app, or not at all). Reads Express's router stack, which the
 * public API does not describe, so anything unexpected counts as not found.
 */
export function routerMountPath(req: Request): string | undefined {
  const visit = (stack: unknown, prefix: string, depth: number): string | undefined => {
    if (!Array.isArray(stack) || depth > 8) return undefined;
    for (const layer of stack as LayerLike[]) {
      const path = typeof layer?.rawPath === 'string' ? layer.rawPath.replace(/\/+$/, '') : layer?.slash === true ? '' : undefined;
      const here = path === undefined ? '?' : prefix === '?' ? '?' : prefix + path;
      if (typeof layer?.handle === 'function' && egnyteRouters.has(layer.handle)) return here;
      const inner = (layer?.handle as { stack?: unknown } | undefined)?.stack;
      const found = inner === undefined ? undefined : visit(inner, here, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  try {
    return visit((req.app as unknown as { router?: { stack?: unknown } } | undefined)?.router?.stack, '', 0);
  } catch {
    return undefined;
  }
}

/**
 * The guard ran on a request `egnyteAuth()` did not see. Either it is mounted after the route,
 * or under a sub-path this request is not under; the app's router stack tells which.
 */
export function routerMissingError(req: Request): EgnyteAuthError {
  const mount = routerMountPath(req);
  if (mount !== undefined && mount !== '') {
    const where = mount === '?' ? 'under a sub-path' : `at "${mount}" (app.use('${mount}', egnyteAuth(...)))`;
    return new EgnyteAuthError(
      'invalid_config',
      `egnyteAuth() is mounted ${where}, so it does not see ${req.originalUrl.split('?')[0] ?? '/'}, where the guard runs. Mount it ` +
        'at the app\'s root, app.use(egnyteAuth({...})), before your guarded routes, and move its own routes with the `routes` ' +
        `option if you want them under ${mount === '?' ? 'that path' : mount} (e.g. routes: { login: '${mount === '?' ? '/auth' : mount}/login', ... }).`,
    );
  }
  return new EgnyteAuthError(
    'invalid_config',
    'requireEgnyteUser() runs before egnyteAuth(): mount app.use(egnyteAuth({...})) before your guarded routes (and add to res.locals rather than replacing it).',
  );
}
