/**
 * A start-up sanity check of the session cookie. egnyteAuth() cannot see express-session's
 * options, only the cookie of a request (`req.session.cookie`), so the router runs this on
 * the first request with a session and warns once, through `process.emitWarning`, when
 * the cookie cannot carry a sign-in across Egnyte's redirect or leaks over plain http.
 */

/** The `code` of the warning, for `process.on('warning')` filters. */
export const COOKIE_WARNING_CODE = 'EGNYTE_AUTH_COOKIE';

/** The cookie fields the check reads (a subset of express-session's `Cookie`). */
export interface CookieLike {
  sameSite?: boolean | string | undefined;
  secure?: boolean | string | undefined;
}

/** Every reason the session cookie will break or weaken the sign-in. Pure. */
export function cookieProblems(cookie: CookieLike | undefined, baseUrl: string): string[] {
  if (!cookie) return [];
  const sameSite = cookie.sameSite === true ? 'strict' : typeof cookie.sameSite === 'string' ? cookie.sameSite.toLowerCase() : undefined;
  const secure = cookie.secure === true;
  const problems: string[] = [];
  if (sameSite === 'strict') {
    // The callback is a cross-site navigation from Egnyte: a strict cookie is not sent with it.
    problems.push('the session cookie is sameSite "strict", so browsers do not send it with the callback from Egnyte; use "lax"');
  }
  if (sameSite === 'none' && !secure) {
    problems.push('the session cookie is sameSite "none" without "secure", which browsers reject; use "lax", or set secure: true');
  }
  const plainHttp = secureOnPlainHttp(secure, baseUrl);
  if (plainHttp) problems.push(plainHttp);
  if (baseUrl.startsWith('https:') && !secure) {
    problems.push('baseUrl is https but the session cookie is not "secure", so it would also travel over plain http; set cookie.secure (and app.set("trust proxy", ...) behind a proxy)');
  }
  return problems;
}

/**
 * A `secure` cookie with an http baseUrl: express-session sets no cookie on plain http, so every
 * sign-in loses its state, silently. (`secure: 'auto'` is fine: it follows the connection.)
 */
function secureOnPlainHttp(secure: boolean, baseUrl: string): string | undefined {
  if (!secure || !baseUrl.startsWith('http:')) return undefined;
  return (
    'the session cookie is "secure" but baseUrl is http, so express-session never sends it and every sign-in loses its state; ' +
    'set cookie.secure: false for http development (e.g. secure: baseUrl.startsWith("https:")), or serve the app on https'
  );
}

/** A check that looks at the first cookie it is given only, and warns at most once. */
export function cookieWarner(baseUrl: string): (cookie: CookieLike | undefined) => void {
  let checked = false;
  return (cookie) => {
    if (checked || !cookie) return;
    checked = true;
    const problems = cookieProblems(cookie, baseUrl);
    if (problems.length === 0) return;
    process.emitWarning(`express-egnyte-auth: ${problems.join('; ')}.`, { type: 'EgnyteAuthWarning', code: COOKIE_WARNING_CODE });
  };
}
