/** The options of `egnyteAuth()` after validation (options.ts): what every module reads its settings from. */
import type { Request } from 'express';
import type { EgnyteCoordination } from '../coordination/types.js';
import type { EgnyteClientConfig, FetchLike } from '../egnyte/config.js';
import type { EgnyteAuthOptions, EgnyteRegion } from '../types.js';

/** Options after validation, with every default filled in. */
export interface ResolvedConfig extends EgnyteClientConfig {
  clientId: string;
  clientSecret: string;
  baseUrl: string;
  /** baseUrl's path (`''` at the root, else e.g. `/app`): every path the package makes starts with it. */
  basePath: string;
  /** The app's home as the browser sees it: `basePath + '/'`. */
  homePath: string;
  redirectUri: string;
  scope: string | undefined;
  region: (req: Request) => EgnyteRegion;
  domain: string | undefined;
  isAllowed: (host: string) => boolean;
  hostSuffixes: readonly string[];
  /** Paths of the routes (also of those turned off: the guard still sends browsers to `login`). */
  routes: { login: string; callback: string; logout: string };
  /** Which routes the router mounts. */
  mounted: { login: boolean; callback: boolean; logout: boolean };
  apiLimits: { perSecond: number; perDay: number };
  apiWaitMs: number;
  afterCallback: EgnyteAuthOptions['afterCallback'];
  onLogin: EgnyteAuthOptions['onLogin'];
  onLogout: EgnyteAuthOptions['onLogout'];
  postLogoutRedirect: string;
  userCacheMs: number;
  timeoutMs: number;
  revokeOnLogout: boolean;
  fetch: FetchLike;
  enhancedAuthUrls: Readonly<Record<EgnyteRegion, string>>;
  /** Hosts of the Enhanced Auth Service: never an Egnyte customer domain. */
  enhancedAuthHosts: ReadonlySet<string>;
  domainBaseUrl: (host: string) => string;
  /** From `endpoints`: an emulator's mapping of its Referers to domains. */
  domainFromReferer: ((referer: URL) => string | undefined) | undefined;
  coordination: EgnyteCoordination;
  /** Absolute login lifetime (ms), when set. */
  maxSessionAgeMs: number | undefined;
  /** Idle limit (ms), when set. */
  idleTimeoutMs: number | undefined;
  /** Send a PKCE challenge with every authorization request. */
  pkce: boolean;
  /** The secrets tokens are sealed with, the first sealing (`undefined`: `clientSecret` alone). Never logged. */
  tokenKeys: readonly string[] | undefined;
}
