/**
 * Maps a request to its endpoint: which handler runs, whether it reads a form body, and
 * which endpoint and domain count it and match faults. Also writes the request log entry,
 * so every request is logged, routed or not.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAuthorize, handleConsent } from './authorize.js';
import type { EmulatorContext } from './context.js';
import { handleEnhancedAuth } from './enhanced-auth.js';
import { routeFileSystem } from './files.js';
import { routeSignInAs } from './sign-in-as.js';
import { paramsToRecord, sendHtml, sendJson } from './http.js';
import { indexPage } from './pages.js';
import { handleRevoke, handleUserinfo, handleUsers, onKnownDomain } from './pubapi.js';
import { handleToken } from './token-endpoint.js';
import type { EmulatorEndpointName } from './types.js';

const EAS_PATH = /^\/eas\/(us|eu)\/services\/oauth\/code\/?$/;
const DOMAIN_PATH = /^\/d\/([^/]+)(\/.*)?$/;
const USERS_PATH = /^\/pubapi\/v2\/users\/([^/]+)\/?$/;

/** Where a request goes. */
export interface Route {
  /** The endpoint to count and to match faults against; none for unrouted requests. */
  endpoint?: EmulatorEndpointName;
  /** The emulated domain of the request, as written in the path. */
  host?: string;
  /** The normalised domain that domain-scoped faults are matched against. */
  faultHost?: string;
  /** Read the body (as a form) before running. */
  readForm: boolean;
  /** Writes the answer; gets the decoded form (empty unless `readForm` and a form content type). */
  run: (form: Record<string, string>) => void;
}

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
  if (domainMatch) return routeDomain(ctx, req, res, method, domainMatch, query);

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

/** Routes `/d/{host}/…`, the endpoints of one emulated domain. */
function routeDomain(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  domainMatch: RegExpExecArray,
  query: Record<string, string>,
): Route {
  let host: string;
  try {
    host = decodeURIComponent(domainMatch[1] ?? '').toLowerCase();
  } catch {
    host = '';
  }
  const sub = domainMatch[2] ?? '/';
  ctx.requestLog.add({ method, path: sub, host });
  const base = { host, faultHost: host };
  if (sub === '/puboauth/token') {
    if (method === 'GET') return { ...base, endpoint: 'authorize', readForm: false, run: () => handleAuthorize(ctx, res, host, query) };
    if (method === 'POST') {
      return { ...base, endpoint: 'token', readForm: true, run: (form) => handleToken(ctx, req, res, host, form) };
    }
    return methodNotAllowed(res, 'GET, POST');
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
