/**
 * A local, in-memory Egnyte: the Enhanced Auth Service, the authorize/consent step, the
 * token endpoint, userinfo, the Users API and token revocation, on a real HTTP server on
 * 127.0.0.1, for every emulated domain under `/d/{host}`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { normalizeEgnyteDomain } from '../domain.js';
import { isEgnyteAuthError } from '../errors.js';
import {
  answerFault,
  FaultList,
  isControlFault,
  KEY_DOMAIN_MISMATCH_MESSAGE,
  sendDeveloperInactive,
  sendOverQps,
} from './faults.js';
import { BodyTooLargeError, isFormContentType, paramsToRecord, readBody, redirect, sendHtml, sendJson } from './http.js';
import { escapeHtml } from '../html.js';
import { consentPage, domainPromptPage, errorPage, layout } from './pages.js';
import { DEFAULT_EMULATOR_CLIENT, DEFAULT_EMULATOR_USERS, EMULATOR_USER_PASSWORD } from './seed.js';
import { GrantStore, QpsMeter } from './store.js';
import type {
  EgnyteEmulator,
  EgnyteEmulatorOptions,
  EmulatorClient,
  EmulatorEndpointName,
  EmulatorFault,
  EmulatorFaultKind,
  EmulatorRequestLogEntry,
  EmulatorTokenGeneration,
  EmulatorTokenGrantCounts,
  EmulatorTokenRequest,
  EmulatorUser,
} from './types.js';

/** Every endpoint name, in a stable order. */
export const EMULATOR_ENDPOINT_NAMES: readonly EmulatorEndpointName[] = Object.freeze([
  'enhancedAuth',
  'authorize',
  'token',
  'userinfo',
  'users',
  'revoke',
]);

const FAULT_KINDS: ReadonlySet<EmulatorFaultKind> = new Set<EmulatorFaultKind>([
  'developer_inactive',
  'developer_inactive_401',
  'key_domain_mismatch',
  'conflict_409',
  'over_qps',
  'over_rate',
  'too_many_requests',
  'unauthorized',
  'server_error',
  'bad_gateway_html',
  'malformed_json',
  'invalid_grant',
  'no_access_token',
  'slow',
  'hang',
  'reset',
]);

const TOKEN_GENERATIONS: ReadonlySet<EmulatorTokenGeneration> = new Set(['current', 'legacy', 'legacy-no-token-type']);
const MAX_REQUEST_LOG = 10_000;
const DEFAULT_TTL_SECONDS = 2_592_000;
const EAS_PATH = /^\/eas\/(us|eu)\/services\/oauth\/code\/?$/;
const DOMAIN_PATH = /^\/d\/([^/]+)(\/.*)?$/;
const USERS_PATH = /^\/pubapi\/v2\/users\/([^/]+)\/?$/;
/** The authorization request parameters carried through the prompt and consent pages. */
const AUTH_PARAMS = ['client_id', 'redirect_uri', 'scope', 'state', 'response_type'] as const;

/** An internal user: domain normalised. */
interface SeededUser extends EmulatorUser {
  readonly domain: string;
}

/** What a validated authorization request is about. */
interface AuthRequest {
  host: string;
  client: EmulatorClient;
  redirectUri: string;
  state: string | undefined;
  scope: string;
  responseType: string;
  viaEas: boolean;
}

type AuthCheck = { ok: true; request: AuthRequest } | { ok: false; status: number; title: string; message: string };

type TokenBody = Record<string, string>;

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

function optionsError(message: string): TypeError {
  return new TypeError(`startEgnyteEmulator: ${message}`);
}

/**
 * Starts an Egnyte emulator on 127.0.0.1 and resolves once it listens.
 *
 * @example
 * ```ts
 * const egnyte = await startEgnyteEmulator({ autoApprove: true });
 * app.use(egnyteAuth({ clientId: egnyte.clientId, clientSecret: egnyte.clientSecret,
 *   baseUrl: 'http://localhost:3000', endpoints: egnyte.endpoints }));
 * // ...
 * await egnyte.close();
 * ```
 */
