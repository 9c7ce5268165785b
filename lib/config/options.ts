/**
 * Validating `egnyteAuth()` options once, at start-up: every problem is collected and
 * thrown together, so a developer fixes them in one pass.
 */
import type { Request } from 'express';
import type { EgnyteCoordination } from '../coordination/types.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { egnyteFetch } from '../egnyte/http-client.js';
import type { EgnyteAuthOptions, EgnyteRegion } from '../types.js';
import {
  Problems,
  checkAllowed,
  checkBaseUrl,
  checkDomainList,
  checkHostSuffixes,
  checkNumber,
  checkRegion,
  checkScope,
  checkSeconds,
  checkTokenKeys,
  isNonEmptyString,
} from './checks.js';
import { ENHANCED_AUTH_URLS } from './defaults.js';
import { basePathOf } from './mount-check.js';
import { checkApiLimits, checkCoordination, checkEndpoints, checkRoutes } from './option-structures.js';
import { sanitizeReturnTo } from './return-to.js';

export { DEFAULT_ROUTES, ENHANCED_AUTH_URLS } from './defaults.js';

/** The fetch signature the package calls: always with a URL string. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** Options after validation, with every default filled in. */
export interface ResolvedConfig {
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

const KNOWN_OPTIONS = new Set<string>([
  'clientId', 'clientSecret', 'baseUrl', 'scope', 'region', 'domain', 'allowedDomains', 'hostSuffixes',
  'routes', 'postLogoutRedirect', 'userCacheSeconds', 'timeoutMs', 'revokeOnLogout', 'fetch', 'endpoints',
  'coordination', 'maxSessionAge', 'idleTimeout', 'afterCallback', 'onLogin', 'onLogout', 'apiLimits', 'apiWaitMs', 'pkce',
  'tokenKeys',
]);
const HOOKS = ['afterCallback', 'onLogin', 'onLogout'] as const;

/**
 * Validates `egnyteAuth()` options and fills in defaults. Throws one
 * {@link EgnyteAuthError} (`invalid_config`) that lists every problem found.
 */
export function resolveConfig(options: EgnyteAuthOptions): ResolvedConfig {
  const problems = new Problems();
  if (typeof options !== 'object' || options === null) {
    throw new EgnyteAuthError('invalid_config', 'egnyteAuth(options): options must be an object with clientId, clientSecret and baseUrl.', {
      problems: ['options must be an object'],
    });
  }
  const given = options as unknown as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_OPTIONS.has(key)) problems.add(`unknown option "${key}" (known: ${[...KNOWN_OPTIONS].join(', ')}).`);
  }
  if (!isNonEmptyString(given.clientId)) problems.add('clientId is required: the API key of your Egnyte integration.');
  if (!isNonEmptyString(given.clientSecret)) problems.add('clientSecret is required: the secret of your Egnyte API key.');

  const baseUrl = checkBaseUrl(given.baseUrl, problems);
  const scope = checkScope(given.scope, problems);
  const region = checkRegion(given.region, problems);
  const hostSuffixes = checkHostSuffixes(given.hostSuffixes, problems);
  const domain = given.domain === undefined ? undefined : checkDomainList('domain', [given.domain], hostSuffixes, problems)[0];
  const isAllowed = checkAllowed(given.allowedDomains, hostSuffixes, problems);
  if (domain !== undefined && given.allowedDomains !== undefined && typeof given.allowedDomains !== 'function' && !isAllowed(domain)) {
    problems.add(`domain "${domain}" is not in allowedDomains.`);
  }
  const { routes, mounted } = checkRoutes(given.routes, problems);
  const apiLimits = checkApiLimits(given.apiLimits, problems);
  const apiWaitMs = checkNumber('apiWaitMs', given.apiWaitMs, 10_000, 0, problems);
  for (const hook of HOOKS) {
    if (given[hook] !== undefined && typeof given[hook] !== 'function') problems.add(`${hook} must be a function.`);
  }
  let postLogoutRedirect: string | undefined;
  if (given.postLogoutRedirect !== undefined) {
    if (typeof given.postLogoutRedirect === 'string' && sanitizeReturnTo(given.postLogoutRedirect, '') === given.postLogoutRedirect) {
      postLogoutRedirect = given.postLogoutRedirect;
    } else {
      problems.add('postLogoutRedirect must be a path on this site, e.g. "/" or "/goodbye".');
    }
  }
  const userCacheSeconds = checkNumber('userCacheSeconds', given.userCacheSeconds, 300, 0, problems);
  const timeoutMs = checkNumber('timeoutMs', given.timeoutMs, 10_000, 1, problems);
  if (given.revokeOnLogout !== undefined && typeof given.revokeOnLogout !== 'boolean') problems.add('revokeOnLogout must be true or false.');
  if (given.fetch !== undefined && typeof given.fetch !== 'function') problems.add('fetch must be a fetch-compatible function.');
  if (given.pkce !== undefined && typeof given.pkce !== 'boolean') problems.add('pkce must be true or false.');
  const endpoints = checkEndpoints(given.endpoints, problems);
  const coordination = checkCoordination(given.coordination, problems);
  const maxSessionAgeMs = checkSeconds('maxSessionAge', given.maxSessionAge, problems);
  const idleTimeoutMs = checkSeconds('idleTimeout', given.idleTimeout, problems);
  const tokenKeys = checkTokenKeys(given.tokenKeys, given.clientSecret, problems);

  if (problems.list.length > 0) {
    throw new EgnyteAuthError(
      'invalid_config',
      `egnyteAuth(options) has ${problems.list.length} problem${problems.list.length === 1 ? '' : 's'}:\n` +
        problems.list.map((p) => `  - ${p}`).join('\n'),
      { problems: problems.list },
    );
  }

  const basePath = basePathOf(baseUrl as string);
  const enhancedAuthHosts = new Set(
    [...Object.values(ENHANCED_AUTH_URLS), ...Object.values(endpoints.urls)].map((u) => new URL(u).host),
  );
  return Object.freeze({
    clientId: (given.clientId as string).trim(),
    clientSecret: given.clientSecret as string,
    baseUrl: baseUrl as string,
    basePath,
    homePath: `${basePath}/`,
    redirectUri: `${baseUrl as string}${routes.callback}`,
    scope,
    region,
    domain,
    isAllowed,
    hostSuffixes,
    routes,
    mounted,
    apiLimits,
    apiWaitMs,
    afterCallback: given.afterCallback as EgnyteAuthOptions['afterCallback'],
    onLogin: given.onLogin as EgnyteAuthOptions['onLogin'],
    onLogout: given.onLogout as EgnyteAuthOptions['onLogout'],
    postLogoutRedirect: postLogoutRedirect ?? `${basePath}/`,
    userCacheMs: userCacheSeconds * 1000,
    timeoutMs,
    revokeOnLogout: (given.revokeOnLogout as boolean | undefined) ?? true,
    fetch: (given.fetch as FetchLike | undefined) ?? egnyteFetch,
    enhancedAuthUrls: Object.freeze(endpoints.urls),
    enhancedAuthHosts,
    domainBaseUrl: endpoints.domainBaseUrl,
    domainFromReferer: endpoints.domainFromReferer,
    coordination,
    maxSessionAgeMs,
    idleTimeoutMs,
    pkce: (given.pkce as boolean | undefined) ?? true,
    tokenKeys,
  });
}
