/**
 * The endpoints of an emulator that runs in another process: `emulator.endpoints` holds
 * functions, which cannot be sent to an instance, so each instance rebuilds them from the
 * emulator's URL. They mirror `startEgnyteEmulator()`'s own (a spec compares the two).
 */
import type { EgnyteEndpoints } from 'express-egnyte-auth';

const LOCALHOST_SUFFIX = '.localhost';

/** The endpoints of the emulator listening at `emulatorUrl` (e.g. `http://127.0.0.1:4000`). */
export function emulatorEndpoints(emulatorUrl: string): EgnyteEndpoints {
  const base = new URL(emulatorUrl).origin;
  const port = new URL(emulatorUrl).port;
  return {
    enhancedAuth: { us: `${base}/eas/us/services/oauth/code`, eu: `${base}/eas/eu/services/oauth/code` },
    domainBaseUrl: (host: string) => `${base}/d/${host}`,
    // The consent page of domain D is served on http://D.localhost:PORT, so a browser coming
    // back from it names D in its Referer (as it names acme.egnyte.com coming back from Egnyte).
    domainFromReferer: (referer: URL) => {
      if (referer.protocol !== 'http:' || referer.port !== port) return undefined;
      const name = referer.hostname.toLowerCase();
      if (!name.endsWith(LOCALHOST_SUFFIX)) return undefined;
      const host = name.slice(0, -LOCALHOST_SUFFIX.length);
      return host === '' ? undefined : host;
    },
  };
}
