/**
 * Each emulated domain's own origin, `http://{host}.localhost:PORT`. Real Egnyte serves every
 * customer on its own host, so a browser coming back from a domain's pages sends a Referer
 * that names the domain (an origin-only one under the default referrer policy). One shared
 * origin with `/d/{host}` paths could never show that, hence these origins for the pages a
 * browser sees. Chromium resolves every `*.localhost` name to loopback by itself (RFC 6761);
 * Node does not, so Node clients keep using the path-based `domainBaseUrl`.
 */

const LOCALHOST_SUFFIX = '.localhost';

/** The browser-facing origin of `host` on an emulator listening on `port`. */
export function domainOrigin(host: string, port: number): string {
  return `http://${host}${LOCALHOST_SUFFIX}:${port}`;
}

/**
 * The emulated domain a request's `Host` header names (`acme.egnyte.com.localhost:PORT` ->
 * `acme.egnyte.com`), or undefined for the shared origin (`127.0.0.1`, `localhost`).
 */
export function hostFromHostHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const name = header.trim().toLowerCase().replace(/:\d+$/, '');
  if (!name.endsWith(LOCALHOST_SUFFIX)) return undefined;
  const host = name.slice(0, -LOCALHOST_SUFFIX.length);
  return host === '' ? undefined : host;
}

/**
 * Maps a Referer of one of this emulator's domain origins back to the domain it stands for;
 * anything else (another port, https, the shared origin) is not ours to map.
 */
export function domainFromRefererOf(port: number): (referer: URL) => string | undefined {
  return (referer: URL): string | undefined => {
    if (referer.protocol !== 'http:' || referer.port !== String(port)) return undefined;
    return hostFromHostHeader(referer.hostname);
  };
}
