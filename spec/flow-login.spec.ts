/**
 * The login route against a real emulator: where it sends the browser, with which
 * parameters, and how several attempts in one session coexist.
 */
import session from 'express-session';
import { MAX_PENDING } from '../lib/flow/pending-logins.js';
import { callbackViaEas, sessionIdOf, startLogin, storedSession, untilCallback } from './flow-support.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
const store = new session.MemoryStore();
beforeAll(async () => {
  h = await startHarness({ store, auth: { scope: ['Egnyte.user', 'Egnyte.filesystem'] } });
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

describe('login without a domain goes to the Enhanced Auth Service', () => {
  test('us by default, with every authorization parameter', async () => {
    const url = await startLogin(h.browser());
    expect(url.origin + url.pathname).toBe(h.emulator.endpoints.enhancedAuth.us);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: h.emulator.clientId,
      redirect_uri: `${h.baseUrl}/egnyte/callback`,
      scope: 'Egnyte.user Egnyte.filesystem',
      state: expect.any(String),
      response_type: 'code',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    // Nothing is sent to Egnyte before the browser gets there.
    expect(h.emulator.calls).toMatchObject({ enhancedAuth: 0, authorize: 0, token: 0 });
  });

  test('?region=eu picks the EU service; an unknown region falls back to the configured one', async () => {
    const eu = await startLogin(h.browser(), 'region=eu');
    expect(eu.origin + eu.pathname).toBe(h.emulator.endpoints.enhancedAuth.eu);
    const other = await startLogin(h.browser(), 'region=mars');
    expect(other.origin + other.pathname).toBe(h.emulator.endpoints.enhancedAuth.us);
  });

  test('the EU service completes a sign-in too', async () => {
    const browser = h.browser();
    const eas = await startLogin(browser, 'region=eu&returnTo=%2Fme');
    eas.searchParams.set('domain', 'globex');
    const landed = await browser.go(eas.href, { accept: 'application/json' });
    expect(landed.status).toBe(200);
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'globex.egnyte.com', user: { username: 'hscorpio' } });
    expect(h.emulator.requests.filter((r) => r.host === 'eas').map((r) => r.region)).toEqual(['eu']);
  });

  test('state has at least 128 bits and is fresh for every attempt', async () => {
    const browser = h.browser();
    const states = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const state = (await startLogin(browser)).searchParams.get('state') ?? '';
      expect(state).toMatch(/^[A-Za-z0-9_-]{22,}$/); // base64url, 22 chars = 132 bits
      states.add(state);
    }
    expect(states.size).toBe(5);
    const other = (await startLogin(h.browser())).searchParams.get('state');
    expect(states.has(other ?? '')).toBe(false);
  });
});

describe('login with a domain goes straight to the domain', () => {
  test('?domain=ACME is normalised and bound to the attempt', async () => {
    const browser = h.browser();
    const url = await startLogin(browser, 'domain=ACME&returnTo=%2Fme%3Fx%3D1');
    expect(url.origin + url.pathname).toBe(`${h.emulator.url}/d/acme.egnyte.com/puboauth/token`);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe(h.emulator.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(`${h.baseUrl}/egnyte/callback`);
    expect(url.searchParams.get('scope')).toBe('Egnyte.user Egnyte.filesystem');
    const state = url.searchParams.get('state') ?? '';
    const stored = await storedSession(store, sessionIdOf(browser));
    expect(stored?.egnyte?.pending).toEqual([{ state, returnTo: '/me?x=1', domain: 'acme.egnyte.com', codeVerifier: expect.any(String), createdAt: expect.any(Number) }]);
  });

  test('an invalid domain is refused before any request to Egnyte', async () => {
    const response = await h.browser().request('/egnyte/login?domain=acme.egnyte.com.evil.com', { accept: 'application/json' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_domain' });
    expect(h.emulator.requests).toEqual([]);
  });
});

describe('login with a fixed domain option', () => {
  let fixed: Harness;
  beforeAll(async () => {
    fixed = await startHarness({ auth: { domain: 'https://globex.egnyte.com/' } });
  });
  afterAll(() => fixed.close());

  test('skips the Enhanced Auth Service and ignores ?domain', async () => {
    const url = await startLogin(fixed.browser(), 'domain=acme');
    expect(url.origin + url.pathname).toBe(`${fixed.emulator.url}/d/globex.egnyte.com/puboauth/token`);
    expect(url.searchParams.has('scope')).toBe(false);
    const landed = await fixed.browser().go('/egnyte/login?returnTo=/me', { accept: 'application/json' });
    expect(landed.status).toBe(200);
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'globex.egnyte.com' });
    expect(fixed.emulator.calls.enhancedAuth).toBe(0);
  });
});

describe('several attempts in one session', () => {
  test('two tabs sign in at once: the first callback signs in, the second lands where it was headed without a second exchange', async () => {
    const browser = h.browser();
    const first = await callbackViaEas(browser, 'acme', 'returnTo=%2Fme%3Ftab%3D1');
    const second = await callbackViaEas(browser, 'acme', 'returnTo=%2Fme%3Ftab%3D2');
    const two = await browser.request(second.href);
    expect(two.status).toBe(302);
    expect(two.headers.get('location')).toBe('/me?tab=2');
    const one = await browser.request(first.href);
    expect(one.status).toBe(302);
    expect(one.headers.get('location')).toBe('/me?tab=1');
    // Issue 8 defect 5: the other tab's attempt is not carried into the signed-in session.
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
    expect((await storedSession(store, sessionIdOf(browser)))?.egnyte?.pending ?? []).toHaveLength(0);
    const me = await browser.request('/me', { accept: 'application/json' });
    expect(me.status).toBe(200);
  });

  test(`at most ${MAX_PENDING} attempts are kept: the 11th evicts the oldest`, async () => {
    const browser = h.browser();
    const urls: URL[] = [];
    for (let i = 0; i < MAX_PENDING + 1; i++) urls.push(await startLogin(browser, `domain=acme&returnTo=%2Fme%3Fn%3D${i}`));
    const stored = await storedSession(store, sessionIdOf(browser));
    expect(stored?.egnyte?.pending ?? []).toHaveLength(MAX_PENDING);

    const oldest = await browser.request((await untilCallback(browser, urls[0]!)).href, { accept: 'application/json' });
    expect(oldest.status).toBe(400);
    expect(await oldest.json()).toMatchObject({ error: 'state_mismatch' });
    expect(h.emulator.tokenGrants.authorization_code).toBe(0);

    const secondOldest = await browser.request((await untilCallback(browser, urls[1]!)).href);
    expect(secondOldest.status).toBe(302);
    expect(secondOldest.headers.get('location')).toBe('/me?n=1');
    const newest = await browser.request((await untilCallback(browser, urls[MAX_PENDING]!)).href);
    expect(newest.status).toBe(302);
    expect(newest.headers.get('location')).toBe(`/me?n=${MAX_PENDING}`);
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
  });
});
