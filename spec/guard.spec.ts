/**
 * requireEgnyteUser() against a real emulator: answers without a login, the user cache,
 * single-flight reloads and refreshes, and what happens when Egnyte refuses or throttles.
 */
import session from 'express-session';
import { EgnyteAuthError, memoryCoordination, requireEgnyteUser, type EgnyteUser } from '../lib/index.js';
import { rawGet, sessionIdOf, storedSession, storeSession } from './flow-support.js';
import { startHarness, withHarness, type Harness, type HarnessOptions } from './support/harness.js';
import { editRecord, tokensOf } from './support/records.js';

const JSON_ACCEPT = { accept: 'application/json' };

function withRoutes(extra: HarnessOptions = {}): HarnessOptions {
  return {
    ...extra,
    routes: (app) => {
      app.get('/api/redirecting', requireEgnyteUser({ onUnauthenticated: 'redirect' }), (_req, res) => res.json({ ok: true }));
      app.get('/api/status', requireEgnyteUser({ onUnauthenticated: 'status' }), (_req, res) => res.json({ ok: true }));
      app.get('/profile', requireEgnyteUser(), async (req, res) => {
        const response = await req.egnyte!.fetch(`/pubapi/v2/users/${req.egnyte!.user.id}`);
        res.status(response.status).json(await response.json());
      });
      app.get('/escape', requireEgnyteUser(), async (req, res) => {
        await req.egnyte!.fetch('//evil.com/pubapi/v1/userinfo');
        res.json({ escaped: true });
      });
      extra.routes?.(app);
    },
  };
}

