/**
 * Maps a request to its endpoint: which handler runs, whether it reads a form body, and
 * which endpoint and domain count it and match faults. Also writes the request log entry,
 * so every request is logged, routed or not.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAuthorize, handleConsent } from './authorize.js';
import type { Route } from './route.js';
import type { EmulatorContext } from './context.js';
import { handleEnhancedAuth } from './enhanced-auth.js';
import { routeFileSystem } from './files.js';
import { routeSignInAs } from './sign-in-as.js';
import { paramsToRecord, sendHtml, sendJson } from './http.js';
import { indexPage } from './pages.js';
import { handleRevoke, handleUserinfo, handleUsers, handleUsersList, onKnownDomain } from './pubapi.js';
import { hostFromHostHeader } from './origins.js';
import { handleToken } from './token-endpoint.js';
import type { EmulatorEndpointName } from './types.js';

const EAS_PATH = /^\/eas\/(us|eu)\/services\/oauth\/code\/?$/;
const DOMAIN_PATH = /^\/d\/([^/]+)(\/.*)?$/;
const USERS_PATH = /^\/pubapi\/v2\/users\/([^/]+)\/?$/;
const USERS_LIST_PATH = /^\/pubapi\/v2\/users\/?$/;


function notFound(res: ServerResponse): void {
  sendJson(res, 404, { errorMessage: 'Not found' });
}

function methodNotAllowed(res: ServerResponse, allow: string): Route {
  return {
    readForm: false,
    run: () => sendJson(res, 405, { errorMessage: 'Method not allowed' }, { Allow: allow }),
  };
}

/** Routes the request (and logs it). A wrong method is routed to a 405, not counted. */
export function route(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, target: URL): Route {
  const method = req.method ?? 'GET';
  const pathname = target.pathname;
  const query = paramsToRecord(target.searchParams);

  // A domain's own origin (`{host}.localhost:PORT`) serves that domain at the root.
  const originHost = hostFromHostHeader(req.headers.host);
  if (originHost !== undefined) return routeDomain(ctx, req, res, method, { host: originHost, sub: pathname, prefix: '' }, query);

  const eas = EAS_PATH.exec(pathname);
  if (eas) {
    const region = eas[1] as 'us' | 'eu';
    ctx.requestLog.add({ method, path: '/services/oauth/code', host: 'eas', region });
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    return {
      endpoint: 'enhancedAuth',
      ...optionalFaultHost(ctx, query.domain),
      readForm: false,
      run: () => handleEnhancedAuth(ctx, res, pathname, query),
    };
  }

  const domainMatch = DOMAIN_PATH.exec(pathname);
  if (domainMatch) {
    let host: string;
    try {
      host = decodeURIComponent(domainMatch[1] ?? '').toLowerCase();
    } catch {
      host = '';
    }
    return routeDomain(ctx, req, res, method, { host, sub: domainMatch[2] ?? '/', prefix: `/d/${host}` }, query);
  }

  ctx.requestLog.add({ method, path: pathname, host: '' });
  if (pathname === '/' && method === 'GET') {
    return {
      readForm: false,
      run: () => sendHtml(res, 200, indexPage(ctx.directory.knownDomains, `${ctx.url}/eas/us/services/oauth/code`)),
    };
  }
  return { readForm: false, run: () => notFound(res) };
}

/**
 * On the Enhanced Auth Service, faults of a domain match when the user typed that domain;
 * an unparsable one matches no domain fault.
 */
function optionalFaultHost(ctx: EmulatorContext, typed: string | undefined): { faultHost?: string } {
  let faultHost: string | undefined;
  try {
    faultHost = typed !== undefined ? ctx.settings.normalize(typed) : undefined;
  } catch {
    faultHost = undefined;
  }
  return faultHost !== undefined ? { faultHost } : {};
}

/** Where a domain's endpoints are reached: its host, the path below it, and the path prefix of that origin. */
interface DomainTarget {
  host: string;
  /** The path as the emulated host sees it (`/puboauth/token`). */
  sub: string;
  /** `''` on the domain's own origin, `/d/{host}` on the shared one. */
  prefix: string;
}

/** Routes the endpoints of one emulated domain, on its own origin or under `/d/{host}`. */
function routeDomain(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  target: DomainTarget,
  query: Record<string, string>,
): Route {
  const { host, sub, prefix } = target;
  ctx.requestLog.add({ method, path: sub, host });
  const base = { host, faultHost: host };
  if (sub === '/puboauth/token') {
    if (method === 'GET') return { ...base, endpoint: 'authorize', readForm: false, run: () => handleAuthorize(ctx, res, host, query, prefix) };
    if (method === 'POST') {
      return { ...base, endpoint: 'token', readForm: true, run: (form) => handleToken(ctx, req, res, host, form) };
    }
    return methodNotAllowed(res, 'GET, POST');
  }
  if (sub === '/puboauth/authorize') {
    // Egnyte's own CLI starts the browser step here; it answers like GET /puboauth/token.
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    return { ...base, endpoint: 'authorize', readForm: false, run: () => handleAuthorize(ctx, res, host, query, prefix) };
  }
  if (sub === '/puboauth/consent') {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    return { ...base, endpoint: 'authorize', readForm: true, run: (form) => handleConsent(ctx, res, host, form) };
  }
  // The /pubapi endpoints answer 404 for an unknown domain before looking at the token.
  const api = (endpoint: EmulatorEndpointName, readForm: boolean, run: (form: Record<string, string>) => void): Route => ({
    ...base,
    endpoint,
    readForm,
    run: (form) => onKnownDomain(ctx, res, host, () => run(form)),
  });
  if (sub === '/pubapi/v1/userinfo') {
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    return api('userinfo', false, () => handleUserinfo(ctx, req, res, host));
  }
  if (USERS_LIST_PATH.test(sub)) {
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    return api('users', false, () => handleUsersList(ctx, req, res, host, query));
  }
  const usersMatch = USERS_PATH.exec(sub);
  if (usersMatch) {
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    const id = usersMatch[1] ?? '';
    return api('users', false, () => handleUsers(ctx, req, res, host, id));
  }
  if (sub === '/pubapi/v1/tokens/revoke') {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    return api('revoke', true, (form) => handleRevoke(ctx, req, res, host, form));
  }
  return routeFileSystem(ctx, req, res, { method, sub, host, query }) ?? routeSignInAs(ctx, res, { method, sub, host }) ?? { readForm: false, run: () => notFound(res) };
}
