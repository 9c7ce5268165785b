/**
 * Checks of the demo's settings that take more than a line: each reads one raw value, adds
 * its problems to the list, and returns the value to use (undefined when wrong).
 */

/** Quotes user input in a message: bounded, printable. Never used for secrets. */
export function clip(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return shown.replace(/[^\x20-\x7e…]/g, '?');
}

/** True for the names of this machine, where plain http is acceptable. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** `BASE_URL`: an https origin (http on localhost) with an optional path, without a trailing slash. */
export function checkBaseUrl(raw: string, problems: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`BASE_URL must be an absolute URL such as https://demo.example.com, not "${clip(raw)}".`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`BASE_URL must start with https:// (or http:// on localhost), not "${clip(raw)}".`);
  } else if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    problems.push(`BASE_URL must use https: Egnyte only redirects to https addresses (http is accepted on localhost only), not "${clip(raw)}".`);
  } else if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    problems.push(`BASE_URL must be an origin with an optional path, without query, fragment or credentials, not "${clip(raw)}".`);
  } else {
    return url.href.replace(/\/+$/, '');
  }
  return undefined;
}

/** `TRUST_PROXY`: a hop count, true/false, or express's list forms (loopback, CIDRs...). */
export function checkTrustProxy(raw: string, problems: string[]): number | string | undefined {
  const lower = raw.toLowerCase();
  if (lower === 'false' || lower === '0' || lower === 'no') return undefined;
  if (lower === 'true' || lower === 'yes') return 1;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  if (/^[\w.:/, -]+$/.test(raw)) return raw;
  problems.push(`TRUST_PROXY must be a number of proxy hops (e.g. 1), "true", or a list such as "loopback", not "${clip(raw)}".`);
  return undefined;
}
