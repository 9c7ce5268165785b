/**
 * Validating `egnyteAuth()` options once, at start-up: every problem is collected and
 * thrown together, so a developer fixes them in one pass.
 */
import type { Request } from 'express';
import { DEFAULT_HOST_SUFFIXES, isValidHostSuffix, normalizeEgnyteDomain } from './domain.js';
import { memoryCoordination } from '../coordination/memory.js';
import type { EgnyteCoordination } from '../coordination/types.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { egnyteFetch } from '../egnyte/http-client.js';
import { sanitizeReturnTo } from './return-to.js';
import type { EgnyteAuthOptions, EgnyteRegion } from '../types.js';

/** Egnyte's Enhanced Auth Service, per region. */
export const ENHANCED_AUTH_URLS: Readonly<Record<EgnyteRegion, string>> = Object.freeze({
  us: 'https://us-partner-integrations.egnyte.com/services/oauth/code',
  eu: 'https://partner-integrations.egnyte.com/services/oauth/code',
});

/** Default paths of the routes the router mounts. */
export const DEFAULT_ROUTES: Readonly<{ login: string; callback: string; logout: string }> = Object.freeze({ login: '/egnyte/login', callback: '/egnyte/callback', logout: '/egnyte/logout' });

/** The fetch signature the package calls: always with a URL string. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** Options after validation, with every default filled in. */
export interface ResolvedConfig {
  clientId: string;
  clientSecret: string;
  baseUrl: string;
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
}

const KNOWN_OPTIONS = new Set<string>([
  'clientId', 'clientSecret', 'baseUrl', 'scope', 'region', 'domain', 'allowedDomains', 'hostSuffixes',
  'routes', 'postLogoutRedirect', 'userCacheSeconds', 'timeoutMs', 'revokeOnLogout', 'fetch', 'endpoints',
  'coordination', 'maxSessionAge', 'idleTimeout', 'afterCallback', 'onLogin', 'onLogout', 'apiLimits', 'apiWaitMs',
]);
const HOOKS = ['afterCallback', 'onLogin', 'onLogout'] as const;
const COORDINATION_METHODS = ['claim', 'settle', 'get', 'set', 'delete', 'compareAndSet', 'limiter'] as const;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const ROUTE = /^\/[A-Za-z0-9\-._~/]*$/;

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Every problem found while validating, in order. */
class Problems {
  readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
}

function checkBaseUrl(value: unknown, problems: Problems): string | undefined {
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.add('baseUrl must be the absolute http(s) URL where users reach your app, e.g. "https://app.example.com".');
    return undefined;
  }
  if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
    problems.add(`baseUrl must use https (Egnyte only redirects to https), except on localhost; got "${url.origin}".`);
  }
  if (url.username || url.password || url.search || url.hash) {
    problems.add('baseUrl must not contain credentials, a query or a fragment.');
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function checkScope(value: unknown, problems: Problems): string | undefined {
  if (value === undefined) return undefined;
  const tokens = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : Array.isArray(value) ? value : undefined;
  if (!tokens || !tokens.every((t) => typeof t === 'string' && SCOPE_TOKEN.test(t))) {
    problems.add('scope must be an array of scope names or a space-separated string, e.g. ["Egnyte.user", "Egnyte.filesystem"].');
    return undefined;
  }
  return tokens.length > 0 ? (tokens as string[]).join(' ') : undefined;
}

function checkRegion(value: unknown, problems: Problems): (req: Request) => EgnyteRegion {
  if (value === undefined) return () => 'us';
  if (value === 'us' || value === 'eu') return () => value;
  if (typeof value === 'function') {
    const choose = value as (req: Request) => unknown;
    return (req) => {
      const region = choose(req);
      if (region === 'us' || region === 'eu') return region;
      throw new EgnyteAuthError('invalid_config', `The region function returned ${JSON.stringify(String(region).slice(0, 40))}; it must return "us" or "eu".`);
    };
  }
  problems.add(`region must be "us", "eu" or a function of the request; got ${JSON.stringify(value)}.`);
  return () => 'us';
}

function checkHostSuffixes(value: unknown, problems: Problems): readonly string[] {
  if (value === undefined) return DEFAULT_HOST_SUFFIXES;
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => typeof s === 'string' && isValidHostSuffix(s.toLowerCase()))) {
    problems.add('hostSuffixes must be a non-empty array of host suffixes, e.g. ["egnyte.com", "qa-egnyte.com"].');
    return DEFAULT_HOST_SUFFIXES;
  }
  return Object.freeze(value.map((s: string) => s.toLowerCase()));
}

