/**
 * Helpers shared by the flow, guard and config specs: stepping a sign-in up to (not into)
 * the callback, reading the server-side session, and requests with exact headers.
 */
import { request as httpRequest } from 'node:http';
import type { SessionData, Store } from 'express-session';
import type { TestBrowser } from './support/harness.js';

/** The session id inside the browser's signed `connect.sid` cookie. */
export function sessionIdOf(browser: TestBrowser, name = 'connect.sid'): string {
  const raw = browser.cookies.get(name);
  if (!raw) throw new Error(`no ${name} cookie`);
  const value = decodeURIComponent(raw);
  const match = /^s:([^.]+)\./.exec(value);
  if (!match?.[1]) throw new Error(`unexpected cookie ${value}`);
  return match[1];
}

/** The stored session of `sid`, or undefined. */
export function storedSession(store: Store, sid: string): Promise<SessionData | undefined> {
  return new Promise((resolve, reject) => {
    store.get(sid, (err: unknown, data?: SessionData | null) => (err ? reject(err as Error) : resolve(data ?? undefined)));
  });
}

/** Writes `data` as the stored session of `sid`. */
export function storeSession(store: Store, sid: string, data: SessionData): Promise<void> {
  return new Promise((resolve, reject) => {
    store.set(sid, data, (err?: unknown) => (err ? reject(err as Error) : resolve()));
  });
}

/** The login's redirect target: the URL the app sent the browser to. */
export async function startLogin(browser: TestBrowser, query = ''): Promise<URL> {
  const response = await browser.request(`/egnyte/login${query ? `?${query}` : ''}`);
  const location = response.headers.get('location');
  await response.body?.cancel();
  if (response.status !== 302 || !location) throw new Error(`login answered ${response.status}`);
  return new URL(location);
}

/**
 * Follows the emulator's redirects and pages from `url` (no cookies: the emulator is another
 * site) until the next hop is back on the app, and returns that callback URL without
 * requesting it; requesting it through `browser` sends the Referer a browser would.
 */
export async function untilCallback(browser: TestBrowser, url: string | URL): Promise<URL> {
  return new URL(await browser.untilApp(url));
}

/** A login through the Enhanced Auth Service with `domain` typed at its prompt, up to the callback URL. */
export async function callbackViaEas(browser: TestBrowser, domain = 'acme', query = ''): Promise<URL> {
  const eas = await startLogin(browser, query);
  eas.searchParams.set('domain', domain);
  return untilCallback(browser, eas);
}

/** A GET with exactly the given headers (Node's fetch would add `Accept: *\/*`). */
export function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
