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

/**
 * The host an emulator's `domainFromReferer` maps the Referer to. Its code is the app's, not
 * ours: a throw or a non-string answer counts as "no domain" rather than failing the sign-in.
 */
function mappedHost(config: ResolvedConfig, url: URL): string | undefined {
  if (!config.domainFromReferer) return undefined;
  try {
    const host = config.domainFromReferer(new URL(url.href));
    return typeof host === 'string' && host !== '' ? host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Referer's domain, when it names an Egnyte customer domain: its https host, or what the
 * configured `domainFromReferer` maps it to. Never an Enhanced Auth Service host: that service
 * is where the user typed a domain, not the domain that issued the code.
 */
function domainFromReferer(req: Request, config: ResolvedConfig): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  if (config.enhancedAuthHosts.has(url.host)) return undefined;
  const candidate = mappedHost(config, url) ?? (url.protocol === 'https:' ? url.host : undefined);
  if (candidate === undefined) return undefined;
  let host: string;
  try {
    host = normalizeEgnyteDomain(candidate, config);
  } catch {
    return undefined;
  }
  return config.enhancedAuthHosts.has(host) ? undefined : host;
}

/**
 * Which domain issued the code: bound at login, else the `domain` parameter, else the
 * Referer. Undefined when none of them tells: the caller asks the user (see `domain-prompt.ts`).
 */
export function callbackDomain(req: Request, config: ResolvedConfig, bound: string | undefined, param: string | undefined): string | undefined {
  if (bound) return bound;
  if (param) return normalizeEgnyteDomain(param, config);
  return domainFromReferer(req, config);
}

/** The `unknown_domain` refusal, for clients that cannot be asked (API clients). */
export function unknownDomainError(): EgnyteAuthError {
  return new EgnyteAuthError(
    'unknown_domain',
    'The sign-in callback does not say which Egnyte domain issued the code (no "domain" parameter and no Egnyte Referer). ' +
      'Start the sign-in again with your domain, e.g. /egnyte/login?domain=acme, or configure a fixed `domain`.',
  );
}
