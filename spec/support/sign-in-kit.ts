/**
 * Sign-ins as clients on given networks, for the limit specs (issue 18): junk callbacks (a
 * login of one's own, then the callback with a made-up code) and honest sign-ins stopped just
 * before their callback, so that many can be sent at once. A client's network is the
 * `X-Forwarded-For` the app's trusted proxy would report (the app sets `trust proxy`).
 */
import type { TestBrowser } from './harness.js';

/** How the login binds its domain: learned at the callback (Enhanced Auth Service) or bound at login. */
export type Flow = 'learned' | 'bound';

/** One answer of the callback, read. */
export interface CallbackAnswer {
  status: number;
  retryAfter: string | null;
  location: string | null;
  body: { error?: string; message?: string; retryAfter?: number };
}

const JSON_ACCEPT = 'application/json';

function forwarded(ip: string | undefined): Record<string, string> {
  return ip === undefined ? {} : { 'x-forwarded-for': ip };
}

async function read(res: Response): Promise<CallbackAnswer> {
  const text = await res.text();
  let body: CallbackAnswer['body'] = {};
  try {
    body = text ? (JSON.parse(text) as CallbackAnswer['body']) : {};
  } catch {
    body = {};
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), location: res.headers.get('location'), body };
}

/** Starts a login of `browser`'s own (bound to `domain` for `bound`) and answers the callback URL with a junk code. */
export async function junkCallbackUrl(browser: TestBrowser, ip: string | undefined, flow: Flow, domain = 'acme'): Promise<string> {
  const login = await browser.request(flow === 'bound' ? `/egnyte/login?domain=${domain}` : '/egnyte/login', { headers: forwarded(ip) });
  await login.body?.cancel();
  const state = new URL(login.headers.get('location') ?? '').searchParams.get('state') ?? '';
  const query = new URLSearchParams({ code: `junk-${Math.random().toString(36).slice(2)}`, state, ...(flow === 'learned' ? { domain } : {}) });
  return `/egnyte/callback?${query}`;
}

/** Sends a callback as the client on `ip`, asking for JSON. */
export async function sendCallback(browser: TestBrowser, url: string, ip: string | undefined): Promise<CallbackAnswer> {
  return read(await browser.request(url, { accept: JSON_ACCEPT, headers: forwarded(ip) }));
}

/** A junk callback of a fresh client session on `ip`: its own login, then a made-up code. */
export async function junk(browser: TestBrowser, ip: string | undefined, flow: Flow, domain = 'acme'): Promise<CallbackAnswer> {
  return sendCallback(browser, await junkCallbackUrl(browser, ip, flow, domain), ip);
}

/**
 * An honest sign-in of `browser` up to its callback, unvisited: through the Enhanced Auth
 * Service (`learned`: the domain comes from the Referer of the domain's page) or bound at login.
 */
export async function honestCallbackUrl(browser: TestBrowser, flow: Flow, domain = 'acme', returnTo = '/me'): Promise<string> {
  return browser.untilApp(await browser.startLogin(domain, { direct: flow === 'bound', returnTo }));
}

/** Sends an honest callback as the client on `ip` and follows it home: the answer of `returnTo` (JSON). */
export async function finishSignIn(browser: TestBrowser, callbackUrl: string, ip: string | undefined): Promise<{ status: number; url: string; body: string }> {
  const landed = await browser.go(callbackUrl, { accept: JSON_ACCEPT, headers: forwarded(ip) });
  return { status: landed.status, url: landed.url, body: landed.body };
}

/** `count` junk callbacks of one client on `ip`, all sent at once (their logins first). */
export async function parallelJunk(browsers: () => TestBrowser, count: number, ip: string, flow: Flow | ((i: number) => Flow)): Promise<CallbackAnswer[]> {
  const flowOf = typeof flow === 'function' ? flow : () => flow;
  const prepared = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const browser = browsers();
      return { browser, url: await junkCallbackUrl(browser, ip, flowOf(i)) };
    }),
  );
  return Promise.all(prepared.map(({ browser, url }) => sendCallback(browser, url, ip)));
}

/** How many answers had each status, e.g. `{ 400: 15, 429: 285 }`. */
export function statusCounts(answers: readonly { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}
