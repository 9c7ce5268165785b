/**
 * The callback route against a real emulator: refusals, where the domain comes from, both
 * token generations, client authentication, session regeneration, and that tokens and
 * codes stay on the server.
 */
import session from 'express-session';
import { callbackViaEas, sessionIdOf, startLogin, storedSession, untilCallback } from './flow-support.js';
import { memoryCoordination } from '../lib/index.js';
import { startHarness, withHarness, type Harness } from './support/harness.js';
import { tokensOf } from './support/records.js';

const JSON_ACCEPT = { accept: 'application/json' };

async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('callback refusals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ emulator: { autoApprove: false } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.resetCalls());

  test('the user denies access on the consent page -> 403 access_denied, no token request', async () => {
    const browser = h.browser();
    const authorize = await startLogin(browser, 'domain=acme');
    const consent = await fetch(authorize);
    expect(consent.status).toBe(200);
    const page = await consent.text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    const form = new URLSearchParams();
    for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      form.set(name!, value!.replace(/&amp;/g, '&'));
    }
    form.set('decision', 'deny');
    const denied = await fetch(new URL(action!, h.emulator.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    expect(denied.status).toBe(302);
    const callback = new URL(denied.headers.get('location')!);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const answer = await browser.request(callback.href, JSON_ACCEPT);
    expect(answer.status).toBe(403);
    expect(await jsonOf(answer)).toMatchObject({ error: 'access_denied' });
    expect(h.emulator.calls.token).toBe(0);
  });

  test('no state -> 400 state_missing', async () => {
    const browser = h.browser();
    await startLogin(browser, 'domain=acme');
    const answer = await browser.request('/egnyte/callback?code=abc&domain=acme', JSON_ACCEPT);
    expect(answer.status).toBe(400);
    expect(await jsonOf(answer)).toMatchObject({ error: 'state_missing' });
    expect(h.emulator.calls.token).toBe(0);
  });

  test('an unknown state -> 400 state_mismatch, no token request', async () => {
    const browser = h.browser();
    await startLogin(browser, 'domain=acme');
    const answer = await browser.request('/egnyte/callback?code=abc&state=forged-state-forged-state', JSON_ACCEPT);
    expect(answer.status).toBe(400);
    expect(await jsonOf(answer)).toMatchObject({ error: 'state_mismatch' });
    expect(h.emulator.calls.token).toBe(0);
  });

  test('a valid state without code -> 400 missing_code, and the state is used up', async () => {
    const browser = h.browser();
    const state = (await startLogin(browser, 'domain=acme')).searchParams.get('state')!;
    const answer = await browser.request(`/egnyte/callback?state=${state}`, JSON_ACCEPT);
    expect(answer.status).toBe(400);
    expect(await jsonOf(answer)).toMatchObject({ error: 'missing_code' });
    const again = await browser.request(`/egnyte/callback?state=${state}&code=x`, JSON_ACCEPT);
    expect(again.status).toBe(400);
    expect(await jsonOf(again)).toMatchObject({ error: 'state_mismatch' });
    expect(h.emulator.calls.token).toBe(0);
  });
});

