/**
 * Checks of the structured options (routes, endpoints, coordination, API limits), adding
 * what is wrong to the shared problem list. Pure but for the default coordination backend.
 */
import { memoryCoordination } from '../coordination/memory.js';
import type { EgnyteCoordination } from '../coordination/types.js';
import type { EgnyteRegion } from '../types.js';
import { type Problems, parseUrl } from './checks.js';
import { DEFAULT_ROUTES, ENHANCED_AUTH_URLS } from './defaults.js';
import type { ResolvedConfig } from './resolved.js';

const ROUTE = /^\/[A-Za-z0-9\-._~/]*$/;
const COORDINATION_METHODS = ['claim', 'settle', 'get', 'set', 'delete', 'swap', 'compareAndSet', 'limiter'] as const;

/** `routes`: plain distinct paths, or `false` to turn a route off. */
export function checkRoutes(value: unknown, problems: Problems): Pick<ResolvedConfig, 'routes' | 'mounted'> {
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

export interface CheckedEndpoints {
  urls: Record<EgnyteRegion, string>;
  domainBaseUrl: (host: string) => string;
  domainFromReferer: ((referer: URL) => string | undefined) | undefined;
}

/** `endpoints` (emulators only): Enhanced Auth URLs per region, `domainBaseUrl`, `domainFromReferer`. */
export function checkEndpoints(value: unknown, problems: Problems): CheckedEndpoints {
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

/** `coordination`: an object with the contract's methods; `memoryCoordination()` when not given. */
export function checkCoordination(value: unknown, problems: Problems): EgnyteCoordination {
  if (value === undefined) return memoryCoordination();
  const candidate = value as Record<string, unknown> | null;
  if (typeof candidate !== 'object' || candidate === null || !COORDINATION_METHODS.every((m) => typeof candidate[m] === 'function')) {
    problems.add('coordination must come from memoryCoordination() or redisCoordination({ client }) (express-egnyte-auth/redis).');
    return memoryCoordination();
  }
  return value as EgnyteCoordination;
}

/** `apiLimits`: whole numbers, `perSecond` >= 1 and `perDay` >= 0 (0: not counted). */
export function checkApiLimits(value: unknown, problems: Problems): ResolvedConfig['apiLimits'] {
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
