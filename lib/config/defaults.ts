/** Egnyte's hosts and the package's default paths: constants shared by the config and the flow. */
import type { EgnyteRegion } from '../types.js';

/** Egnyte's Enhanced Auth Service, per region. */
export const ENHANCED_AUTH_URLS: Readonly<Record<EgnyteRegion, string>> = Object.freeze({
  us: 'https://us-partner-integrations.egnyte.com/services/oauth/code',
  eu: 'https://partner-integrations.egnyte.com/services/oauth/code',
});

/** Default paths of the routes the router mounts. */
export const DEFAULT_ROUTES: Readonly<{ login: string; callback: string; logout: string }> = Object.freeze({ login: '/egnyte/login', callback: '/egnyte/callback', logout: '/egnyte/logout' });
