/** Parameter pollution and junk in the callback and login links: 400 with a clear code, nothing sent to Egnyte. */
import type { Express } from 'express';
import { startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness, type TestBrowser } from '../support/harness.js';

type ErrorBody = { error: string; message: string };

async function get(browser: TestBrowser, url: string): Promise<{ status: number; body: ErrorBody }> {
  const res = await browser.request(url, { accept: 'application/json' });
  return { status: res.status, body: (await res.json()) as ErrorBody };
}

/** The callback URL of a fresh attempt with its query rewritten: `extra` appended raw, `drop` removed. */
async function pollutedCallback(h: Harness, browser: TestBrowser, extra: string, drop: string[] = []): Promise<{ url: string; original: string }> {
  const original = await startAttempt(browser);
  const url = new URL(original);
  for (const name of drop) url.searchParams.delete(name);
  const query = url.searchParams.toString();
  h.emulator.resetCalls();
  return { url: `${url.origin}${url.pathname}?${query}${query && extra ? '&' : ''}${extra}`, original };
}

describe.each([
  ['simple', undefined],
  ['extended (qs)', (app: Express) => app.set('query parser', 'extended')],
] as const)('query parser %s', (parser, before) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ...(before ? { before } : {}) });
  });
  afterAll(() => h.close());

  test.each([
    ['code=a&code=b', 'code=evil-code', []],
    ['state twice', 'state=other', []],
    ['domain twice', 'domain=acme.egnyte.com&domain=globex.egnyte.com', []],
    ['error twice', 'error=access_denied&error=server_error', []],
    ['oversized code', `code=${'c'.repeat(2049)}`, ['code']],
    ['oversized state', `state=${'s'.repeat(513)}`, ['state']],
    ['oversized error', `error=${'e'.repeat(129)}`, []],
    ['NUL in code', 'code=abc%00def', ['code']],
    ['newline in code', 'code=abc%0d%0aX-Injected:1', ['code']],
    ['non-ASCII code', 'code=%C3%A9t%C3%A9', ['code']],
  ] as const)('%s: 400 invalid_request, no upstream request, the real attempt still works', async (_name, extra, drop) => {
    const browser = h.browser();
    const { url, original } = await pollutedCallback(h, browser, extra, [...drop]);
    const r = await get(browser, url);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_request');
    expect(r.body.message).toMatch(/more than once|too long|unexpected form|characters/);
    expect(h.emulator.requests).toEqual([]);
    // Refused before the attempt was looked up: it was not used up.
    const done = await browser.request(original);
    expect(done.status).toBe(302);
  });

  test('non-UTF-8 state (%ff): 400, no upstream request', async () => {
    const browser = h.browser();
    const { url } = await pollutedCallback(h, browser, 'state=%ff', ['state']);
    const r = await get(browser, url);
    // The simple parser decodes "%ff" to U+FFFD (refused as junk); qs keeps the literal "%ff" (an unknown state).
    expect(r).toMatchObject({ status: 400, body: { error: parser === 'simple' ? 'invalid_request' : 'state_mismatch' } });
    expect(h.emulator.requests).toEqual([]);
  });

  test('non-UTF-8 code (%ff)', async () => {
    const browser = h.browser();
    const { url } = await pollutedCallback(h, browser, 'code=%ff%fe', ['code']);
    const r = await get(browser, url);
    if (parser === 'simple') {
      // Decoded to U+FFFD: refused before Egnyte is asked.
      expect(r).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(h.emulator.requests).toEqual([]);
    } else {
      // qs keeps the literal "%ff%fe", a well-formed (printable) code: only the user's own domain is asked, and refuses it.
      expect(r).toMatchObject({ status: 400, body: { error: 'token_exchange_failed' } });
      expect(h.emulator.requests.map((e) => `${e.method} ${e.host}${e.path}`)).toEqual(['POST acme.egnyte.com/puboauth/token']);
    }
  });

  test('code[]= (array syntax)', async () => {
    const browser = h.browser();
    const { url } = await pollutedCallback(h, browser, 'code[]=evil-code', ['code']);
    const r = await get(browser, url);
    // The simple parser sees a parameter named "code[]" (so no code); qs sees an array.
    expect(r).toMatchObject(parser === 'simple' ? { status: 400, body: { error: 'missing_code' } } : { status: 400, body: { error: 'invalid_request' } });
    expect(h.emulator.requests).toEqual([]);
  });

  test('state[x]= (object syntax)', async () => {
    const browser = h.browser();
    const { url } = await pollutedCallback(h, browser, 'state[x]=1', ['state']);
    const r = await get(browser, url);
    expect(r).toMatchObject(parser === 'simple' ? { status: 400, body: { error: 'state_missing' } } : { status: 400, body: { error: 'invalid_request' } });
    expect(h.emulator.requests).toEqual([]);
  });

  test('missing everything: 400 state_missing', async () => {
    const browser = h.browser();
    await startAttempt(browser);
    h.emulator.resetCalls();
    expect(await get(browser, '/egnyte/callback')).toMatchObject({ status: 400, body: { error: 'state_missing' } });
    expect(await get(browser, '/egnyte/callback?code=&state=&domain=')).toMatchObject({ status: 400, body: { error: 'state_missing' } });
    expect(h.emulator.requests).toEqual([]);
  });

  test('valid state but no code: 400 missing_code, no upstream request', async () => {
    const browser = h.browser();
    const { url } = await pollutedCallback(h, browser, '', ['code']);
    expect(await get(browser, url)).toMatchObject({ status: 400, body: { error: 'missing_code' } });
    expect(h.emulator.requests).toEqual([]);
  });

  test.each([
    ['returnTo twice', 'returnTo=/a&returnTo=/b'],
    ['domain twice', 'domain=acme&domain=globex'],
    ['oversized domain', `domain=${'a'.repeat(513)}`],
    ['oversized region', 'region=us-east-1-and-more'],
  ])('login with %s: 400 invalid_request, no redirect', async (_name, query) => {
    const browser = h.browser();
    h.emulator.resetCalls();
    const res = await browser.request(`/egnyte/login?${query}`, { accept: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    expect(h.emulator.requests).toEqual([]);
  });

  test('login with an unknown region falls back to the configured one', async () => {
    const browser = h.browser();
    const res = await browser.request('/egnyte/login?region=mars');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${h.emulator.url}/eas/us/`));
  });
});
