/**
 * A start-up warning for a session cookie that page scripts can read (`httpOnly: false`). The
 * session cookie is the sign-in: a script that reads it (an XSS, a compromised third-party
 * script) can replay it from anywhere for as long as the login lives. express-session sets
 * `httpOnly: true` unless told otherwise, so this only fires for an explicit `false`. Checked
 * on the first request with a session, like the other cookie checks (`cookie-check.ts`), and
 * reported under the same code.
 */
import { COOKIE_WARNING_CODE } from './cookie-check.js';

/** The cookie field the check reads (express-session's `Cookie` has it). */
export interface HttpOnlyCookieLike {
  httpOnly?: boolean | undefined;
}

/** Why the cookie's `httpOnly` weakens the sign-in, or `undefined`. Pure. */
export function httpOnlyProblem(cookie: HttpOnlyCookieLike | undefined): string | undefined {
  if (cookie?.httpOnly !== false) return undefined;
  return 'the session cookie is httpOnly: false, so any script on your pages (an XSS, a compromised third-party script) can read it and sign in as the user from anywhere; leave httpOnly at express-session\'s default, true';
}

/** A check that looks at the first cookie it is given only, and warns at most once. */
export function httpOnlyWarner(): (cookie: HttpOnlyCookieLike | undefined) => void {
  let checked = false;
  return (cookie) => {
    if (checked || !cookie) return;
    checked = true;
    const problem = httpOnlyProblem(cookie);
    if (problem) process.emitWarning(`express-egnyte-auth: ${problem}.`, { type: 'EgnyteAuthWarning', code: COOKIE_WARNING_CODE });
  };
}
