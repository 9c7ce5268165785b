/**
 * No dead end after the Enhanced Auth Service: when a callback cannot tell which Egnyte
 * domain issued its code (no domain bound at login, no `domain` parameter, no usable
 * Referer), a browser is asked once which domain it just signed in to, and the login starts
 * again bound to that domain.
 *
 * Why restart rather than finish the exchange with the typed domain: the code would then go,
 * with the client secret, to a domain the callback only guessed (the user may mistype, or be
 * tricked into typing an attacker's domain: a mix-up), whereas a login bound to its domain
 * sends the code only to the domain that issued it. The unused code is dropped: it is single
 * use and short-lived, and never appears in the page.
 */
import type { Request, Response } from 'express';
import { brandedDomainOf } from '../config/branded-domain.js';
import type { ResolvedConfig } from '../config/options.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { sanitizeReturnTo } from '../config/return-to.js';
import { findRuntime, loginUrl } from '../guard/runtime.js';
import { escapeHtml } from '../web/html.js';
import { prefersHtml } from '../web/negotiation.js';
import { sendPage } from '../web/page-headers.js';
import { unknownDomainError } from './callback-domain.js';

/** The page's text, kept together so the reason given to the user stays in one place. */
const WHY =
  'Egnyte sent you back without saying which Egnyte domain you signed in to: your browser, a privacy setting ' +
  'or a single sign-on step held that information back. This app does not guess, so that your sign-in only ' +
  'ever goes to the domain you choose. Type it and you will sign in on it once more (if you are still signed ' +
  'in to Egnyte, without typing your password again).';

/** The question page: a GET form to the login route with `domain` and the original `returnTo`. */
export function renderDomainPrompt(action: string, returnTo: string, home = '/'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Which Egnyte domain?</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>Which Egnyte domain did you sign in to?</h1>
<p>${escapeHtml(WHY)}</p>
<form method="get" action="${escapeHtml(action)}">
<input type="hidden" name="returnTo" value="${escapeHtml(returnTo)}">
<p><label for="egnyte-domain">Egnyte domain</label><br>
<input type="text" id="egnyte-domain" name="domain" required autocomplete="off" autocapitalize="none" spellcheck="false" placeholder="yourcompany.egnyte.com" aria-describedby="egnyte-domain-hint"></p>
<p id="egnyte-domain-hint"><small>For example <code>acme</code> or <code>acme.egnyte.com</code>: the address you use to open Egnyte.</small></p>
<p><button type="submit">Continue</button></p>
</form>
<p><a href="${escapeHtml(home)}">Home</a></p>
</body></html>`;
}

/**
 * Answers a callback whose domain is unknown: the question page for a browser, the
 * `unknown_domain` error (thrown) for an API client, which cannot answer a form.
 *
 * The page needs no CSRF token: submitting it only starts a fresh login, exactly what the
 * login link already does, and it carries no state or code.
 */
export function askForDomain(req: Request, res: Response, config: ResolvedConfig, returnTo: string): void {
  // A fixed domain binds every login, so this cannot happen; if it somehow does, refuse
  // rather than offer a choice the app does not allow.
  if (config.domain !== undefined || !prefersHtml(req)) throw unknownDomainError();
  const attached = findRuntime(req);
  const action = attached ? loginUrl(attached) : config.basePath + config.routes.login;
  // The page's own URL holds the dropped code: no Referer may carry it anywhere (page-headers.ts).
  sendPage(res, 200, renderDomainPrompt(action, sanitizeReturnTo(returnTo, config.homePath), config.homePath));
}

/**
 * The page for a company's branded domain (`files.acme.com`) typed as the Egnyte domain: it is
 * not one, and this app does not look it up (see `config/branded-domain.ts`), but Egnyte's
 * Enhanced Auth Service does. The page offers to continue there (the login without a domain,
 * same `returnTo`), and asks again for a user who knows their `{name}.egnyte.com`.
 */
export function renderBrandedDomainOffer(loginAction: string, continueUrl: string, typed: string, returnTo: string, home = '/'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Continue at Egnyte's sign-in page</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>Continue at Egnyte's sign-in page?</h1>
<p><strong>${escapeHtml(typed)}</strong> is not an Egnyte address (those end in .egnyte.com), but it may be your company's own
address for Egnyte. Egnyte's sign-in page knows these addresses: continue there, and type ${escapeHtml(typed)} when it asks for your domain.</p>
<p><a id="egnyte-continue" href="${escapeHtml(continueUrl)}">Continue at Egnyte's sign-in page</a></p>
<form method="get" action="${escapeHtml(loginAction)}">
<input type="hidden" name="returnTo" value="${escapeHtml(returnTo)}">
<p><label for="egnyte-domain">Or type your Egnyte domain</label><br>
<input type="text" id="egnyte-domain" name="domain" required autocomplete="off" autocapitalize="none" spellcheck="false" placeholder="yourcompany.egnyte.com"></p>
<p><button type="submit">Continue</button></p>
</form>
<p><a href="${escapeHtml(home)}">Home</a></p>
</body></html>`;
}

/**
 * When `typed` may be a branded domain, answers for it instead of the `invalid_domain` refusal
 * `error`: the offer page for a browser, or (thrown) the same refusal with the way out for an
 * API client. Answers false, leaving the refusal to the caller, for anything else.
 */
export function offerEnhancedAuth(req: Request, res: Response, config: ResolvedConfig, typed: string, returnTo: string | undefined, error: unknown): boolean {
  if (!(error instanceof EgnyteAuthError) || error.code !== 'invalid_domain') return false;
  const host = brandedDomainOf(typed, config.hostSuffixes);
  if (host === undefined) return false;
  if (!prefersHtml(req)) {
    throw new EgnyteAuthError(
      'invalid_domain',
      `"${host}" is not an Egnyte domain, but it may be your company's own address for Egnyte: start the sign-in without a domain ` +
        `(${config.basePath + config.routes.login}), and type it on Egnyte's sign-in page, which resolves such addresses.`,
    );
  }
  const attached = findRuntime(req);
  const action = attached ? loginUrl(attached) : config.basePath + config.routes.login;
  const back = sanitizeReturnTo(returnTo, config.homePath);
  sendPage(res, 200, renderBrandedDomainOffer(action, `${action}?returnTo=${encodeURIComponent(back)}`, host, back, config.homePath));
  return true;
}
