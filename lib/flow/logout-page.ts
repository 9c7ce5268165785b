/**
 * What may sign a user out: only a `POST` to the logout route that does not come from another
 * site. A `GET` signs nobody out (any page on the web can make a browser load a URL: a link, an
 * image, a redirect); it shows a page with a sign-out button, a form that posts to the route.
 * A `POST` whose `Origin` or `Sec-Fetch-Site` names another site, or another origin of this
 * site, is refused (403) with the same page for a browser; a `POST` that says neither (curl,
 * supertest, a server: no browser, so no victim) goes through. `SameSite=Lax` cookies keep
 * most cross-site POSTs away already, but not a same-site sibling, an old browser, or an app
 * whose cookie is `SameSite=None`.
 *
 * The page needs no CSRF token: its form is this app's own page posting to itself (browsers
 * send `Origin`), and it is served with the package's page headers, so no other site can
 * frame it to trick the click (`web/page-headers.ts`).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ResolvedConfig } from '../config/options.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { describeSource, requestSource } from '../web/cross-site.js';
import { escapeHtml } from '../web/html.js';
import { prefersHtml } from '../web/negotiation.js';
import { sendPage } from '../web/page-headers.js';

/** Why the page is shown. */
export type LogoutPageReason = 'asked' | 'refused';

const TEXT: Readonly<Record<LogoutPageReason, string>> = {
  asked: 'To sign out of this app, press the button. (Opening this address signs nobody out, so that a link on another site cannot sign you out.)',
  refused:
    'A page on another site asked this app to sign you out. That was not done: only this app\'s own pages can sign you out. ' +
    'If you do want to sign out, press the button.',
};

/** The sign-out page: one POST form to `action`. */
export function renderLogoutPage(action: string, home: string, reason: LogoutPageReason): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Sign out</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>Sign out?</h1>
<p>${escapeHtml(TEXT[reason])}</p>
<form method="post" action="${escapeHtml(action)}"><p><button type="submit">Sign out</button></p></form>
<p><a href="${escapeHtml(home)}">Stay signed in</a></p>
</body></html>`;
}

function logoutPath(config: ResolvedConfig): string {
  return config.basePath + config.routes.logout;
}

/** `GET` on the logout route: the sign-out page for a browser, 405 (`Allow: POST`) for an API client. Changes nothing. */
export function logoutPageHandler(config: ResolvedConfig): RequestHandler {
  return (req: Request, res: Response): void => {
    if (!prefersHtml(req)) {
      res.setHeader('Allow', 'POST');
      throw new EgnyteAuthError('invalid_request', `Sign out with POST ${logoutPath(config)}: a GET signs nobody out, so that a link on another site cannot.`, {
        status: 405,
      });
    }
    sendPage(res, 200, renderLogoutPage(logoutPath(config), config.homePath, 'asked'));
  };
}

/**
 * Before the logout proper: a `POST` from another site (or another origin of this site) is
 * refused with 403, and nothing changes; the others go on to the logout.
 */
export function refuseCrossSiteLogout(config: ResolvedConfig): RequestHandler {
  const appOrigin = new URL(config.baseUrl).origin;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (requestSource(req, appOrigin) !== 'cross-site') return next();
    log.login('refused a logout from another site');
    if (prefersHtml(req)) return sendPage(res, 403, renderLogoutPage(logoutPath(config), config.homePath, 'refused'));
    next(
      new EgnyteAuthError('invalid_request', `This sign-out came from ${describeSource(req)}, so it was not carried out. Sign out from this app's own pages.`, {
        status: 403,
      }),
    );
  };
}