describe('which domain issued the code', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ emulator: { easDomainParam: false } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.resetCalls());

  test('bound at login wins over a domain parameter', async () => {
    const browser = h.browser();
    const callback = await untilCallback(browser, await startLogin(browser, 'domain=acme&returnTo=%2Fme'));
    callback.searchParams.set('domain', 'globex');
    const answer = await browser.request(callback.href);
    expect(answer.status).toBe(302);
    expect(h.emulator.requests.filter((r) => r.path === '/puboauth/token' && r.method === 'POST').map((r) => r.host)).toEqual(['acme.egnyte.com']);
    const me = await browser.request('/me', JSON_ACCEPT);
    expect(await jsonOf(me)).toMatchObject({ domain: 'acme.egnyte.com' });
  });

  test('else the domain parameter, validated like user input', async () => {
    const browser = h.browser();
    const callback = await callbackViaEas(browser, 'globex');
    expect(callback.searchParams.has('domain')).toBe(false);
    callback.searchParams.set('domain', ' GLOBEX ');
    const answer = await browser.request(callback.href);
    expect(answer.status).toBe(302);
    expect(await jsonOf(await browser.request('/me', JSON_ACCEPT))).toMatchObject({ domain: 'globex.egnyte.com', user: { id: 301 } });

    const hostile = await callbackViaEas(browser, 'globex');
    hostile.searchParams.set('domain', 'globex.egnyte.com.evil.com');
    const refused = await browser.request(hostile.href, JSON_ACCEPT);
    expect(refused.status).toBe(400);
    expect(await jsonOf(refused)).toMatchObject({ error: 'invalid_domain' });
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
  });

  test('else the host of an https Egnyte Referer', async () => {
    const browser = h.browser();
    const callback = await callbackViaEas(browser, 'acme', 'returnTo=%2Fme');
    const answer = await browser.request(callback.href, { headers: { referer: 'https://acme.egnyte.com/puboauth/token?x=1' } });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/me');
    expect(await jsonOf(await browser.request('/me', JSON_ACCEPT))).toMatchObject({ domain: 'acme.egnyte.com', user: { username: 'jsmith' } });
  });

  test('an Enhanced Auth Service Referer is not a domain -> 400 unknown_domain, no token request', async () => {
    const browser = h.browser();
    const callback = await callbackViaEas(browser, 'acme');
    const answer = await browser.request(callback.href, {
      accept: 'application/json',
      headers: { referer: 'https://us-partner-integrations.egnyte.com/services/oauth/code?client_id=x' },
    });
    expect(answer.status).toBe(400);
    expect(await jsonOf(answer)).toMatchObject({ error: 'unknown_domain', message: expect.stringContaining('domain') });
    expect(h.emulator.calls.token).toBe(0);
  });

  test('no domain parameter and no Referer -> 400 unknown_domain for an API client', async () => {
    const browser = h.browser();
    const callback = await callbackViaEas(browser, 'acme');
    const answer = await browser.request(callback.href, { ...JSON_ACCEPT, from: null });
    expect(answer.status).toBe(400);
    expect(await jsonOf(answer)).toMatchObject({ error: 'unknown_domain' });
    expect(h.emulator.calls.token).toBe(0);
  });

  test('a browser is asked which domain instead (spec/flow-domain-prompt.spec.ts), the code not in the page', async () => {
    const browser = h.browser();
    const callback = await callbackViaEas(browser, 'acme');
    const answer = await browser.request(callback.href, { accept: 'text/html', from: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await answer.text();
    expect(html).toContain('<form method="get" action="/egnyte/login">');
    expect(html).not.toContain(callback.searchParams.get('code')!);
    expect(h.emulator.calls.token).toBe(0);
  });

  test("by default, the Referer of the domain's own page after the Enhanced Auth Service", async () => {
    const browser = h.browser();
    const callback = await callbackViaEas(browser, 'globex', 'returnTo=%2Fme');
    expect(callback.searchParams.has('domain')).toBe(false);
    const answer = await browser.request(callback.href);
    expect(answer.status).toBe(302);
    expect(await jsonOf(await browser.request('/me', JSON_ACCEPT))).toMatchObject({ domain: 'globex.egnyte.com', user: { id: 301 } });
  });
});

describe('token generations', () => {
  test.each(['legacy', 'legacy-no-token-type'] as const)('%s tokens (expires_in -1) are accepted and never expire', async (tokenGeneration) => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    await withHarness({ store, emulator: { tokenGeneration }, auth: { coordination } }, async (h) => {
      const browser = h.browser();
      const landed = await browser.signIn('acme', { returnTo: '/me' });
      expect(landed.status).toBe(200);
      const login = (await storedSession(store, sessionIdOf(browser)))?.egnyte?.login;
      expect(await tokensOf(coordination, login!.id)).toEqual({ accessToken: expect.any(String), tokenType: 'bearer' });
    });
  });

  test('current tokens: refresh token stored in the login\'s record (not the session), expiresAt set from expires_in', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    await withHarness({ store, emulator: { tokenGeneration: 'current', accessTokenTtlSeconds: 3600 }, auth: { coordination } }, async (h) => {
      const browser = h.browser();
      const before = Date.now();
      await browser.signIn('acme', { returnTo: '/me' });
      const login = (await storedSession(store, sessionIdOf(browser)))?.egnyte?.login;
      const tokens = await tokensOf(coordination, login!.id);
      expect(tokens).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'bearer', expiresAt: expect.any(Number) });
      expect(tokens!.expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
      expect(tokens!.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
      expect(login).toMatchObject({ domain: 'acme.egnyte.com', userinfo: { id: 121, first_name: 'Jane' }, userFetchedAt: expect.any(Number) });
      // Egnyte's answer is kept once: the user made of it is not stored beside it. The tokens are in
      // the session only as the record's sealed recovery copy, never as fields the app could use.
      expect(login).not.toHaveProperty('user');
      const { recovery, ...rest } = login!;
      expect(recovery).toEqual({ version: 1, tokens: expect.any(String) });
      expect(JSON.stringify(rest)).not.toContain(tokens!.accessToken);
      expect(JSON.stringify(rest)).not.toContain(tokens!.refreshToken);
    });
  });
});

