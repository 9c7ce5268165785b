/**
 * At sign-in, with the emulator's default (Egnyte-shaped) answers, the page tells the right
 * person what to do: a refused code asks the user to sign in again (400); a refused key or
 * redirect URI, and Developer Inactive from the token endpoint or the sign-in's userinfo, are
 * the app's configuration and say what to fix.
 */
import session from 'express-session';
import { startAttempt } from '../support/attack-kit.js';
import { type TestBrowser, startHarness, type Harness } from '../support/harness.js';

const JSON_ACCEPT = { accept: 'application/json' } as const;

async function page(browser: TestBrowser, url: string): Promise<{ status: number; html: string }> {
  const res = await browser.request(url);
  return { status: res.status, html: await res.text() };
}

describe('one app', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({});
  });
  afterAll(() => h.close());
  afterEach(() => h.emulator.clearFaults());

  test('a reused code: 400, "sign in again", with a link to do it', async () => {
    const browser = h.browser();
    const first = await startAttempt(browser);
    expect((await browser.request(first)).status).toBe(302);
    const other = h.browser();
    const fresh = new URL(await startAttempt(other));
    fresh.searchParams.set('code', new URL(first).searchParams.get('code')!);
    const { status, html } = await page(other, fresh.href);
    expect(status).toBe(400);
    expect(html).toContain('Egnyte refused the sign-in code');
    expect(html).toContain('Sign in again');
    expect(html).not.toContain('API key');
  });

  test.each([
    ['the token endpoint', 'token'],
    ["the sign-in's userinfo", 'userinfo'],
  ] as const)('Developer Inactive from %s: the page says it is the configuration (key of another environment)', async (_name, endpoint) => {
    const browser = h.browser();
    const callback = await startAttempt(browser);
    h.emulator.fault({ endpoint, kind: 'developer_inactive', times: 1 });
    const { status, html } = await page(browser, callback);
    expect(status).toBe(401);
    expect(html).toContain('<h1>Egnyte refused the app&#39;s credentials</h1>');
    expect(html).toContain('configuration problem of the app, not of your account');
    expect(html).toContain('*.qa-egnyte.com used on *.egnyte.com, or the reverse');
    expect(html).toContain('Error code: developer_inactive');
  });
});

test('a wrong client secret: 500 invalid_config naming clientSecret, no "sign in again"', async () => {
  const h = await startHarness({ auth: { clientSecret: 'not-the-secret' } });
  try {
    const browser = h.browser();
    const callback = await startAttempt(browser);
    const { status, html } = await page(browser, callback);
    expect(status).toBe(500);
    expect(html).toContain('<h1>The app is misconfigured</h1>');
    expect(html).toContain('clientSecret');
    expect(html).not.toContain('Sign in again');
    expect(html).not.toContain('not-the-secret');
  } finally {
    await h.close();
  }
});

describe('the callback reaches an app whose redirect URI differs from the login one', () => {
  // Two apps with one store and one emulator: the sign-in starts on A, the callback is
  // answered by B (say, a deployment whose baseUrl changed), whose redirect_uri Egnyte refuses.
  test.each([
    ['same host, other port: INVALID_CALLBACK', 'http://localhost:9', /INVALID_CALLBACK/],
    ['another host name', 'http://127.0.0.1:9', /Request hostname and redirect url hostname do not match/],
  ])('%s: 500 invalid_config naming baseUrl', async (_name, baseUrl, marker) => {
    const store = new session.MemoryStore();
    const a = await startHarness({ store });
    // B answers on its own port; only the redirect URI it sends comes from its baseUrl.
    const b = await startHarness({ store, sharedEmulator: a.emulator, auth: { baseUrl } });
    try {
      const browserA = a.browser();
      const callback = new URL(await startAttempt(browserA, 'acme', { direct: true }));
      const browserB = b.browser();
      browserB.cookies = new Map(browserA.cookies);
      const res = await browserB.request(`${callback.pathname}${callback.search}`, JSON_ACCEPT);
      const body = (await res.json()) as { error: string; message: string };
      expect(res.status).toBe(500);
      expect(body.error).toBe('invalid_config');
      expect(body.message).toMatch(marker);
      expect(body.message).toMatch(/register exactly that URI.*or correct baseUrl/);
      expect(a.emulator.tokenGrants.authorization_code).toBe(1);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
