/**
 * No dead end after the Enhanced Auth Service: a callback that cannot tell its domain asks a
 * browser once, on the package's own page, and the login restarts bound to the answer.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser } from 'express-egnyte-auth';
import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
import { TestBrowser, startHarness, withHarness, type Harness } from './support/harness.js';

const JSON_ACCEPT = { accept: 'application/json' };

/** The GET form of the prompt page: its action and hidden fields. */
function promptForm(html: string): { action: string; returnTo: string } {
  const action = /<form method="get" action="([^"]*)">/.exec(html)?.[1];
  const returnTo = /<input type="hidden" name="returnTo" value="([^"]*)">/.exec(html)?.[1];
  if (action === undefined || returnTo === undefined) throw new Error('no domain prompt form');
  const unescape = (s: string): string => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return { action: unescape(action), returnTo: unescape(returnTo) };
}

/** Submits the prompt as a browser would: GET `action` with `returnTo` and the typed domain. */
function answer(browser: TestBrowser, html: string, typed: string): ReturnType<TestBrowser['go']> {
  const { action, returnTo } = promptForm(html);
  return browser.go(`${action}?${new URLSearchParams({ returnTo, domain: typed }).toString()}`);
}

describe('a domain page that sends no Referer (referrerPolicy: no-referrer)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ emulator: { referrerPolicy: 'no-referrer' } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.resetCalls());

  test('a browser is asked once which domain, then signs in on it with its returnTo', async () => {
    const browser = h.browser();
    const asked = await browser.signIn('globex', { returnTo: '/me?tab=2' });
    expect(asked.status).toBe(200);
    expect(new URL(asked.url).pathname).toBe('/egnyte/callback');
    expect(asked.headers.get('cache-control')).toBe('no-store');
    expect(asked.headers.get('referrer-policy')).toBe('no-referrer');
    expect(asked.body).toContain('Which Egnyte domain did you sign in to?');
    expect(asked.body).toContain('does not guess');
    const code = new URL(asked.url).searchParams.get('code')!;
    const state = new URL(asked.url).searchParams.get('state')!;
    expect(asked.body).not.toContain(code);
    expect(asked.body).not.toContain(state);
    expect(promptForm(asked.body)).toEqual({ action: '/egnyte/login', returnTo: '/me?tab=2' });
    // Nothing was sent to any domain: the code is dropped unused.
    expect(h.emulator.calls.token).toBe(0);

    const landed = await answer(browser, asked.body, ' GLOBEX ');
    expect(landed.status).toBe(200);
    expect(new URL(landed.url).pathname + new URL(landed.url).search).toBe('/me?tab=2');
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'globex.egnyte.com', user: { id: 301 } });
    // The restart was bound to the typed domain: no second question, one code exchanged, on globex.
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
    expect(h.emulator.requests.filter((r) => r.method === 'POST' && r.path === '/puboauth/token').map((r) => r.host)).toEqual(['globex.egnyte.com']);
  });

  test('an API client gets the unknown_domain JSON, as before', async () => {
    const browser = h.browser();
    const callback = await browser.untilApp(await browser.startLogin('acme'));
    const res = await browser.request(callback, JSON_ACCEPT);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'unknown_domain' });
    expect(h.emulator.calls.token).toBe(0);
  });

  test('the original returnTo is sanitised and escaped; a hostile typed domain ends at the login refusal', async () => {
    const browser = h.browser();
    const asked = await browser.signIn('acme', { returnTo: '/x?q="><script>alert(1)</script>' });
    expect(asked.body).not.toContain('<script>');
    expect(promptForm(asked.body).returnTo).toBe('/x?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    const refused = await answer(browser, asked.body, 'acme.egnyte.com.evil.com');
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Error code: invalid_domain');
    expect(h.emulator.calls.token).toBe(0);
  });
});

test('allowedDomains is honoured: a domain it refuses ends at domain_not_allowed, without a token request', async () => {
  await withHarness({ emulator: { referrerPolicy: 'no-referrer' }, auth: { allowedDomains: ['acme'] } }, async (h) => {
    const browser = h.browser();
    const asked = await browser.signIn('globex');
    const refused = await answer(browser, asked.body, 'globex');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Error code: domain_not_allowed');
    expect(h.emulator.calls.token).toBe(0);
    const allowed = await answer(browser, (await browser.signIn('acme', { returnTo: '/me' })).body, 'acme');
    expect(JSON.parse(allowed.body)).toMatchObject({ domain: 'acme.egnyte.com' });
  });
});

test('a fixed domain binds every login: never asked, even with no Referer', async () => {
  await withHarness({ emulator: { referrerPolicy: 'no-referrer' }, auth: { domain: 'acme' } }, async (h) => {
    const landed = await h.browser().signIn('acme', { returnTo: '/me' });
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'acme.egnyte.com' });
  });
});

test('the form goes to the login route under the mount path', async () => {
  const emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0, referrerPolicy: 'no-referrer' });
  const app = express();
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const baseUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
  try {
    app.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false }));
    app.use('/auth', egnyteAuth({ clientId: emulator.clientId, clientSecret: emulator.clientSecret, baseUrl: `${baseUrl}/auth`, endpoints: emulator.endpoints }));
    app.get('/auth/me', requireEgnyteUser(), (req, res) => {
      res.json({ domain: req.egnyte!.domain });
    });
    app.use(egnyteErrorHandler());
    const browser = new TestBrowser(baseUrl);
    const login = await browser.request('/auth/egnyte/login?returnTo=%2Fauth%2Fme');
    const asked = await browser.go(`${login.headers.get('location')!}&domain=acme`);
    expect(promptForm(asked.body).action).toBe('/auth/egnyte/login');
    const landed = await answer(browser, asked.body, 'acme');
    expect(JSON.parse(landed.body)).toEqual({ domain: 'acme.egnyte.com' });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await emulator.close();
  }
});
