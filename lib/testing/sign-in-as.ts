/**
 * `signInAs(agent, { domain, username })`: signs a supertest agent or a {@link CookieJar}
 * into the app under test as one emulated user, through the real flow: the app's login route
 * (a real `state` in the app's session), the emulator's consent step choosing that user, and
 * the app's callback (one real code exchange). No mocks, and the same whether or not the
 * emulator was started with `autoApprove`, because it never relies on the automatic choice.
 *
 * The emulator side is `POST /d/{host}/puboauth/sign-in-as`: the consent form's answer with
 * the user named by username instead of picked from a list. Only the emulator has it.
 */
import type { ServerResponse } from 'node:http';
import { callbackUrl, checkAuthRequest, codePkce } from './authorization-request.js';
import { domainOrigin } from './origins.js';
import type { EmulatorContext } from './context.js';
import { redirect, sendJson } from './http.js';
import type { Route } from './route.js';

/** The emulator's consent step that names its user (see the module comment). */
export const SIGN_IN_AS_PATH = '/puboauth/sign-in-as';

/** Routes `POST /d/{host}/puboauth/sign-in-as`; undefined for other paths. */
export function routeSignInAs(ctx: EmulatorContext, res: ServerResponse, request: { method: string; sub: string; host: string }): Route | undefined {
  const { method, sub, host } = request;
  if (sub !== SIGN_IN_AS_PATH) return undefined;
  if (method !== 'POST') return { readForm: false, run: () => sendJson(res, 405, { errorMessage: 'Method not allowed' }, { Allow: 'POST' }) };
  // Counted and faulted as the authorize step, which it stands for.
  return { host, faultHost: host, endpoint: 'authorize', readForm: true, run: (form) => handleSignInAs(ctx, res, host, form) };
}

/** Validates the authorization request like the consent form, then issues a code for `username`. */
function handleSignInAs(ctx: EmulatorContext, res: ServerResponse, host: string, form: Record<string, string>): void {
  const check = checkAuthRequest(ctx.directory, host, form, 'egnyte', ctx.settings.anyRedirectUri);
  if (!check.ok) return sendJson(res, check.status, { errorMessage: `${check.title}: ${check.message}` });
  const { request } = check;
  if (request.responseType !== 'code') return sendJson(res, 400, { errorMessage: 'Only response_type=code is supported.' });
  if (request.pkce && 'error' in request.pkce) return sendJson(res, 400, { errorMessage: request.pkce.error });
  const users = ctx.directory.activeUsersOf(host);
  const wanted = (form.username ?? '').toLowerCase();
  const user = users.find((u) => u.username.toLowerCase() === wanted);
  if (!user) {
    const names = users.map((u) => u.username).join(', ') || 'none';
    return sendJson(res, 404, { errorMessage: `No active user "${form.username ?? ''}" on ${host}. Its active users: ${names}.` });
  }
  const code = ctx.store.issueCode({ clientId: request.client.clientId, redirectUri: request.redirectUri, host, userId: user.id, scope: request.scope, ...codePkce(request) });
  const domain = request.viaEas && ctx.settings.easDomainParam ? host : undefined;
  redirect(res, callbackUrl(request.redirectUri, { code, state: request.state, domain }));
}

/** A tiny cookie jar for `fetch`, bound to one app: what {@link signInAs} fills and your requests send. */
export interface CookieJar {
  /** Where the app under test listens, e.g. `http://127.0.0.1:3000` (paths are resolved against it). */
  readonly baseUrl: string;
  /** `fetch` on the app with the jar's cookies, keeping the answer's; redirects are not followed. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The `Cookie` header the jar sends (`''` when it holds none). */
  cookieHeader(): string;
}

/**
 * Creates a {@link CookieJar} for the app at `baseUrl`. It keeps cookies by name (the app is
 * one site) and drops those the app expires.
 *
 * @example
 * ```ts
 * import { createCookieJar, signInAs } from 'express-egnyte-auth/testing';
 *
 * const jar = createCookieJar('http://127.0.0.1:3000'); // where the app under test listens
 * await signInAs(jar, { domain: 'acme', username: 'jsmith' });
 * const me = await jar.fetch('/me', { headers: { accept: 'application/json' } });
 * ```
 */