function checkDomainList(name: string, values: unknown, hostSuffixes: readonly string[], problems: Problems): string[] {
  const list = typeof values === 'string' ? [values] : (values as unknown[]);
  const hosts: string[] = [];
  for (const value of list) {
    try {
      hosts.push(normalizeEgnyteDomain(String(value), { hostSuffixes }));
    } catch (err) {
      problems.add(`${name}: ${(err as Error).message}`);
    }
  }
  return hosts;
}

function checkAllowed(value: unknown, hostSuffixes: readonly string[], problems: Problems): (host: string) => boolean {
  if (value === undefined) return () => true;
  if (typeof value === 'function') {
    const predicate = value as (host: string) => boolean;
    return (host) => predicate(host) === true;
  }
  if (!Array.isArray(value)) {
    problems.add('allowedDomains must be an array of Egnyte domains or a predicate function.');
    return () => false;
  }
  const allowed = new Set(checkDomainList('allowedDomains', value, hostSuffixes, problems));
  return (host) => allowed.has(host);
}

function checkRoutes(value: unknown, problems: Problems): Pick<ResolvedConfig, 'routes' | 'mounted'> {
  const mounted = { login: true, callback: true, logout: true };
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    problems.add('routes must be an object like { login: "/egnyte/login", callback: "/egnyte/callback", logout: "/egnyte/logout" }.');
    return { routes: { ...DEFAULT_ROUTES }, mounted };
  }
  const given = (value ?? {}) as Record<string, unknown>;
  const routes: ResolvedConfig['routes'] = { ...DEFAULT_ROUTES };
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULT_ROUTES)) problems.add(`routes.${key} is not a route of this package (login, callback, logout).`);
  }
  for (const key of ['login', 'callback', 'logout'] as const) {
    const path = given[key];
    if (path === undefined) continue;
    if (path === false) {
      mounted[key] = false;
      continue;
    }
    if (typeof path !== 'string' || !ROUTE.test(path) || path.includes('//')) {
      problems.add(`routes.${key} must be a plain path starting with "/", e.g. "${DEFAULT_ROUTES[key]}", or false to turn the route off.`);
    } else {
      routes[key] = path;
    }
  }
  if (new Set(Object.values(routes)).size !== 3) problems.add('routes.login, routes.callback and routes.logout must differ.');
  return { routes, mounted };
}

function checkNumber(name: string, value: unknown, fallback: number, min: number, problems: Problems): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    problems.add(`${name} must be a number >= ${min}; got ${JSON.stringify(value)}.`);
    return fallback;
  }
  return value;
}

interface CheckedEndpoints {
  urls: Record<EgnyteRegion, string>;
  domainBaseUrl: (host: string) => string;
  domainFromReferer: ((referer: URL) => string | undefined) | undefined;
}

