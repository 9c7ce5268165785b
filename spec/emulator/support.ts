/**
 * Helpers of the emulator specs: starting emulators that are closed after each test, and
 * plain HTTP against them (the authorize step, consent, token exchange, API calls).
 */
import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
import type { EgnyteEmulator, EgnyteEmulatorOptions } from 'express-egnyte-auth/testing';
import { loopbackFetch } from '../support/loopback-fetch.js';


/** The redirect URI the specs use (the default key accepts any loopback URI). */
export const REDIRECT = 'http://localhost:3000/auth/egnyte/callback';
const running: EgnyteEmulator[] = [];

/** Starts an emulator closed after the test ({@link closeEmulatorsAfterEach}). */
export async function start(options?: EgnyteEmulatorOptions): Promise<EgnyteEmulator> {
  const emulator = await startEgnyteEmulator(options);
  running.push(emulator);
  return emulator;
}

/** Registers the `afterEach` that closes every emulator the test started. */
export function closeEmulatorsAfterEach(): void {
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.close()));
  });
}

/** A GET without redirect following; `*.localhost` domain origins go to 127.0.0.1. */
export function get(url: string, init: RequestInit = {}): Promise<Response> {
  return loopbackFetch(url, init);
}

/** A form POST without redirect following; `*.localhost` domain origins go to 127.0.0.1. */
export function postForm(url: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return loopbackFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
}

/** The authorization request's query, with `extra` replacing or adding parameters. */
export function authParams(emu: EgnyteEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: emu.clientId,
    redirect_uri: REDIRECT,
    scope: 'Egnyte.filesystem Egnyte.user',
    state: 'st-123',
    response_type: 'code',
    ...extra,
  };
}

/** The path-based authorize URL of `host` with `params`. */
export function authorizeUrl(emu: EgnyteEmulator, host: string, params: Record<string, string>): string {
  return `${emu.endpoints.domainBaseUrl(host)}/puboauth/token?${new URLSearchParams(params).toString()}`;
}

/** The Enhanced Auth Service URL of `region`. */
export function easUrl(emu: EgnyteEmulator, region: 'us' | 'eu' = 'us'): string {
  const value = emu.endpoints.enhancedAuth[region];
  if (value === undefined) throw new Error(`no ${region} Enhanced Auth Service URL`);
  return value;
}

/** The `Location` of a redirect; throws when the answer is not one. */
export function location(res: Response): URL {
  const value = res.headers.get('location');
  if (value === null) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(value);
}

/** The hidden inputs and action of the (first) form of an emulator page. */
export function parseForm(html: string): { action: string; method: string; hidden: Record<string, string> } {
  const form = /<form method="(\w+)" action="([^"]*)">/.exec(html);
  if (!form) throw new Error('no form');
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    hidden[decode(m[1] ?? '')] = decode(m[2] ?? '');
  }
  return { method: form[1] ?? '', action: decode(form[2] ?? ''), hidden };
}

/** Undoes the HTML escaping of the emulator's pages. */
export function decode(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Authorize on `host` (directly), Allow as `userId`, and return the callback URL. */
export async function consent(emu: EgnyteEmulator, host: string, userId: number, extra: Record<string, string> = {}): Promise<URL> {
  const page = await get(authorizeUrl(emu, host, authParams(emu, extra)));
  expect(page.status).toBe(200);
  const { action, hidden } = parseForm(await page.text());
  const res = await postForm(`${emu.url}${action}`, { ...hidden, user: String(userId), decision: 'allow' });
  expect(res.status).toBe(302);
  return location(res);
}

/** The code exchange on `host`, as the package sends it (credentials in the body). */
export async function exchange(emu: EgnyteEmulator, host: string, code: string, extra: Record<string, string> = {}): Promise<Response> {
  return postForm(`${emu.endpoints.domainBaseUrl(host)}/puboauth/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: emu.clientId,
    client_secret: emu.clientSecret,
    ...extra,
  });
}

/** Consent as `userId` on `host`, then exchange the code: the token answer. */
export async function tokensFor(emu: EgnyteEmulator, host: string, userId: number): Promise<Record<string, unknown>> {
  const callback = await consent(emu, host, userId);
  const res = await exchange(emu, host, callback.searchParams.get('code') ?? '');
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** A `/pubapi` GET on `host`, with a bearer token when given. */
export function api(emu: EgnyteEmulator, host: string, path: string, token?: string): Promise<Response> {
  return get(`${emu.endpoints.domainBaseUrl(host)}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
}

/** Waits `ms` (for the throttling window only; never asserted on). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));