/**
 * The `endpoints` that point `egnyteAuth()` at an emulator, built from its URL alone. The
 * emulator's own `endpoints` use it, and an app in another process (which cannot be handed
 * functions) rebuilds the same from `emulator.url`.
 */
import type { EgnyteEndpoints } from '../types.js';
import { domainFromRefererOf } from './origins.js';

/**
 * The endpoints of the emulator listening at `emulatorUrl` (e.g. `http://127.0.0.1:4000`).
 *
 * @example
 * ```ts
 * import { egnyteAuth } from 'express-egnyte-auth';
 * import { emulatorEndpoints } from 'express-egnyte-auth/testing';
 *
 * // in an app process started by a test that runs the emulator (or next to `npx egnyte-emulator`):
 * app.use(egnyteAuth({ ...options, endpoints: emulatorEndpoints(process.env.EMULATOR_URL!) }));
 * ```
 */
export function emulatorEndpoints(emulatorUrl: string): Required<EgnyteEndpoints> {
  const url = new URL(emulatorUrl);
  const base = url.origin;
  return Object.freeze({
    enhancedAuth: Object.freeze({ us: `${base}/eas/us/services/oauth/code`, eu: `${base}/eas/eu/services/oauth/code` }),
    domainBaseUrl: (host: string) => `${base}/d/${host}`,
    // Each domain's pages are on http://{host}.localhost:PORT, so a browser coming back from
    // them names the domain in its Referer, as it names acme.egnyte.com coming back from Egnyte.
    domainFromReferer: domainFromRefererOf(Number(url.port)),
  });
}
