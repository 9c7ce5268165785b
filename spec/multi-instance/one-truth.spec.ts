/**
 * Issue 16 across app processes on one real redis-server: a login ends once, everywhere; one
 * code exchange per state however slow the sign-in; Redis failing mid-callback answers 503 and
 * the process lives. Each group starts its own instances with the settings it needs; the
 * instances record their hooks in the Redis list `test:events` (spec/support/instance-app.ts).
 */
import type { createClient } from 'redis';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { type Instance, RoundRobinBrowser, startInstances } from '../support/instances.js';
import { connectClient, startRedis, type RedisServer } from '../support/redis-server.js';

jest.setTimeout(120_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type HookEvent = { instance: string; hook: 'onLogin' | 'onLogout'; loginId: string; reason?: string };

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let emulator: EgnyteEmulator;

beforeAll(async () => {
  redis = await startRedis();
  client = await connectClient(redis);
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0 });
});

afterAll(async () => {
  await emulator?.close();
  await client?.quit().catch(() => undefined);
  await redis?.stop();
});

beforeEach(async () => {
  emulator.clearFaults();
  emulator.resetCalls();
  await client.del('test:events');
});

async function events(): Promise<HookEvent[]> {
  return (await client.lRange('test:events', 0, -1)).map((line) => JSON.parse(line) as HookEvent);
}

/** Starts `count` instances for one test and stops them afterwards, whatever happens. */
async function withInstances(count: number, env: Record<string, string>, run: (instances: Instance[]) => Promise<void>, redisUrl = redis.url): Promise<void> {
  const instances = await startInstances(count, redisUrl, emulator, env);
  try {
    await run(instances);
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
  }
}

async function signedIn(instances: Instance[]): Promise<{ browser: RoundRobinBrowser; loginId: string }> {
  const browser = new RoundRobinBrowser(instances);
  const landed = await browser.on(0).go('/egnyte/login?domain=acme&returnTo=%2Fme', { accept: 'application/json' });
  expect(landed.status).toBe(200);
  return { browser, loginId: (JSON.parse(landed.body) as { loginId: string }).loginId };
}

describe('defect 6: a login ends once, whatever number of requests or instances notice', () => {
  test('5 concurrent requests past maxSessionAge on 3 instances: onLogout once, tokens revoked once', async () => {
    await withInstances(3, { MAX_SESSION_AGE: '1', REVOKE_ON_LOGOUT: 'true' }, async (instances) => {
      const { browser, loginId } = await signedIn(instances);
      await sleep(1200);
      emulator.resetCalls();
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => browser.on(i % 3).request('/me', { accept: 'application/json' })));
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
      await sleep(300);
      expect((await events()).filter((e) => e.hook === 'onLogout')).toEqual([expect.objectContaining({ loginId, reason: 'max_session_age' })]);
      expect(emulator.calls.revoke).toBe(2);
    });
  });

  test('six tabs log out at once on two instances: onLogout once, tokens revoked once', async () => {
    await withInstances(2, { REVOKE_ON_LOGOUT: 'true' }, async (instances) => {
      const { browser, loginId } = await signedIn(instances);
      emulator.resetCalls();
      const outs = await Promise.all([0, 1, 0, 1, 0, 1].map((i) => browser.on(i).request('/egnyte/logout', { method: 'POST' })));
      expect(outs.map((o) => o.status)).toEqual([302, 302, 302, 302, 302, 302]);
      await sleep(300);
      expect((await events()).filter((e) => e.hook === 'onLogout')).toEqual([expect.objectContaining({ loginId, reason: 'logout' })]);
      expect(emulator.calls.revoke).toBe(2);
    });
  });
});