describe('a successful callback', () => {
  const store = new session.MemoryStore();
  const coordination = memoryCoordination();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store, auth: { scope: 'Egnyte.user', coordination } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.resetCalls());

  test('sends the client credentials in the form body, not Basic auth', async () => {
    await h.browser().signIn('acme', { direct: true });
    const sent = h.emulator.lastTokenRequest!;
    expect(sent.authorizationHeader).toBeUndefined();
    expect(sent.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(sent.body).toMatchObject({
      grant_type: 'authorization_code',
      client_id: h.emulator.clientId,
      client_secret: h.emulator.clientSecret,
      redirect_uri: `${h.baseUrl}/egnyte/callback`,
      code: expect.any(String),
    });
  });

  test('regenerates the session: the pre-login cookie is dead, the new one is signed in', async () => {
    const browser = h.browser();
    const callback = await untilCallback(browser, await startLogin(browser, 'domain=acme'));
    const before = browser.cookieHeader;
    const sidBefore = sessionIdOf(browser);
    const answer = await browser.request(callback.href);
    expect(answer.status).toBe(302);
    expect(browser.cookieHeader).not.toBe(before);
    expect(sessionIdOf(browser)).not.toBe(sidBefore);
    expect(await storedSession(store, sidBefore)).toBeUndefined();
    const withOld = await fetch(`${h.baseUrl}/me`, { headers: { cookie: before, accept: 'application/json' } });
    expect(withOld.status).toBe(401);
    expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
  });

  test('the code, access token and refresh token never reach the browser', async () => {
    const browser = h.browser();
    const seen: string[] = [];
    const record = async (response: Response): Promise<void> => {
      response.headers.forEach((value, name) => seen.push(`${name}: ${value}`));
      seen.push(await response.text());
    };
    const callback = await untilCallback(browser, await startLogin(browser, 'domain=acme&returnTo=%2Fme'));
    const code = callback.searchParams.get('code')!;
    await record(await browser.request(callback.href));
    await record(await browser.request('/me', JSON_ACCEPT));
    await record(await browser.request('/page'));
    const login = (await storedSession(store, sessionIdOf(browser)))?.egnyte?.login;
    const { accessToken, refreshToken } = (await tokensOf(coordination, login!.id))!;
    expect(refreshToken).toEqual(expect.any(String));
    await record(await browser.request('/egnyte/logout', { method: 'POST' }));
    await record(await browser.request(callback.href)); // a replay, rendered as an error page
    const all = seen.join('\n');
    expect(all).toContain('Hello Jane');
    for (const secret of [code, accessToken, refreshToken!, h.emulator.clientSecret]) expect(all).not.toContain(secret);
  });
});

describe('token endpoint failures', () => {
  test('409 from the token endpoint -> 503 rate_limited with Retry-After', async () => {
    await withHarness({}, async (h) => {
      h.emulator.fault({ endpoint: 'token', kind: 'conflict_409', retryAfter: 42 });
      const browser = h.browser();
      const answer = await browser.request((await callbackViaEas(browser, 'acme')).href, JSON_ACCEPT);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('42');
      expect(await jsonOf(answer)).toMatchObject({ error: 'rate_limited', retryAfter: 42 });
      expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(401);
    });
  });

  test('an uncertified key on another domain -> 403 key_domain_mismatch explaining certification', async () => {
    await withHarness({ emulator: { clients: [{ clientId: 'uncertified', clientSecret: 's3cret', registeredDomains: ['globex'] }] } }, async (h) => {
      const browser = h.browser();
      const answer = await browser.request((await callbackViaEas(browser, 'acme')).href, JSON_ACCEPT);
      expect(answer.status).toBe(403);
      const body = await jsonOf(answer);
      expect(body).toMatchObject({ error: 'key_domain_mismatch' });
      expect(body.message).toMatch(/certified/);
      expect(h.emulator.tokenGrants.authorization_code).toBe(1);
      // The registered domain works with the same key.
      const ok = await h.browser().signIn('globex', { returnTo: '/me' });
      expect(ok.status).toBe(200);
    });
  });
});
