/**
 * A sign-in that another site chose is confirmed on this one first. A link elsewhere to
 * `/egnyte/login?domain=x&returnTo=/upload` would otherwise start a login bound to a domain and
 * a destination the user never asked for here: the sign-in page of a tenant the attacker
 * picked, then a page of this app the attacker picked (a login CSRF, and a way round the app's
 * own cross-site defences, since the last hop comes from this site). So a navigation from
 * another site (or another origin of this site) that carries `domain` or `returnTo` gets a page
 * on this site naming both, with a button that starts exactly that sign-in: the form is this
 * site's own page, so its submission comes from this origin and starts the login at once.
 *
 * A bare `/egnyte/login` from another site is not held back: it binds nothing, and the user
 * types their domain at Egnyte. The app's own guard redirects (`?returnTo=` of a deep link
 * opened from another site) are confirmed too: one click on a "Sign in" page the user was
 * sent to anyway. `res.egnyteLogin()` is the app's own handler, and the app's to check.
 */
import type { Request, Response } from 'express';
import { normalizeEgnyteDomain } from '../config/domain.js';
import type { ResolvedConfig } from '../config/options.js';
import { sanitizeReturnTo } from '../config/return-to.js';
import { log } from '../log.js';
import { requestSource } from '../web/cross-site.js';
import { escapeHtml } from '../web/html.js';
import { sendPage } from '../web/page-headers.js';
import { checkAllowed } from './callback-domain.js';
import type { LoginParams } from './params.js';

/**
 * True when the request binds a domain or a destination and comes from another site than
 * `appOrigin` (`baseUrl`'s origin).
 */
export function needsConfirmation(req: Request, config: ResolvedConfig, params: LoginParams, appOrigin: string): boolean {
  const binds = params.returnTo !== undefined || (params.domain !== undefined && config.domain === undefined);
  return binds && requestSource(req, appOrigin, { referer: true }) === 'cross-site';
}

function hidden(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">\n`;
}

/** The confirmation page: what the sign-in would bind, and a GET form to `action` that starts it. */
export function renderLoginConfirmation(action: string, home: string, what: { domain?: string; returnTo?: string; region?: string }): string {
  const on = what.domain ? ` on the Egnyte domain <strong>${escapeHtml(what.domain)}</strong>` : ' with Egnyte';
  const then = what.returnTo ? `, then go to <code>${escapeHtml(what.returnTo)}</code>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Sign in with Egnyte</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>Sign in with Egnyte?</h1>
<p>A link from another site asks you to sign in${on}${then}. Continue only if you meant to.</p>
<form method="get" action="${escapeHtml(action)}">
${hidden('domain', what.domain)}${hidden('returnTo', what.returnTo)}${hidden('region', what.region)}<p><button type="submit">Continue to sign in</button></p>
</form>
<p><a href="${escapeHtml(home)}">Cancel</a></p>
</body></html>`;
}

/**
 * Answers with the confirmation page. The domain is checked first (an invalid or refused one
 * throws, as the login would) and shown normalised; `returnTo` is shown as the login would use
 * it. Nothing is stored: the session is not touched.
 */
export function askToConfirmLogin(res: Response, config: ResolvedConfig, params: LoginParams): void {
  const domain = config.domain === undefined && params.domain !== undefined ? normalizeEgnyteDomain(params.domain, config) : undefined;
  if (domain !== undefined) checkAllowed(config, domain);
  const returnTo = params.returnTo === undefined ? undefined : sanitizeReturnTo(params.returnTo, config.homePath);
  const region = params.region === 'us' || params.region === 'eu' ? params.region : undefined;
  log.login('asked to confirm a sign-in linked from another site');
  sendPage(
    res,
    200,
    renderLoginConfirmation(config.basePath + config.routes.login, config.homePath, {
      ...(domain !== undefined ? { domain } : {}),
      ...(returnTo !== undefined ? { returnTo } : {}),
      ...(region !== undefined ? { region } : {}),
    }),
  );
}