export function createCookieJar(baseUrl: string): CookieJar {
  const base = new URL(baseUrl).href.replace(/\/$/, '');
  const cookies = new Map<string, string>();
  const cookieHeader = (): string => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return {
    baseUrl: base,
    cookieHeader,
    async fetch(path: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers);
      if (cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', cookieHeader());
      const response = await fetch(new URL(path, `${base}/`), { ...init, headers, redirect: 'manual' });
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';');
        const at = pair.indexOf('=');
        if (at <= 0) continue;
        const expired = attributes.some((a) => {
          const [key = '', value = ''] = a.trim().split('=');
          return (key.toLowerCase() === 'max-age' && Number(value) <= 0) || (key.toLowerCase() === 'expires' && Date.parse(value) <= Date.now());
        });
        const name = pair.slice(0, at).trim();
        if (expired) cookies.delete(name);
        else cookies.set(name, pair.slice(at + 1).trim());
      }
      return response;
    },
  };
}

/** What {@link signInAs} needs of a supertest agent (`request.agent(app)`, which keeps cookies). */
export interface SupertestAgentLike {
  get(url: string): SupertestRequestLike;
}

/** A supertest request: headers set in a chain, then awaited. */
export interface SupertestRequestLike extends PromiseLike<{ status: number; headers: object; body?: unknown }> {
  set(field: string, value: string): SupertestRequestLike;
}

/** Whom to sign in, and where the app's login route is. */
export interface SignInAsOptions {
  /** The user's emulated Egnyte domain, `acme` or `acme.egnyte.com`. */
  domain: string;
  /** The user's username on that domain (case-insensitive). */
  username: string;
  /** The app's login route. Default `/egnyte/login`. */
  loginPath?: string;
  /** Passed to the login route; where the app sends the browser once signed in. */
  returnTo?: string;
}

/** The outcome of {@link signInAs}. */
export interface SignInAsResult {
  /** Where the app's callback redirected the signed-in browser (its `returnTo`). */
  redirectedTo: string;
}

interface Answer {
  status: number;
  location: string | undefined;
  /** `error: message` of a JSON error answer, for messages; never the request's URL. */
  summary: string;
}

function summarize(status: number, body: unknown): string {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = [b.error, b.message ?? b.errorMessage].filter((v) => typeof v === 'string').join(': ');
  return text ? `${status} (${text})` : String(status);
}

/** One GET on the app, through the agent or the jar, asking for JSON (errors then say what went wrong). */
async function getOnApp(client: SupertestAgentLike | CookieJar, path: string, referer?: string): Promise<Answer> {
  if ('cookieHeader' in client) {
    const response = await client.fetch(path, { headers: { accept: 'application/json', ...(referer ? { referer } : {}) } });
    const body: unknown = await response.json().catch(() => undefined);
    return { status: response.status, location: response.headers.get('location') ?? undefined, summary: summarize(response.status, body) };
  }
  const request = client.get(path).set('Accept', 'application/json');
  const response = await (referer ? request.set('Referer', referer) : request);
  const location = (response.headers as Record<string, unknown>).location;
  return { status: response.status, location: typeof location === 'string' ? location : undefined, summary: summarize(response.status, response.body) };
}

/**
 * The emulated domain of an authorize URL and where its endpoints are for this helper:
 * `{emulator}/d/{host}/puboauth/token` (what `endpoints.domainBaseUrl` gives), or a domain's
 * own origin `http://{host}.localhost:PORT/puboauth/token`, reached through the shared
 * `/d/{host}` form since Node does not resolve `*.localhost` names by itself.
 */
function emulatorTarget(authorize: URL): { host: string; base: string } | undefined {
  const byPath = /^(.*\/d\/([^/]+))\/puboauth\/(?:token|authorize)$/.exec(authorize.pathname);
  if (byPath && authorize.origin !== 'http://app.invalid') {
    return { host: decodeURIComponent(byPath[2] ?? '').toLowerCase(), base: `${authorize.origin}${byPath[1] ?? ''}` };
  }
  const byOrigin = /^(.+)\.localhost$/.exec(authorize.hostname);
  if (byOrigin && authorize.protocol === 'http:' && /^\/puboauth\/(?:token|authorize)$/.test(authorize.pathname)) {
    const host = byOrigin[1] ?? '';
    return { host, base: `http://127.0.0.1:${authorize.port}/d/${encodeURIComponent(host)}` };
  }
  return undefined;
}

