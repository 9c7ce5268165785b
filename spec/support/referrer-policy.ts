/**
 * The Referer a browser sends, per the W3C Referrer Policy spec ("determine request's
 * Referrer"), so the TestBrowser shows the package what Chromium would. The demo's browser
 * test checks the same cases against the real Chromium.
 */
import { REFERRER_POLICIES } from '../../lib/testing/options.js';

/** Where a navigation comes from: the page's URL and the referrer policy in force. */
export interface ReferrerSource {
  /** URL of the page the navigation starts from. */
  url: string;
  /** The policy in force (`''`: the default, strict-origin-when-cross-origin). */
  policy: string;
}

const POLICIES = REFERRER_POLICIES;

/**
 * The policy a `Referrer-Policy` header sets: the last token a browser knows, or `''` (no
 * change) when it names none.
 */
export function parseReferrerPolicy(header: string | null | undefined): string {
  let policy = '';
  for (const token of (header ?? '').split(',')) {
    const value = token.trim().toLowerCase();
    if (POLICIES.has(value)) policy = value;
  }
  return policy;
}

/** The `Referer` header for a request to `target` from `source`, or undefined for none. */
export function refererFor(source: ReferrerSource | undefined, target: string): string | undefined {
  if (!source) return undefined;
  const from = new URL(source.url);
  if (from.protocol !== 'http:' && from.protocol !== 'https:') return undefined;
  from.hash = '';
  from.username = '';
  from.password = '';
  const to = new URL(target);
  const full = from.href;
  const origin = `${from.origin}/`;
  const sameOrigin = from.origin === to.origin;
  const downgrade = from.protocol === 'https:' && to.protocol !== 'https:';
  switch (source.policy || 'strict-origin-when-cross-origin') {
    case 'no-referrer':
      return undefined;
    case 'unsafe-url':
      return full;
    case 'no-referrer-when-downgrade':
      return downgrade ? undefined : full;
    case 'same-origin':
      return sameOrigin ? full : undefined;
    case 'origin':
      return origin;
    case 'strict-origin':
      return downgrade ? undefined : origin;
    case 'origin-when-cross-origin':
      return sameOrigin ? full : origin;
    default:
      return sameOrigin ? full : downgrade ? undefined : origin;
  }
}
