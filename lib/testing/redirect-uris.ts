/**
 * Which redirect URIs a key may send codes to. At Egnyte, a key has the redirect URI it was
 * registered with and nothing else (EGNYTE.md, "Flows"); an emulator key that accepted any URI
 * would hand a code to whatever site a link named, e.g. from the demo run with `HOST=0.0.0.0`.
 *
 * - A key with `redirectUris` accepts exactly those.
 * - A key without (the default keys) is registered for loopback only: http(s) on `localhost`,
 *   `127.0.0.1` or `[::1]`, any port and path, where apps under test and the demo listen
 *   (loopback ports vary from run to run, as RFC 8252 section 7.3 allows for native apps).
 * - `anyRedirectUri: true` (an emulator option, for tests that want it) accepts any absolute
 *   http(s) URI, as the emulator did before.
 *
 * A URI must always be absolute http(s), without a fragment. Pure.
 */
import type { EmulatorClient } from './types.js';

/** The hosts a key without `redirectUris` is registered for. */
export const LOOPBACK_REDIRECT_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

function parse(uri: string): URL | undefined {
  try {
    const url = new URL(uri);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && uri.indexOf('#') === -1 ? url : undefined;
  } catch {
    return undefined;
  }
}

/** True when `client` may send a code to `uri` (see the module comment). */
export function isRegisteredRedirectUri(client: EmulatorClient, uri: string, anyRedirectUri: boolean): boolean {
  const url = parse(uri);
  if (!url) return false;
  if (client.redirectUris) return client.redirectUris.includes(uri);
  return anyRedirectUri || LOOPBACK_REDIRECT_HOSTS.includes(url.hostname);
}

/** The host names `client` is registered for, to tell a wrong host from a wrong path in refusals. */
export function registeredHostnames(client: EmulatorClient): string[] {
  if (!client.redirectUris) return [...LOOPBACK_REDIRECT_HOSTS];
  return client.redirectUris.flatMap((u) => {
    const url = parse(u);
    return url ? [url.hostname] : [];
  });
}
