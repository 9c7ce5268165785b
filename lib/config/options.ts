/**
 * Validating `egnyteAuth()` options once, at start-up: every problem is collected and
 * thrown together, so a developer fixes them in one pass.
 */
import { EgnyteAuthError } from '../errors/errors.js';
import type { FetchLike } from '../egnyte/config.js';
import { egnyteFetch } from '../egnyte/http-client.js';
import type { EgnyteAuthOptions } from '../types.js';
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
import type { ResolvedConfig } from './resolved.js';
import { sanitizeReturnTo } from './return-to.js';

export { DEFAULT_ROUTES, ENHANCED_AUTH_URLS } from './defaults.js';

export type { FetchLike } from '../egnyte/config.js';

export type { ResolvedConfig } from './resolved.js';

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