describe('defect 9: one code exchange per state, however slow the sign-in', () => {
  test('a reload on another instance while afterCallback outlasts the state lock: one exchange, and the tokens work', async () => {
    // TIMEOUT_MS 1000: the state lock lives 2 x 1 s + 5 s = 7 s; the hook takes 9 s.
    await withInstances(2, { TIMEOUT_MS: '1000', AFTER_CALLBACK_MS: '9000' }, async (instances) => {
      const browser = new RoundRobinBrowser(instances);
      const callback = new URL(await browser.on(0).untilApp(await browser.on(0).startLogin('acme', { direct: true, returnTo: '/api/userinfo' })));
      const first = browser.on(0).request(callback.href, { accept: 'application/json' });
      await sleep(500);
      const reload = await browser.on(1).request(callback.pathname + callback.search, { accept: 'application/json' });
      const answered = await first;
      expect(emulator.tokenGrants.authorization_code).toBe(1);
      expect(answered.status).toBe(302);
      expect(reload.status).toBe(302);
      const api = await browser.on(0).request('/api/userinfo', { accept: 'application/json' });
      expect(api.status).toBe(200);
    });
  });
});

describe('defect 2: Redis failing during a callback does not crash the process', () => {
  test('Redis stops while the code is exchanged: 503 with Retry-After, and the instance lives on', async () => {
    const own = await startRedis();
    try {
      await withInstances(
        1,
        {},
        async ([instance]) => {
          const browser = new RoundRobinBrowser([instance!]);
          const callback = await browser.on(0).untilApp(await browser.on(0).startLogin('acme', { direct: true, returnTo: '/me' }));
          emulator.fault({ endpoint: 'token', kind: 'slow', delayMs: 600, times: 1 });
          const calls = emulator.calls.token;
          const answer = browser.on(0).request(callback, { accept: 'application/json' });
          while (emulator.calls.token === calls) await sleep(10);
          await own.stop();
          const response = await answer;
          expect(response.status).toBe(503);
          expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
          await sleep(2500);
          expect(instance!.process.exitCode).toBeNull();
          await own.restart();
          // Back in business once Redis is.
          let status = 0;
          for (let i = 0; i < 50 && status !== 302; i++) {
            await sleep(100);
            const login = await browser.on(0).request('/egnyte/login?domain=acme');
            status = login.status;
          }
          expect(status).toBe(302);
        },
        own.url,
      );
    } finally {
      await own.stop();
    }
  });
});