function checkEndpoints(value: unknown, problems: Problems): CheckedEndpoints {
  const urls = { ...ENHANCED_AUTH_URLS };
  let domainBaseUrl = (host: string): string => `https://${host}`;
  if (value === undefined) return { urls, domainBaseUrl, domainFromReferer: undefined };
  if (typeof value !== 'object' || value === null) {
    problems.add('endpoints must be an object { enhancedAuth?: { us?, eu? }, domainBaseUrl?: (host) => string, domainFromReferer?: (referer) => string | undefined }.');
    return { urls, domainBaseUrl, domainFromReferer: undefined };
  }
  const { enhancedAuth, domainBaseUrl: base, domainFromReferer: fromReferer } = value as {
    enhancedAuth?: Record<string, unknown>;
    domainBaseUrl?: unknown;
    domainFromReferer?: unknown;
  };
  for (const region of ['us', 'eu'] as const) {
    const raw = enhancedAuth?.[region];
    if (raw === undefined) continue;
    const url = parseUrl(raw);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      problems.add(`endpoints.enhancedAuth.${region} must be an absolute http(s) URL.`);
    } else {
      urls[region] = url.href;
    }
  }
  if (base !== undefined) {
    if (typeof base !== 'function') problems.add('endpoints.domainBaseUrl must be a function (host) => base URL.');
    else domainBaseUrl = (host) => String((base as (h: string) => unknown)(host)).replace(/\/+$/, '');
  }
  let domainFromReferer: CheckedEndpoints['domainFromReferer'];
  if (fromReferer !== undefined) {
    if (typeof fromReferer !== 'function') problems.add('endpoints.domainFromReferer must be a function (referer: URL) => string | undefined.');
    else domainFromReferer = fromReferer as (referer: URL) => string | undefined;
  }
  return { urls, domainBaseUrl, domainFromReferer };
}

function checkCoordination(value: unknown, problems: Problems): EgnyteCoordination {
  if (value === undefined) return memoryCoordination();
  const candidate = value as Record<string, unknown> | null;
  if (typeof candidate !== 'object' || candidate === null || !COORDINATION_METHODS.every((m) => typeof candidate[m] === 'function')) {
    problems.add('coordination must come from memoryCoordination() or redisCoordination({ client }) (express-egnyte-auth/redis).');
    return memoryCoordination();
  }
  return value as EgnyteCoordination;
}

function checkApiLimits(value: unknown, problems: Problems): ResolvedConfig['apiLimits'] {
  const limits = { perSecond: 2, perDay: 1000 };
  if (value === undefined) return limits;
  const given = value as Record<string, unknown> | null;
  if (typeof given !== 'object' || given === null) {
    problems.add('apiLimits must be an object like { perSecond: 2, perDay: 1000 }.');
    return limits;
  }
  for (const key of Object.keys(given)) if (key !== 'perSecond' && key !== 'perDay') problems.add(`apiLimits.${key} is not a limit (perSecond, perDay).`);
  if (given.perSecond !== undefined) {
    if (!Number.isInteger(given.perSecond) || (given.perSecond as number) < 1) problems.add('apiLimits.perSecond must be a whole number >= 1.');
    else limits.perSecond = given.perSecond as number;
  }
  if (given.perDay !== undefined) {
    if (!Number.isInteger(given.perDay) || (given.perDay as number) < 0) problems.add('apiLimits.perDay must be a whole number >= 0 (0: no daily count).');
    else limits.perDay = given.perDay as number;
  }
  return limits;
}

function checkSeconds(name: string, value: unknown, problems: Problems): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    problems.add(`${name} must be a positive number of seconds; got ${JSON.stringify(value)}.`);
    return undefined;
  }
  return value * 1000;
}

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
  let postLogoutRedirect = '/';
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
  const endpoints = checkEndpoints(given.endpoints, problems);
  const coordination = checkCoordination(given.coordination, problems);
  const maxSessionAgeMs = checkSeconds('maxSessionAge', given.maxSessionAge, problems);
  const idleTimeoutMs = checkSeconds('idleTimeout', given.idleTimeout, problems);

  if (problems.list.length > 0) {
    throw new EgnyteAuthError(
      'invalid_config',
      `egnyteAuth(options) has ${problems.list.length} problem${problems.list.length === 1 ? '' : 's'}:\n` +
        problems.list.map((p) => `  - ${p}`).join('\n'),
      { problems: problems.list },
    );
  }

  const enhancedAuthHosts = new Set(
    [...Object.values(ENHANCED_AUTH_URLS), ...Object.values(endpoints.urls)].map((u) => new URL(u).host),
  );
  return Object.freeze({
    clientId: (given.clientId as string).trim(),
    clientSecret: given.clientSecret as string,
    baseUrl: baseUrl as string,
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
    postLogoutRedirect,
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
  });
}
