/**
 * The logout route: a POST ends the login, regenerates the session, revokes the token at
 * Egnyte (best effort) and redirects. A GET signs nobody out (it shows a sign-out button:
 * spec/security/cross-site.spec.ts).
 */
import session from 'express-session';
import { sessionIdOf, storedSession } from './flow-support.js';
import { memoryCoordination } from '../lib/index.js';
import { startHarness, withHarness, type Harness } from './support/harness.js';
import { tokensOf } from './support/records.js';

const JSON_ACCEPT = { accept: 'application/json' };

describe.each(['POST'])('%s /egnyte/logout', (method) => {
  const store = new session.MemoryStore();
  const coordination = memoryCoordination();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store, auth: { postLogoutRedirect: '/goodbye?from=egnyte', coordination } });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.clearFaults();
    h.emulator.resetCalls();
  });

  test('ends the login, kills the old session, revokes the token and redirects', async () => {
    const browser = h.browser();
    await browser.signIn('acme');
    const oldCookie = browser.cookieHeader;
    const oldSid = sessionIdOf(browser);
    const { accessToken, refreshToken } = (await tokensOf(coordination, (await storedSession(store, oldSid))!.egnyte!.login!.id))!;
    h.emulator.resetCalls();

    const out = await browser.request('/egnyte/logout', { method });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/goodbye?from=egnyte');
    // Both tokens: the refresh token, then the access token (defect 7 of issue 8).
    expect(h.emulator.calls.revoke).toBe(2);
    expect(await storedSession(store, oldSid)).toBeUndefined();

    // Neither the old cookie nor whatever the browser holds now is signed in.
    const withOld = await fetch(`${h.baseUrl}/me`, { headers: { cookie: oldCookie, accept: 'application/json' } });
    expect(withOld.status).toBe(401);
    expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(401);
    // The browser got a new session cookie.
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(/^connect\.sid=s%3A/)]);
    expect(browser.cookieHeader).not.toBe(oldCookie);
    expect(sessionIdOf(browser)).not.toBe(oldSid);

    // The token is dead at Egnyte too.
    const userinfo = await fetch(`${h.emulator.endpoints.domainBaseUrl('acme.egnyte.com')}/pubapi/v1/userinfo`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(userinfo.status).toBe(401);
    const refresh = await fetch(`${h.emulator.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: h.emulator.clientId, client_secret: h.emulator.clientSecret }),
    });
    expect(refresh.status).toBe(400);
  });

  test('still logs out when revocation fails', async () => {
    const browser = h.browser();
    await browser.signIn('acme');
    const oldCookie = browser.cookieHeader;
    h.emulator.fault({ endpoint: 'revoke', kind: 'server_error' });
    const out = await browser.request('/egnyte/logout', { method });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/goodbye?from=egnyte');
    expect(h.emulator.calls.revoke).toBe(2);
    const withOld = await fetch(`${h.baseUrl}/me`, { headers: { cookie: oldCookie, accept: 'application/json' } });
    expect(withOld.status).toBe(401);
  });

  test('without a login it just redirects, with no revocation', async () => {
    const out = await h.browser().request('/egnyte/logout', { method });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/goodbye?from=egnyte');
    expect(h.emulator.calls.revoke).toBe(0);
  });
});

test('a new sign-in after logout gets a new session', async () => {
  await withHarness({}, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    const first = sessionIdOf(browser);
    await browser.request('/egnyte/logout', { method: 'POST' });
    const landed = await browser.signIn('globex', { returnTo: '/me' });
    expect(landed.status).toBe(200);
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'globex.egnyte.com' });
    expect(sessionIdOf(browser)).not.toBe(first);
  });
});

test('revokeOnLogout: false does not call Egnyte', async () => {
  await withHarness({ auth: { revokeOnLogout: false } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    const out = await browser.request('/egnyte/logout', { method: 'POST' });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/');
    expect(h.emulator.calls.revoke).toBe(0);
    expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(401);
  });
});

test('GET /egnyte/logout (a plain link, as before 0.2) signs nobody out: the page it shows has the button that does', async () => {
  await withHarness({}, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    const page = await browser.request('/egnyte/logout');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/egnyte/logout"><p><button type="submit">Sign out</button></p></form>');
    expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
    expect(h.emulator.calls.revoke).toBe(0);
  });
});
