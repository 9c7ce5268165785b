/**
 * `egnyteErrorHandler()`: a default error handler for {@link EgnyteAuthError}: the right
 * status and `Retry-After`, and a short escaped HTML page or JSON by content negotiation, with
 * the package's page headers (`web/page-headers.ts`). Never a stack trace, a cause or a secret.
 * Other errors go on to the app's handlers.
 */
import type { ErrorRequestHandler } from 'express';
import type { EgnyteAuthErrorCode } from '../errors/errors.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { escapeHtml } from '../web/html.js';
import { prefersHtml } from '../web/negotiation.js';
import { setPageHeaders } from '../web/page-headers.js';
import { findRuntime, loginUrl } from '../guard/runtime.js';

const TITLES: Partial<Record<EgnyteAuthErrorCode, string>> = {
  access_denied: 'You declined access',
  invalid_domain: 'That is not an Egnyte domain',
  domain_not_allowed: 'This Egnyte domain cannot sign in here',
  rate_limited: 'Egnyte is busy',
  sign_in_throttled: 'Too many failed sign-ins',
  upstream_unavailable: 'Egnyte is not answering',
  session_missing: 'Your sign-in session was lost',
  state_mismatch: 'This sign-in link is not valid any more',
  key_domain_mismatch: 'This app is not enabled for your Egnyte domain',
  developer_inactive: 'Egnyte refused the app\'s credentials',
  login_required: 'Please sign in',
  session_store_failed: 'Sessions are unavailable',
  invalid_config: 'The app is misconfigured',
};

const RETRYABLE_BY_SIGN_IN = new Set<EgnyteAuthErrorCode>([
  'access_denied', 'invalid_domain', 'state_missing', 'state_mismatch', 'session_missing', 'missing_code', 'invalid_request',
  'unknown_domain', 'authorization_failed', 'token_exchange_failed', 'login_required', 'developer_inactive',
]);

/** The page the handler renders for a browser; `home` is the app's home as the browser sees it. */
export function renderErrorPage(err: EgnyteAuthError, signInUrl: string | undefined, home = '/'): string {
  const title = TITLES[err.code] ?? 'Sign-in failed';
  const retry = signInUrl && RETRYABLE_BY_SIGN_IN.has(err.code) ? `<p><a href="${escapeHtml(signInUrl)}">Sign in again</a></p>` : '';
  const wait = err.retryAfter !== undefined ? `<p>Try again in ${err.retryAfter} second${err.retryAfter === 1 ? '' : 's'}.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(err.message)}</p>
${wait}${retry}<p><a href="${escapeHtml(home)}">Home</a></p>
<p><small>Error code: ${escapeHtml(err.code)}</small></p>
</body></html>`;
}

/**
 * Renders {@link EgnyteAuthError}s; mount it after your routes. Other errors are passed on.
 *
 * @example
 * ```ts
 * import { egnyteErrorHandler } from 'express-egnyte-auth';
 *
 * app.use(egnyteErrorHandler()); // after your routes
 * ```
 */
export function egnyteErrorHandler(): ErrorRequestHandler {
  return function egnyteErrorPage(err, req, res, next) {
    if (!(err instanceof EgnyteAuthError) || res.headersSent) return next(err);
    // An error page may be served at the callback's URL, which holds the code (see page-headers.ts).
    setPageHeaders(res);
    res.status(err.status);
    if (err.retryAfter !== undefined) res.set('Retry-After', String(err.retryAfter));
    if (prefersHtml(req)) {
      const attached = findRuntime(req);
      res.type('html').send(renderErrorPage(err, attached ? loginUrl(attached) : undefined, attached?.runtime.config.homePath));
    } else {
      res.json(err.toJSON());
    }
  };
}