describe('the invariants across 3 instances, requests round-robin', () => {
  test('no hand-over: a planted pre-login cookie written back late on one instance gives the attacker nothing on another', async () => {
    await withInstances(3, {}, async (instances) => {
      const attacker = new RoundRobinBrowser(instances);
      const started = await attacker.on(0).request('/egnyte/login');
      const s1 = new URL(started.headers.get('location')!).searchParams.get('state')!;
      const planted = attacker.on(0).cookies.get('connect.sid')!;
      const victim = new RoundRobinBrowser(instances);
      victim.cookies.set('connect.sid', planted);
      const callback = new URL(await victim.on(1).untilApp(await victim.on(1).startLogin('acme', { returnTo: '/me' })));
      const page = new RoundRobinBrowser(instances);
      page.cookies.set('connect.sid', planted);
      const slow = page.on(2).request('/visits?ms=800', { accept: 'application/json' });
      await sleep(200);
      // The callback comes back to the instance whose redirect URI the login used (each has its own port here).
      const signedIn = await victim.on(1).go(callback.pathname + callback.search, { accept: 'application/json' });
      expect(signedIn.status).toBe(200);
      const victimCookie = victim.cookies.get('connect.sid')!;
      expect((await slow).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const replay = await attacker.on(i).request(`/egnyte/callback?state=${s1}&code=junk&domain=acme`, { accept: 'application/json' });
        await replay.body?.cancel();
        expect(String(replay.headers.get('set-cookie') ?? '')).not.toContain(victimCookie.slice(0, 40));
        expect((await attacker.on(i).request('/me', { accept: 'application/json' })).status).toBe(401);
      }
      expect((await victim.getJson('/me')).status).toBe(200);
    });
  });

  test('a token Egnyte refuses on one instance ends the login for every instance and for jobs, reported once', async () => {
    await withInstances(3, { USER_CACHE_SECONDS: '0' }, async (instances) => {
      const { browser, loginId } = await signedIn(instances);
      emulator.revokeUserTokens('acme', 'jsmith');
      expect((await browser.on(1).request('/api/userinfo', { accept: 'application/json' })).status).toBe(401);
      for (let i = 0; i < 3; i++) {
        expect(await (await browser.on(i).request(`/test/background?loginId=${loginId}`)).json()).toMatchObject({ error: 'login_required' });
        expect((await browser.on(i).request('/me', { accept: 'application/json' })).status).toBe(401);
      }
      await sleep(200);
      expect((await events()).filter((e) => e.hook === 'onLogout')).toEqual([expect.objectContaining({ loginId, reason: 'token_refused' })]);
    });
  });

  test('signing in again on another instance ends the previous login everywhere, once; its tokens are revoked', async () => {
    await withInstances(3, { REVOKE_ON_LOGOUT: 'true' }, async (instances) => {
      const { browser, loginId: first } = await signedIn(instances);
      const again = await browser.on(1).go('/egnyte/login?domain=acme&returnTo=%2Fme', { accept: 'application/json' });
      const second = (JSON.parse(again.body) as { loginId: string }).loginId;
      expect(second).not.toBe(first);
      expect(await (await browser.on(2).request(`/test/background?loginId=${first}`)).json()).toMatchObject({ error: 'login_required' });
      expect(await (await browser.on(2).request(`/test/background?loginId=${second}`)).json()).toMatchObject({ user: 'jsmith' });
      await sleep(200);
      expect((await events()).filter((e) => e.hook === 'onLogout')).toEqual([expect.objectContaining({ loginId: first, reason: 'signed_in_again' })]);
      expect(emulator.liveTokens({ domain: 'acme', user: 'jsmith' })).toEqual({ access: 1, refresh: 1 });
    });
  });

  test('a refresh on one instance racing a logout on another leaves no live token at Egnyte', async () => {
    const rotating = await startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0, rotateRefreshTokens: true, accessTokenTtlSeconds: 30 });
    try {
      const instances = await startInstances(3, redis.url, rotating, { USER_CACHE_SECONDS: '0', REVOKE_ON_LOGOUT: 'true' });
      try {
        const browser = new RoundRobinBrowser(instances);
        // Landing on an unguarded page: the first refresh is the one that races the logout. (An
        // access token a refresh replaced is not revoked: at Egnyte that would revoke the refresh
        // token it shares; it expires within the minute of skew anyway.)
        expect((await browser.on(0).go('/egnyte/login?domain=acme&returnTo=%2Fvisits', { accept: 'application/json' })).status).toBe(200);
        rotating.resetCalls();
        rotating.fault({ endpoint: 'token', kind: 'slow_answer', delayMs: 800, times: 1 });
        const reread = browser.on(1).request('/me', { accept: 'application/json' });
        for (let i = 0; i < 300 && rotating.calls.token === 0; i++) await sleep(10);
        expect(rotating.calls.token).toBe(1);
        expect((await browser.on(2).request('/egnyte/logout', { method: 'POST' })).status).toBe(302);
        await (await reread).body?.cancel();
        await sleep(300);
        expect(rotating.tokenGrants.refresh_token).toBe(1);
        expect(rotating.liveTokens({ domain: 'acme', user: 'jsmith' })).toEqual({ access: 0, refresh: 0 });
        for (let i = 0; i < 3; i++) expect((await browser.on(i).request('/me', { accept: 'application/json' })).status).toBe(401);
      } finally {
        await Promise.all(instances.map((i) => i.stop()));
      }
    } finally {
      await rotating.close();
    }
  });

  test('one rulebook: a job on one instance finds a login idle on all of them over, and says so once', async () => {
    await withInstances(3, { IDLE_TIMEOUT: '2' }, async (instances) => {
      const { browser, loginId } = await signedIn(instances);
      // Jobs on every instance, for longer than the idle limit: not activity.
      for (let i = 0; i < 3; i++) {
        expect(await (await browser.on(i).request(`/test/background?loginId=${loginId}`)).json()).toMatchObject({ user: 'jsmith' });
        await sleep(500);
      }
      await sleep(1000);
      for (let i = 0; i < 3; i++) expect(await (await browser.on(i).request(`/test/background?loginId=${loginId}`)).json()).toMatchObject({ error: 'login_required' });
      expect((await browser.on(1).request('/me', { accept: 'application/json' })).status).toBe(401);
      await sleep(200);
      expect((await events()).filter((e) => e.hook === 'onLogout')).toEqual([expect.objectContaining({ loginId, reason: 'idle_timeout' })]);
    });
  });
});
