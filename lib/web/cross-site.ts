/**
 * Where a request comes from, as the browser says: from a page of this app's origin (or typed
 * by the user), or from another site. Browsers say it in `Sec-Fetch-Site` (every current
 * browser), in `Origin` (sent with every POST), and, for navigations of older browsers, in the
 * `Referer`. Requests of non-browser clients (curl, supertest, a server) carry none of them.
 *
 * "This app" is `baseUrl`'s origin, the address users reach it at (behind a proxy too; the
 * `Host` header is not trusted). Another origin of the same site (a sibling subdomain, another
 * port) counts as another site: a sibling may host content the app does not control. Pure.
 */
import type { Request } from 'express';

/** What a request's headers say about where it comes from. */
export type RequestSource =
  /** This app's origin, or the user typing the URL or opening a bookmark (`Sec-Fetch-Site: none`). */
  | 'same-origin'
  /** Another site, or another origin of the same site. */
  | 'cross-site'
  /** Nothing said: a non-browser client, or an old browser with no Referer. */
  | 'unknown';

/** Which headers to read: `Referer` only for navigations (a POST always has `Origin`). */
export interface SourceOptions {
  /** Also read the `Referer` when there is neither `Sec-Fetch-Site` nor `Origin`. */
  referer?: boolean;
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where `req` comes from, relative to `appOrigin` (`new URL(baseUrl).origin`). The first header
 * present decides: `Sec-Fetch-Site`, then `Origin` (`null` is another site: a sandboxed frame or
 * a privacy redirect), then, with `referer`, the `Referer`. An unknown `Sec-Fetch-Site` value
 * counts as another site.
 */
export function requestSource(req: Request, appOrigin: string, options: SourceOptions = {}): RequestSource {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? 'same-origin' : 'cross-site';
  const origin = req.get('origin');
  if (origin !== undefined) return originOf(origin) === appOrigin ? 'same-origin' : 'cross-site';
  if (options.referer) {
    const referer = req.get('referer');
    if (referer) return originOf(referer) === appOrigin ? 'same-origin' : 'cross-site';
  }
  return 'unknown';
}

/** What a refusal names as the request's source, for messages: its `Origin` when a plain one, else "another site". */
export function describeSource(req: Request): string {
  const origin = req.get('origin');
  const parsed = origin ? originOf(origin) : undefined;
  return parsed && /^[\w.:/-]{1,200}$/.test(parsed) ? `another site (${parsed})` : 'another site';
}