describe('without a login', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(withRoutes());
  });
  afterAll(() => h.close());

  test('a browser asking for HTML is redirected to login with returnTo = the original URL', async () => {
    const response = await h.browser().request('/page?tab=files&q=a%20b', { accept: 'text/html' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/egnyte/login?returnTo=${encodeURIComponent('/page?tab=files&q=a%20b')}`);
  });

  test.each([
    ['*/*', '*/*'],
    ['the axios default', 'application/json, text/plain, */*'],
    ['JSON', 'application/json'],
  ])('an API client (%s) gets 401 JSON login_required', async (_name, accept) => {
    const response = await h.browser().request('/page', { accept });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ error: 'login_required', message: expect.any(String), login: '/egnyte/login' });
  });

  test('a request with no Accept header gets 401 JSON', async () => {
    const response = await rawGet(`${h.baseUrl}/me`, {});
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'login_required' });
  });

  test("onUnauthenticated: 'redirect' redirects API clients too; 'status' answers browsers with 401", async () => {
    const redirected = await h.browser().request('/api/redirecting?x=1', { accept: 'application/json' });
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('location')).toBe('/egnyte/login?returnTo=%2Fapi%2Fredirecting%3Fx%3D1');
    const status = await h.browser().request('/api/status', { accept: 'text/html' });
    expect(status.status).toBe(401);
    expect(await status.json()).toMatchObject({ error: 'login_required' });
  });

  test('an unknown onUnauthenticated mode is refused at set-up', () => {
    expect(() => requireEgnyteUser({ onUnauthenticated: 'maybe' as 'auto' })).toThrow(EgnyteAuthError);
  });
});

describe('the user cache', () => {
  test('a fresh cache makes no userinfo call', async () => {
    await withHarness({}, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme', { returnTo: '/me' });
      h.emulator.resetCalls();
      for (let i = 0; i < 5; i++) expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
      expect(h.emulator.calls.userinfo).toBe(0);
    });
  });

  test('a stale cache is refreshed from userinfo', async () => {
    const store = new session.MemoryStore();
    await withHarness({ store, auth: { userCacheSeconds: 0 } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const before = (await storedSession(store, sessionIdOf(browser)))?.egnyte?.login?.userFetchedAt ?? 0;
      h.emulator.resetCalls();
      await new Promise((r) => setTimeout(r, 5));
      const me = await browser.request('/me', JSON_ACCEPT);
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ user: { username: 'jsmith' }, stale: false });
      expect(h.emulator.calls.userinfo).toBe(1);
      const after = (await storedSession(store, sessionIdOf(browser)))?.egnyte?.login?.userFetchedAt ?? 0;
      expect(after).toBeGreaterThan(before);
    });
  });

  test('userCacheSeconds: 1 serves the cache for a second, then reads userinfo again', async () => {
    await withHarness({ auth: { userCacheSeconds: 1 } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      h.emulator.resetCalls();
      expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
      expect(h.emulator.calls.userinfo).toBe(0);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
      expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
      expect(h.emulator.calls.userinfo).toBe(1);
    });
  });

  test('50 concurrent requests on a stale session make exactly 1 userinfo call', async () => {
    await withHarness({ auth: { userCacheSeconds: 0 } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('globex', { direct: true });
      const other = h.browser();
      await other.signIn('acme', { direct: true });
      h.emulator.resetCalls();
      h.emulator.fault({ endpoint: 'userinfo', kind: 'slow', delayMs: 200 });
      const answers = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const response = await browser.request('/me', JSON_ACCEPT);
          return { status: response.status, body: (await response.json()) as { user: { username: string }; stale: boolean } };
        }),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
      expect(new Set(answers.map((a) => `${a.body.user.username}/${String(a.body.stale)}`))).toEqual(new Set(['hscorpio/false']));
      expect(h.emulator.calls.userinfo).toBe(1);
      // Single flight is per session: another user's session is not served this user.
      const mine = await other.request('/me', JSON_ACCEPT);
      expect(await mine.json()).toMatchObject({ user: { username: 'jsmith' } });
    });
  });
});

describe('token refresh', () => {
  test('an expired token is refreshed once for concurrent requests that need it, keeping the refresh token', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    // 30 s is inside the 60 s expiry skew: every token counts as expired as soon as it is issued
    // (the emulator still accepts it for 30 s). userCacheSeconds 0: every request re-reads the
    // user, which needs a live token (a token is refreshed when used, not on every request).
    await withHarness({ store, emulator: { accessTokenTtlSeconds: 30 }, auth: { coordination, userCacheSeconds: 0 } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const loginId = (await storedSession(store, sessionIdOf(browser)))!.egnyte!.login!.id;
      const original = (await tokensOf(coordination, loginId))!;
      expect(original.refreshToken).toEqual(expect.any(String));
      h.emulator.resetCalls();
      h.emulator.fault({ endpoint: 'token', kind: 'slow', delayMs: 150 });
      const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await browser.request('/me', JSON_ACCEPT)).status));
      expect(statuses).toEqual(Array(20).fill(200));
      expect(h.emulator.tokenGrants).toEqual({ authorization_code: 0, refresh_token: 1, password: 0 });
      expect(h.emulator.calls.userinfo).toBe(1);
      expect(h.emulator.lastTokenRequest?.body).toMatchObject({
        grant_type: 'refresh_token',
        refresh_token: original.refreshToken,
        client_id: h.emulator.clientId,
        client_secret: h.emulator.clientSecret,
      });
      const refreshed = (await tokensOf(coordination, loginId))!;
      expect(refreshed.accessToken).not.toBe(original.accessToken);
      // Egnyte's refresh answer carries no refresh token: the old one is kept.
      expect(refreshed.refreshToken).toBe(original.refreshToken);
      expect(refreshed.expiresAt).toBeGreaterThan(Date.now());

      // Past the single-flight grace, the kept refresh token refreshes again.
      await new Promise((r) => setTimeout(r, 2100));
      h.emulator.clearFaults();
      expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
      expect(h.emulator.tokenGrants.refresh_token).toBe(2);
      expect(h.emulator.lastTokenRequest?.body.refresh_token).toBe(original.refreshToken);
    });
  });

  test('a refused refresh (revoked refresh token) ends the login', async () => {
    await withHarness({ emulator: { accessTokenTtlSeconds: 30 }, auth: { userCacheSeconds: 0 } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      h.emulator.revokeAll();
      h.emulator.resetCalls();
      const me = await browser.request('/me', JSON_ACCEPT);
      expect(me.status).toBe(401);
      expect(await me.json()).toMatchObject({ error: 'login_required' });
      expect(h.emulator.tokenGrants.refresh_token).toBe(1);
      expect(h.emulator.calls.userinfo).toBe(0);
    });
  });

  test('an expired token without a refresh token ends the login without asking Egnyte', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    await withHarness({ store, emulator: { tokenGeneration: 'legacy' }, auth: { coordination, userCacheSeconds: 0 } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const sid = sessionIdOf(browser);
      const loginId = (await storedSession(store, sid))!.egnyte!.login!.id;
      await editRecord(coordination, loginId, (_login, tokens) => {
        expect(tokens.refreshToken).toBeUndefined();
        return { tokens: { expiresAt: Date.now() - 1000 } };
      });
      h.emulator.resetCalls();
      const page = await browser.request('/page', { accept: 'text/html' });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/egnyte/login?returnTo=%2Fpage');
      expect(h.emulator.calls.token).toBe(0);
      expect(h.emulator.calls.userinfo).toBe(0);
      expect((await storedSession(store, sid))?.egnyte?.login).toBeUndefined();
    });
  });
});

describe('Egnyte refuses or throttles', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(withRoutes({ auth: { userCacheSeconds: 0 } }));
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.clearFaults();
    h.emulator.resetCalls();
  });

  test.each([
    ['expired access tokens', (hh: Harness) => hh.emulator.expireAccessTokens()],
    ['revoked tokens', (hh: Harness) => hh.emulator.revokeAll()],
  ])('userinfo 401 (%s) ends the login', async (_name, breakTokens) => {
    const browser = h.browser();
    await browser.signIn('acme');
    breakTokens(h);
    const first = await browser.request('/me', JSON_ACCEPT);
    expect(first.status).toBe(401);
    expect(await first.json()).toMatchObject({ error: 'login_required' });
    expect(h.emulator.calls.userinfo).toBe(2); // sign-in + this one
    const second = await browser.request('/me', JSON_ACCEPT);
    expect(second.status).toBe(401);
    expect(h.emulator.calls.userinfo).toBe(2);
  });

  test('Developer Inactive on a token that worked ends the login: sign in again, like any 401', async () => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.fault({ endpoint: 'userinfo', kind: 'developer_inactive', times: 1 });
    const first = await browser.request('/me', JSON_ACCEPT);
    expect(first.status).toBe(401);
    expect(await first.json()).toMatchObject({ error: 'login_required' });
    const second = await browser.request('/me', JSON_ACCEPT);
    expect(second.status).toBe(401);
    expect(await second.json()).toMatchObject({ error: 'login_required' });
    expect(h.emulator.calls.userinfo).toBe(2);
  });

  test.each([
    ['over_qps', 'over_qps' as const],
    ['429', 'too_many_requests' as const],
  ])('throttled (%s) with a cached user -> the stale user is served', async (_name, kind) => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.fault({ endpoint: 'userinfo', kind, retryAfter: 3 });
    const me = await browser.request('/me', JSON_ACCEPT);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { username: 'jsmith' }, stale: true });
    expect(h.emulator.calls.userinfo).toBe(2);
  });

  test('throttled with no cached user -> 503 rate_limited with Retry-After', async () => {
    h.emulator.fault({ endpoint: 'userinfo', kind: 'over_qps', retryAfter: 2 });
    const browser = h.browser();
    const landed = await browser.signIn('acme', { returnTo: '/me' });
    expect(landed.status).toBe(503);
    expect(landed.headers.get('retry-after')).toBe('2');
    expect(landed.body).toContain('Egnyte is busy');
    const api = await browser.request('/me', JSON_ACCEPT);
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('2');
    expect(await api.json()).toMatchObject({ error: 'rate_limited', retryAfter: 2 });
    // The session waits out Egnyte's Retry-After without asking again...
    expect(h.emulator.calls.userinfo).toBe(2); // the sign-in's and the first guarded request's
    h.emulator.clearFaults();
    expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(503);
    expect(h.emulator.calls.userinfo).toBe(2);
    // ...and the login survives the throttling.
    await new Promise((r) => setTimeout(r, 2100));
    const me = await browser.request('/me', JSON_ACCEPT);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { username: 'jsmith' }, stale: false });
  });

  test("req.egnyte!.fetch calls the user's domain with the user's token", async () => {
    const browser = h.browser();
    await browser.signIn('globex', { direct: true });
    h.emulator.resetCalls();
    const profile = await browser.request('/profile', JSON_ACCEPT);
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ id: 301, userName: 'hscorpio', name: { givenName: 'Hank' }, userType: 'power' });
    expect(h.emulator.calls.users).toBe(1);
    expect(h.emulator.requests.filter((r) => r.path.startsWith('/pubapi/v2/users/')).map((r) => r.host)).toEqual(['globex.egnyte.com']);
  });

  test('req.egnyte!.fetch refuses a path that leaves the domain', async () => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.resetCalls();
    const escape = await browser.request('/escape', JSON_ACCEPT);
    expect(escape.status).toBe(500);
    expect(await escape.json()).toMatchObject({ error: 'invalid_request' });
    expect(h.emulator.requests.filter((r) => r.path !== '/pubapi/v1/userinfo')).toEqual([]);
  });

  test('req.egnyte!.fetch on a revoked token throws login_required and ends the login', async () => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.fault({ endpoint: 'users', kind: 'unauthorized', times: 1 });
    const profile = await browser.request('/profile', JSON_ACCEPT);
    expect(profile.status).toBe(401);
    expect(await profile.json()).toMatchObject({ error: 'login_required' });
    h.emulator.resetCalls();
    const me = await browser.request('/me', JSON_ACCEPT);
    expect(me.status).toBe(401);
    expect(h.emulator.calls.userinfo).toBe(0);
  });
});

describe('the user the session keeps', () => {
  test("a session keeps Egnyte's answer once; one stored whole by an earlier version is served, then kept the new way at its next re-read", async () => {
    const store = new session.MemoryStore();
    await withHarness({ store, auth: { userCacheSeconds: 1 } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const sid = sessionIdOf(browser);
      const data = (await storedSession(store, sid))!;
      const login = data.egnyte!.login!;
      expect(login.userinfo).toMatchObject({ id: 121, username: 'jsmith', first_name: 'Jane' });
      expect(login.user).toBeUndefined();
      const served = (await (await browser.request('/me', JSON_ACCEPT)).json()) as { user: Record<string, unknown> };
      expect(served.user).toMatchObject({ subject: 'acme.egnyte.com:121', id: 121, username: 'jsmith', firstName: 'Jane', raw: login.userinfo });

      // As an earlier version stored it: the whole user, no answer.
      delete login.userinfo;
      login.user = { ...(served.user as unknown as EgnyteUser), firstName: 'Stored' };
      await storeSession(store, sid, data);
      h.emulator.resetCalls();
      expect(await (await browser.request('/me', JSON_ACCEPT)).json()).toMatchObject({ user: { firstName: 'Stored' } });
      expect(h.emulator.calls.userinfo).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await (await browser.request('/me', JSON_ACCEPT)).json()).toMatchObject({ user: { firstName: 'Jane' } });
      const migrated = (await storedSession(store, sid))!.egnyte!.login!;
      expect(migrated.user).toBeUndefined();
      expect(migrated.userinfo).toMatchObject({ first_name: 'Jane' });
    });
  });

  test('an unreadable stored answer is read again from Egnyte instead of failing the request', async () => {
    const store = new session.MemoryStore();
    await withHarness({ store }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const sid = sessionIdOf(browser);
      const data = (await storedSession(store, sid))!;
      data.egnyte!.login!.userinfo = { nonsense: true };
      await storeSession(store, sid, data);
      h.emulator.resetCalls();
      expect(await (await browser.request('/me', JSON_ACCEPT)).json()).toMatchObject({ user: { username: 'jsmith' } });
      expect(h.emulator.calls.userinfo).toBe(1);
    });
  });
});