export async function startEgnyteEmulator(options: EgnyteEmulatorOptions = {}): Promise<EgnyteEmulator> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw optionsError(`port must be 0..65535, got ${String(port)}`);
  const hostSuffixes = options.hostSuffixes ?? ['egnyte.com'];
  if (hostSuffixes.length === 0) throw optionsError('hostSuffixes must not be empty');
  const normalize = (domain: string): string => normalizeEgnyteDomain(domain, { hostSuffixes });
  const tokenGeneration = options.tokenGeneration ?? 'current';
  if (!TOKEN_GENERATIONS.has(tokenGeneration)) throw optionsError(`unknown tokenGeneration ${String(tokenGeneration)}`);
  const ttlSeconds = options.accessTokenTtlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw optionsError('accessTokenTtlSeconds must be a positive number');
  const qps = options.qps ?? 2;
  if (!Number.isInteger(qps) || qps < 0) throw optionsError('qps must be a non-negative integer');
  const easDomainParam = options.easDomainParam ?? true;

  const clients: EmulatorClient[] = (options.clients ?? [DEFAULT_EMULATOR_CLIENT]).map((c) =>
    Object.freeze({
      ...c,
      ...(c.redirectUris ? { redirectUris: Object.freeze([...c.redirectUris]) as string[] } : {}),
      ...(c.registeredDomains ? { registeredDomains: Object.freeze(c.registeredDomains.map(normalize)) as string[] } : {}),
    }),
  );
  const firstClient = clients[0];
  if (!firstClient) throw optionsError('clients must not be empty');
  if (new Set(clients.map((c) => c.clientId)).size !== clients.length) throw optionsError('clientIds must be unique');

  const users: SeededUser[] = (options.users ?? DEFAULT_EMULATOR_USERS).map((u) => Object.freeze({ ...u, domain: normalize(u.domain) }));
  {
    const seen = new Set<string>();
    for (const u of users) {
      for (const key of [`${u.domain}#id:${u.id}`, `${u.domain}#name:${u.username.toLowerCase()}`]) {
        if (seen.has(key)) throw optionsError(`duplicate user ${u.username} (id ${u.id}) on ${u.domain}`);
        seen.add(key);
      }
    }
  }
  const autoApprove = options.autoApprove ?? false;
  if (typeof autoApprove === 'object' && !users.some((u) => u.username === autoApprove.username)) {
    throw optionsError(`autoApprove names unknown user ${autoApprove.username}`);
  }
  const knownDomains = [...new Set(users.map((u) => u.domain))];
  const isKnownDomain = (host: string): boolean => knownDomains.includes(host);
  const activeUsersOf = (host: string): SeededUser[] => users.filter((u) => u.domain === host && u.active !== false);
  const findUser = (host: string, id: number): SeededUser | undefined => users.find((u) => u.domain === host && u.id === id);
  const findClient = (clientId: string | undefined): EmulatorClient | undefined =>
    clientId === undefined ? undefined : clients.find((c) => c.clientId === clientId);

  // ---- state ----
  const calls = Object.fromEntries(EMULATOR_ENDPOINT_NAMES.map((n) => [n, 0])) as Record<EmulatorEndpointName, number>;
  const tokenGrants: EmulatorTokenGrantCounts = { authorization_code: 0, refresh_token: 0, password: 0 };
  let requestLog: EmulatorRequestLogEntry[] = [];
  let lastTokenRequest: EmulatorTokenRequest | undefined;
  const faults = new FaultList();
  const store = new GrantStore();
  const meter = new QpsMeter(qps);
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;
  let url = '';

  const log = (entry: EmulatorRequestLogEntry): void => {
    requestLog.push(Object.freeze(entry));
    if (requestLog.length > MAX_REQUEST_LOG) requestLog = requestLog.slice(-MAX_REQUEST_LOG);
  };

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  // ---- authorization request validation (GET authorize and POST consent) ----
  function checkAuthRequest(host: string, params: Record<string, string>): AuthCheck {
    if (!isKnownDomain(host)) {
      return { ok: false, status: 404, title: 'Domain not found', message: `There is no Egnyte domain "${host}" in this emulator.` };
    }
    const client = findClient(params.client_id);
    if (!client) {
      return {
        ok: false,
        status: 400,
        title: 'Unknown application',
        message: params.client_id ? `The API key "${params.client_id}" is not known.` : 'The request has no client_id (API key).',
      };
    }
    const redirectUri = params.redirect_uri ?? '';
    let parsed: URL | undefined;
    try {
      parsed = new URL(redirectUri);
    } catch {
      parsed = undefined;
    }
    const wellFormed = parsed !== undefined && (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hash === '';
    const allowed = client.redirectUris ? client.redirectUris.includes(redirectUri) : true;
    if (!wellFormed || !allowed) {
      return {
        ok: false,
        status: 400,
        title: 'Invalid redirect URI',
        message: redirectUri
          ? `The redirect URI "${redirectUri}" is not registered for this application.`
          : 'The request has no redirect_uri.',
      };
    }
    return {
      ok: true,
      request: {
        host,
        client,
        redirectUri,
        state: params.state,
        scope: params.scope ?? '',
        responseType: params.response_type ?? '',
        viaEas: params.eas === '1',
      },
    };
  }

  function callbackUrl(redirectUri: string, params: Record<string, string | undefined>): string {
    const target = new URL(redirectUri);
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) target.searchParams.set(name, value);
    }
    return target.toString();
  }

  function approve(res: ServerResponse, request: AuthRequest, user: SeededUser): void {
    const code = store.issueCode({
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      host: request.host,
      userId: user.id,
      scope: request.scope,
    });
    redirect(
      res,
      callbackUrl(request.redirectUri, {
        code,
        state: request.state,
        domain: request.viaEas && easDomainParam ? request.host : undefined,
      }),
    );
  }

  function carriedParams(request: AuthRequest, params: Record<string, string>): Record<string, string> {
    const carried: Record<string, string> = {};
    for (const name of AUTH_PARAMS) {
      const value = params[name];
      if (value !== undefined) carried[name] = value;
    }
    if (request.viaEas) carried.eas = '1';
    return carried;
  }

  // ---- handlers ----
  function handleEnhancedAuth(res: ServerResponse, pathname: string, query: Record<string, string>): void {
    const { domain: typed, ...rest } = query;
    delete rest.eas;
    const prompt = (status: number, error?: string): void =>
      sendHtml(
        res,
        status,
        domainPromptPage({
          action: pathname,
          params: rest,
          knownDomains,
          ...(typed !== undefined ? { typed } : {}),
          ...(error !== undefined ? { error } : {}),
        }),
      );
    if (typed === undefined) return prompt(200);
    if (typed.trim() === '') return prompt(400, 'Enter your Egnyte domain, e.g. "acme" or "acme.egnyte.com".');
    let host: string;
    try {
      host = normalize(typed);
    } catch (err) {
      if (isEgnyteAuthError(err)) return prompt(400, err.message);
      throw err;
    }
    if (!isKnownDomain(host)) return prompt(404, `There is no Egnyte domain "${host}". Check the spelling and try again.`);
    const target = new URLSearchParams(rest);
    target.set('eas', '1');
    redirect(res, `${url}/d/${host}/puboauth/token?${target.toString()}`);
  }

  function handleAuthorize(res: ServerResponse, host: string, params: Record<string, string>): void {
    const check = checkAuthRequest(host, params);
    if (!check.ok) return sendHtml(res, check.status, errorPage(check.title, check.message));
    const { request } = check;
    if (request.responseType !== 'code') {
      return redirect(
        res,
        callbackUrl(request.redirectUri, {
          error: 'unsupported_response_type',
          error_description: 'Only response_type=code is supported.',
          state: request.state,
        }),
      );
    }
    const candidates = activeUsersOf(host);
    const first = candidates[0];
    if (!first) return sendHtml(res, 404, errorPage('No users', `The domain "${host}" has no active users in this emulator.`));
    if (autoApprove !== false) {
      const named = typeof autoApprove === 'object' ? candidates.find((u) => u.username === autoApprove.username) : undefined;
      return approve(res, request, named ?? first);
    }
    sendHtml(
      res,
      200,
      consentPage({
        action: `/d/${host}/puboauth/consent`,
        host,
        clientId: request.client.clientId,
        redirectUri: request.redirectUri,
        scopes: request.scope.split(' ').filter((s) => s !== ''),
        users: candidates,
        params: carriedParams(request, params),
      }),
    );
  }

  function handleConsent(res: ServerResponse, host: string, form: Record<string, string>): void {
    const check = checkAuthRequest(host, form);
    if (!check.ok) return sendHtml(res, check.status, errorPage(check.title, check.message));
    const { request } = check;
    if (form.decision === 'deny') {
      return redirect(
        res,
        callbackUrl(request.redirectUri, {
          error: 'access_denied',
          error_description: 'The user denied access to the application.',
          state: request.state,
        }),
      );
    }
    if (form.decision !== 'allow') return sendHtml(res, 400, errorPage('Choose Allow or Deny', 'The form did not say whether to allow access.'));
    const userId = Number(form.user);
    const user = activeUsersOf(host).find((u) => u.id === userId);
    if (!user) return sendHtml(res, 400, errorPage('Unknown user', `Pick one of the users of ${host}.`));
    approve(res, request, user);
  }

  function tokenAnswer(tokens: { accessToken: string; refreshToken?: string }): Record<string, unknown> {
    switch (tokenGeneration) {
      case 'legacy':
        return { access_token: tokens.accessToken, token_type: 'bearer', expires_in: -1 };
      case 'legacy-no-token-type':
        return { access_token: tokens.accessToken, expires_in: -1 };
      case 'current':
        return {
          access_token: tokens.accessToken,
          ...(tokens.refreshToken !== undefined ? { refresh_token: tokens.refreshToken } : {}),
          token_type: 'bearer',
          expires_in: ttlSeconds,
        };
    }
  }

  const issueOptions = (): { ttlSeconds?: number; withRefresh: boolean } =>
    tokenGeneration === 'current' ? { ttlSeconds, withRefresh: true } : { withRefresh: false };

  function handleToken(req: IncomingMessage, res: ServerResponse, host: string, body: TokenBody): void {
    if (!isKnownDomain(host)) return sendJson(res, 404, { errorMessage: `Domain ${host} not found` });
    if (!isFormContentType(req.headers['content-type'])) {
      return oauthError(res, 400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
    }
    const client = findClient(body.client_id);
    if (body.client_id === undefined || body.client_secret === undefined) {
      const basic = /^basic\s/i.test(req.headers.authorization ?? '');
      return oauthError(
        res,
        401,
        'invalid_client',
        basic
          ? 'HTTP Basic client authentication is not supported: send client_id and client_secret in the form body.'
          : 'client_id and client_secret are required in the form body.',
      );
    }
    if (!client || client.clientSecret !== body.client_secret) {
      return oauthError(res, 401, 'invalid_client', 'Unknown client_id or wrong client_secret.');
    }
    if (client.registeredDomains && !client.registeredDomains.includes(host)) {
      return sendJson(res, 400, { errorMessage: KEY_DOMAIN_MISMATCH_MESSAGE });
    }
    const grantType = body.grant_type;
    if (grantType === undefined || grantType === '') return oauthError(res, 400, 'invalid_request', 'grant_type is required.');

    if (grantType === 'authorization_code') {
      if (!body.code) return oauthError(res, 400, 'invalid_request', 'code is required.');
      const grant = store.findCode(body.code);
      if (!grant || grant.clientId !== client.clientId || grant.host !== host) {
        return oauthError(res, 400, 'invalid_grant', 'The authorization code is invalid or expired.');
      }
      if (grant.redeemed) {
        // A replayed code: refuse it and revoke what it gave (RFC 6749 section 4.1.2).
        store.revoke(grant.redeemed.refreshToken ?? grant.redeemed.accessToken);
        store.revoke(grant.redeemed.accessToken);
        return oauthError(res, 400, 'invalid_grant', 'The authorization code has already been used.');
      }
      if (body.redirect_uri !== grant.redirectUri) {
        return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match the one of the authorization request.');
      }
      const user = findUser(host, grant.userId);
      if (!user || user.active === false) return oauthError(res, 400, 'invalid_grant', 'The user is not active.');
      const tokens = store.issueTokens({ clientId: client.clientId, host, userId: user.id, scope: grant.scope }, issueOptions());
      grant.redeemed = tokens;
      return sendJson(res, 200, tokenAnswer(tokens));
    }

    if (grantType === 'refresh_token') {
      if (!body.refresh_token) return oauthError(res, 400, 'invalid_request', 'refresh_token is required.');
      const record = store.findRefreshToken(body.refresh_token);
      if (!record || record.revoked || record.clientId !== client.clientId || record.host !== host) {
        return oauthError(res, 400, 'invalid_grant', 'The refresh token is invalid or revoked.');
      }
      const user = findUser(host, record.userId);
      if (!user || user.active === false) return oauthError(res, 400, 'invalid_grant', 'The user is not active.');
      // Egnyte keeps the refresh token: the answer carries a new access token only.
      const tokens = store.issueTokens(
        { clientId: client.clientId, host, userId: user.id, scope: record.scope },
        { ttlSeconds, withRefresh: false, refreshToken: body.refresh_token },
      );
      return sendJson(res, 200, tokenAnswer({ accessToken: tokens.accessToken }));
    }

    if (grantType === 'password') {
      if (!body.username || body.password === undefined) {
        return oauthError(res, 400, 'invalid_request', 'username and password are required.');
      }
      const username = body.username.toLowerCase();
      const user = activeUsersOf(host).find((u) => u.username.toLowerCase() === username);
      if (!user || body.password !== EMULATOR_USER_PASSWORD) {
        return oauthError(res, 400, 'invalid_grant', 'Invalid username or password.');
      }
      const tokens = store.issueTokens({ clientId: client.clientId, host, userId: user.id, scope: body.scope ?? '' }, issueOptions());
      return sendJson(res, 200, tokenAnswer(tokens));
    }

    return oauthError(res, 400, 'unsupported_grant_type', `grant_type "${grantType}" is not supported.`);
  }

  /** Bearer check and throttling of `/pubapi` calls; answers and returns undefined on failure. */
  function authenticateApi(req: IncomingMessage, res: ServerResponse, host: string): SeededUser | undefined {
    const match = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const token = match?.[1];
    const record = token === undefined ? undefined : store.findAccessToken(token);
    if (token === undefined || !record) {
      sendDeveloperInactive(res, 403);
      return undefined;
    }
    if (!throttle(res, token)) return undefined;
    const user = findUser(host, record.userId);
    if (!store.isAccessTokenUsable(record, host) || !user || user.active === false) {
      sendJson(res, 401, { errorMessage: 'Invalid token' });
      return undefined;
    }
    return user;
  }

  /** Applies the per-token qps limit; sets the usage headers. False when over the limit (answered). */
  function throttle(res: ServerResponse, key: string): boolean {
    const { allowed, current } = meter.hit(key);
    const headers: Record<string, string> = qps > 0 ? { 'X-Accesstoken-Qps-Allotted': String(qps), 'X-Accesstoken-Qps-Current': String(current) } : {};
    if (!allowed) {
      sendOverQps(res, 1, headers);
      return false;
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    return true;
  }

  function handleUserinfo(req: IncomingMessage, res: ServerResponse, host: string): void {
    const user = authenticateApi(req, res, host);
    if (!user) return;
    sendJson(res, 200, {
      id: user.id,
      username: user.username,
      first_name: user.firstName,
      last_name: user.lastName,
      email: user.email,
      user_type: user.userType ?? 'standard',
    });
  }

  function handleUsers(req: IncomingMessage, res: ServerResponse, host: string, rawId: string): void {
    if (!authenticateApi(req, res, host)) return;
    const user = /^\d{1,15}$/.test(rawId) ? findUser(host, Number(rawId)) : undefined;
    if (!user) return sendJson(res, 404, { errorMessage: 'User does not exist.' });
    sendJson(res, 200, {
      id: user.id,
      userName: user.username,
      externalId: `emulator-${user.domain.split('.')[0] ?? ''}-${user.id}`,
      email: user.email,
      name: { formatted: `${user.firstName} ${user.lastName}`, givenName: user.firstName, familyName: user.lastName },
      active: user.active !== false,
      locked: false,
      authType: 'egnyte',
      userType: user.userType ?? 'standard',
      role: user.role ?? null,
    });
  }

  function handleRevoke(req: IncomingMessage, res: ServerResponse, host: string, form: Record<string, string>): void {
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && !throttle(res, bearer)) return;
    if (!form.token) return sendJson(res, 400, { errorMessage: 'token is required.' });
    store.revoke(form.token, host);
    sendJson(res, 200, {});
  }

  function indexPage(res: ServerResponse): void {
    sendHtml(
      res,
      200,
      layout(
        'Emulator',
        `<h1>Egnyte emulator</h1>
<p>This server emulates Egnyte's sign-in and user APIs for development and tests.</p>
<p>Domains: ${knownDomains.map((d) => `<code>${escapeHtml(d)}</code>`).join(', ')}</p>
<p>Enhanced Auth Service: <code>${escapeHtml(`${url}/eas/us/services/oauth/code`)}</code></p>`,
      ),
    );
  }

  // ---- dispatch ----
  interface Route {
    endpoint?: EmulatorEndpointName;
    host?: string;
    faultHost?: string;
    readForm: boolean;
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

  function route(req: IncomingMessage, res: ServerResponse, target: URL): Route {
    const method = req.method ?? 'GET';
    const pathname = target.pathname;
    const query = paramsToRecord(target.searchParams);

    const eas = EAS_PATH.exec(pathname);
    if (eas) {
      const region = eas[1] as 'us' | 'eu';
      log({ method, path: '/services/oauth/code', host: 'eas', region });
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      let faultHost: string | undefined;
      try {
        faultHost = query.domain !== undefined ? normalize(query.domain) : undefined;
      } catch {
        faultHost = undefined;
      }
      return {
        endpoint: 'enhancedAuth',
        ...(faultHost !== undefined ? { faultHost } : {}),
        readForm: false,
        run: () => handleEnhancedAuth(res, pathname, query),
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
      const sub = domainMatch[2] ?? '/';
      log({ method, path: sub, host });
      const base = { host, faultHost: host };
      if (sub === '/puboauth/token') {
        if (method === 'GET') return { ...base, endpoint: 'authorize', readForm: false, run: () => handleAuthorize(res, host, query) };
        if (method === 'POST') {
          return { ...base, endpoint: 'token', readForm: true, run: (form) => handleToken(req, res, host, form) };
        }
        return methodNotAllowed(res, 'GET, POST');
      }
      if (sub === '/puboauth/consent') {
        if (method !== 'POST') return methodNotAllowed(res, 'POST');
        return { ...base, endpoint: 'authorize', readForm: true, run: (form) => handleConsent(res, host, form) };
      }
      if (sub === '/pubapi/v1/userinfo') {
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        return { ...base, endpoint: 'userinfo', readForm: false, run: () => apiHost(res, host, () => handleUserinfo(req, res, host)) };
      }
      const usersMatch = USERS_PATH.exec(sub);
      if (usersMatch) {
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        const id = usersMatch[1] ?? '';
        return { ...base, endpoint: 'users', readForm: false, run: () => apiHost(res, host, () => handleUsers(req, res, host, id)) };
      }
      if (sub === '/pubapi/v1/tokens/revoke') {
        if (method !== 'POST') return methodNotAllowed(res, 'POST');
        return { ...base, endpoint: 'revoke', readForm: true, run: (form) => apiHost(res, host, () => handleRevoke(req, res, host, form)) };
      }
      return { readForm: false, run: () => notFound(res) };
    }

    log({ method, path: pathname, host: '' });
    if (pathname === '/' && method === 'GET') return { readForm: false, run: () => indexPage(res) };
    return { readForm: false, run: () => notFound(res) };
  }

  function apiHost(res: ServerResponse, host: string, run: () => void): void {
    if (!isKnownDomain(host)) return sendJson(res, 404, { errorMessage: `Domain ${host} not found` });
    run();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    const r = route(req, res, target);
    if (r.endpoint) calls[r.endpoint] += 1;

    let form: Record<string, string> = {};
    if (r.readForm) {
      const text = await readBody(req);
      if (isFormContentType(req.headers['content-type'])) form = paramsToRecord(new URLSearchParams(text));
    }
    if (r.endpoint === 'token') {
      lastTokenRequest = {
        body: { ...form },
        contentType: req.headers['content-type'] ?? '',
        ...(req.headers.authorization !== undefined ? { authorizationHeader: req.headers.authorization } : {}),
      };
      const grant = form.grant_type;
      if (grant === 'authorization_code' || grant === 'refresh_token' || grant === 'password') tokenGrants[grant] += 1;
    }

    const fault = r.endpoint ? faults.take(r.endpoint, r.faultHost) : undefined;
    if (fault) {
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'hang') return;
      if (fault.kind === 'slow') {
        await delay(fault.delayMs ?? 1000);
        if (closed || res.destroyed) return;
      } else if (!isControlFault(fault.kind)) {
        answerFault(res, fault);
        return;
      }
    }
    r.run(form);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, { errorMessage: 'Request body too large' }, { Connection: 'close' });
        return;
      }
      sendJson(res, 500, { message: 'Internal error' });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('startEgnyteEmulator: no TCP address');
  url = `http://127.0.0.1:${address.port}`;
  const baseUrl = url;

  let closing: Promise<void> | undefined;
  const frozenUsers = Object.freeze([...users]) as EmulatorUser[];

  const emulator: EgnyteEmulator = {
    url: baseUrl,
    endpoints: Object.freeze({
      enhancedAuth: Object.freeze({
        us: `${baseUrl}/eas/us/services/oauth/code`,
        eu: `${baseUrl}/eas/eu/services/oauth/code`,
      }),
      domainBaseUrl: (host: string) => `${baseUrl}/d/${host}`,
    }),
    clientId: firstClient.clientId,
    clientSecret: firstClient.clientSecret,
    calls,
    tokenGrants,
    resetCalls(): void {
      for (const name of EMULATOR_ENDPOINT_NAMES) calls[name] = 0;
      tokenGrants.authorization_code = 0;
      tokenGrants.refresh_token = 0;
      tokenGrants.password = 0;
      requestLog = [];
    },
    fault(f: EmulatorFault): void {
      if (f.endpoint !== 'all' && !EMULATOR_ENDPOINT_NAMES.includes(f.endpoint)) {
        throw new TypeError(`fault: unknown endpoint ${String(f.endpoint)}`);
      }
      if (!FAULT_KINDS.has(f.kind)) throw new TypeError(`fault: unknown kind ${String(f.kind)}`);
      if (f.delayMs !== undefined && (!Number.isFinite(f.delayMs) || f.delayMs < 0)) throw new TypeError('fault: delayMs must be >= 0');
      if (f.retryAfter !== undefined && (!Number.isFinite(f.retryAfter) || f.retryAfter < 0)) {
        throw new TypeError('fault: retryAfter must be >= 0');
      }
      faults.add(f, f.domain === undefined ? undefined : normalize(f.domain));
    },
    clearFaults(): void {
      faults.clear();
    },
    expireAccessTokens(): void {
      store.expireAllAccessTokens();
    },
    revokeAll(): void {
      store.revokeAll();
    },
    users: frozenUsers,
    get lastTokenRequest(): EmulatorTokenRequest | undefined {
      return lastTokenRequest;
    },
    get requests(): EmulatorRequestLogEntry[] {
      return [...requestLog];
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        faults.clear();
        server.close(() => {
          store.clear();
          resolve();
        });
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
  return emulator;
}