function fail(message: string): never {
  throw new Error(`signInAs: ${message}`);
}

/**
 * Signs `client` (a supertest `request.agent(app)` or a {@link CookieJar}) into the app under
 * test as `username` of `domain`, through the app's login route, the emulator's consent step
 * and the app's callback. The app must use `egnyteAuth({ endpoints: emulator.endpoints, ... })`.
 *
 * @throws Error saying what went wrong: the app has no login route, it does not sign in
 *   against an emulator, the user is unknown, or the app refused the callback.
 * @example
 * ```ts
 * import request from 'supertest';
 * import { signInAs } from 'express-egnyte-auth/testing';
 *
 * const agent = request.agent(app); // the app under test, pointed at the emulator
 * await signInAs(agent, { domain: 'acme', username: 'jsmith' });
 * await agent.get('/me').expect(200);
 * ```
 */
export async function signInAs(client: SupertestAgentLike | CookieJar, options: SignInAsOptions): Promise<SignInAsResult> {
  const { domain, username } = options;
  if (!('cookieHeader' in client) && !('jar' in client)) {
    fail('pass a client that keeps cookies: request.agent(app) (not request(app)), or createCookieJar(appUrl).');
  }
  const loginPath = options.loginPath ?? '/egnyte/login';
  const query = new URLSearchParams({ domain, ...(options.returnTo !== undefined ? { returnTo: options.returnTo } : {}) });
  const login = await getOnApp(client, `${loginPath}?${query.toString()}`);
  if (login.status === 404) fail(`GET ${loginPath} answered 404: mount egnyteAuth() on the app under test (or pass loginPath when its routes moved).`);
  if (login.status !== 302 && login.status !== 303) fail(`GET ${loginPath}?domain=${domain} answered ${login.summary} instead of a redirect to Egnyte.`);

  let authorize = new URL(login.location ?? '', 'http://app.invalid');
  if (/^\/eas\/(us|eu)\/services\/oauth\/code$/.test(authorize.pathname)) {
    // The app asked the Enhanced Auth Service: type the domain there, as a user would.
    authorize.searchParams.set('domain', domain);
    const eas = await fetch(authorize, { redirect: 'manual' });
    await eas.body?.cancel();
    if (eas.status !== 302) fail(`the emulator's Enhanced Auth Service does not know the domain "${domain}" (HTTP ${eas.status}).`);
    authorize = new URL(eas.headers.get('location') ?? '', authorize);
  }
  const target = emulatorTarget(authorize);
  if (!target) {
    fail(`the app sent the browser to ${authorize.origin}${authorize.pathname}, not to an Egnyte emulator: give egnyteAuth() the emulator's endpoints.`);
  }
  const { host, base } = target;
  // Compared by the first label only: the app, not this helper, knows its host suffixes.
  const typedLabel = domain.trim().toLowerCase().replace(/^https?:\/\//, '').split(/[./]/)[0];
  if (host.split('.')[0] !== typedLabel) {
    fail(`the app signs in to ${host}, not to ${domain} (is its domain option fixed?).`);
  }

  const form = new URLSearchParams(authorize.searchParams);
  form.set('username', username);
  const consent = await fetch(`${base}${SIGN_IN_AS_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  if (consent.status !== 302) {
    const body = (await consent.json().catch(() => ({}))) as { errorMessage?: unknown };
    fail(`the emulator refused: ${typeof body.errorMessage === 'string' ? body.errorMessage : `HTTP ${consent.status}`}`);
  }
  await consent.body?.cancel();
  const back = new URL(consent.headers.get('location') ?? '');
  // A browser comes back from the domain's consent page with that page's origin as Referer
  // (the default strict-origin-when-cross-origin policy): how the app learns the domain
  // after the Enhanced Auth Service, as with real Egnyte.
  const referer = `${domainOrigin(host, Number(new URL(base).port))}/`;
  const callback = await getOnApp(client, back.pathname + back.search, referer);
  if (callback.status !== 302 && callback.status !== 303) {
    fail(`the app refused the sign-in: GET ${back.pathname} answered ${callback.summary}.`);
  }
  return { redirectedTo: callback.location ?? '/' };
}
