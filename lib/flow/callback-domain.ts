/**
 * Which Egnyte domain issued a callback's code, and whether that domain may sign in here.
 * A learned domain is untrusted input: it is validated exactly like a domain a user typed.
 */
import type { Request } from 'express';
import type { ResolvedConfig } from '../config/options.js';
import { normalizeEgnyteDomain } from '../config/domain.js';
import { EgnyteAuthError } from '../errors/errors.js';

/** Throws `domain_not_allowed` unless `allowedDomains` lets `domain` sign in. */
export function checkAllowed(config: ResolvedConfig, domain: string): void {
  if (!config.isAllowed(domain)) {
    throw new EgnyteAuthError('domain_not_allowed', `The Egnyte domain ${domain} is not allowed to sign in to this app. Ask the app's administrator.`);
  }
}

/** The Referer's host, when it is an Egnyte customer domain (not the Enhanced Auth Service). */
function domainFromReferer(req: Request, config: ResolvedConfig): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || config.enhancedAuthHosts.has(url.host)) return undefined;
  try {
    return normalizeEgnyteDomain(url.host, config);
  } catch {
    return undefined;
  }
}

/** Which domain issued the code: bound at login, else the `domain` parameter, else the Referer. */
export function callbackDomain(req: Request, config: ResolvedConfig, bound: string | undefined, param: string | undefined): string {
  if (bound) return bound;
  if (param) return normalizeEgnyteDomain(param, config);
  const fromReferer = domainFromReferer(req, config);
  if (fromReferer) return fromReferer;
  throw new EgnyteAuthError(
    'unknown_domain',
    'The sign-in callback does not say which Egnyte domain issued the code (no "domain" parameter and no Egnyte Referer). ' +
      'Start the sign-in again with your domain, e.g. /egnyte/login?domain=acme, or configure a fixed `domain`.',
  );
}

