/**
 * Issue 16, "one login, one truth": the defects found by review, each reproduced in one
 * process against the emulator (a real redis-server where Redis is the point). The same
 * rules across app processes are in spec/multi-instance/one-truth.spec.ts.
 */
import type { Express } from 'express';
import type { createClient } from 'redis';
import { requireEgnyteUser, type EgnyteLogoutEvent } from '../../lib/index.js';
import { redisCoordination } from '../../lib/redis.js';
import { sessionCookie, startAttempt } from '../support/attack-kit.js';
import { getJson, sleep } from '../support/fault-kit.js';
import { type Harness, type HarnessOptions, type TestBrowser, withHarness } from '../support/harness.js';
import { connectClient, startRedis, type RedisServer } from '../support/redis-server.js';

type Ended = Pick<EgnyteLogoutEvent, 'loginId' | 'reason'>;

/** A harness whose `onLogout` events land in `ended`, with `/api/userinfo` calling Egnyte through `req.egnyte.fetch`. */
function recording(options: HarnessOptions = {}): { ended: Ended[]; options: HarnessOptions } {
  const ended: Ended[] = [];
  return {
    ended,
    options: {
      ...options,
      auth: { ...options.auth, onLogout: ({ loginId, reason }) => void ended.push({ loginId, reason }) },
      routes: (app: Express) => {
        app.get('/api/userinfo', requireEgnyteUser(), async (req, res, next) => {
          try {
            const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo');
            res.status(answer.status).json(await answer.json());
          } catch (err) {
            next(err);
          }
        });
        options.routes?.(app);
      },
    },
  };
}

async function loginIdOf(browser: TestBrowser): Promise<string> {
  const me = await getJson(browser, '/me');
  expect(me.status).toBe(200);
  return me.body.loginId as string;
}

/** What a background job gets for `loginId`: the username Egnyte answers, or the error code. */
async function background(h: Harness, loginId: string): Promise<string> {
  try {
    const api = await h.auth.egnyteApiFor({ loginId });
    return ((await api.api.get('/pubapi/v1/userinfo')) as { username: string }).username;
  } catch (err) {
    return `error:${(err as { code?: string }).code ?? String(err)}`;
  }
}

describe('defect 1: no session is handed to a request that did not create it', () => {
  test('a planted pre-login cookie, written back late by a slow page, does not give the attacker the victim\'s session', async () => {
    const visits = (app: Express): void => {
      app.get('/visits', async (req, res) => {
        await sleep(Number(req.query.ms ?? 500));
        const counted = req.session as unknown as { visits?: number };
        counted.visits = (counted.visits ?? 0) + 1;
        res.json({ visits: counted.visits });
      });
    };
    await withHarness({ routes: visits }, async (h) => {
      // The attacker starts a login in their own session F (state S1), and plants F in the victim's browser.
      const attacker = h.browser();
      const attackerLogin = await attacker.request('/egnyte/login');
      const s1 = new URL(attackerLogin.headers.get('location')!).searchParams.get('state')!;
      const planted = sessionCookie(attacker)!;
      const victim = h.browser();
      victim.cookies.set('connect.sid', planted);
      const callback = await startAttempt(victim, 'acme', { returnTo: '/me' });
      // An ordinary slow page of the victim's, with F, loads the session before the sign-in and writes it back after.
      const page = h.browser();
      page.cookies.set('connect.sid', planted);
      const slow = page.request('/visits?ms=800', { accept: 'application/json' });
      await sleep(150);
      const signedIn = await victim.go(callback);
      expect(signedIn.status).toBe(200);
      const victimCookie = sessionCookie(victim)!;
      expect(victimCookie).not.toBe(planted);
      expect((await slow).status).toBe(200);

      // The attacker brings back their own state with F.
      const replay = await attacker.request(`/egnyte/callback?state=${s1}&code=junk&domain=acme`);
      await replay.body?.cancel();
      expect(String(replay.headers.get('set-cookie') ?? '')).not.toContain(victimCookie.slice(0, 40));
      expect(sessionCookie(attacker)).not.toBe(victimCookie);
      expect((await getJson(attacker, '/me')).status).toBe(401);
      // The victim is signed in, and stays so.
      expect((await getJson(victim, '/me')).status).toBe(200);
    });
  });
});

describe('defect 3: a refresh racing a logout leaves no live token at Egnyte', () => {
  test('the refreshed (rotated) tokens that meet the logout are revoked too', async () => {
    const { options } = recording({
      emulator: { rotateRefreshTokens: true, accessTokenTtlSeconds: 30 },
      auth: { userCacheSeconds: 0 },
    });
    await withHarness(options, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      // The next re-read must refresh (the token is within a minute of expiry); Egnyte issues the
      // new tokens at once, and its answer is slow on the way back.
      h.emulator.fault({ endpoint: 'token', kind: 'slow_answer', delayMs: 800, times: 1 });
      const calls = h.emulator.calls.token;
      const reread = getJson(browser, '/me');
      while (h.emulator.calls.token === calls) await sleep(10);
      const out = await browser.request('/egnyte/logout', { method: 'POST' });
      expect(out.status).toBe(302);
      await reread;
      await sleep(200);
      expect(h.emulator.tokenGrants.refresh_token).toBe(1);
      expect(h.emulator.liveTokens({ domain: 'acme', user: 'jsmith' })).toEqual({ access: 0, refresh: 0 });
    });
  });
});

describe('defect 4: signing in again in the same browser ends the previous login', () => {
  test('the old login ends everywhere: onLogout once, its tokens revoked, background access refused', async () => {
    const { ended, options } = recording();
    await withHarness(options, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const first = await loginIdOf(browser);
      await browser.signIn('acme');
      const second = await loginIdOf(browser);
      expect(second).not.toBe(first);
      expect(ended).toEqual([{ loginId: first, reason: 'signed_in_again' }]);
      expect(await background(h, first)).toBe('error:login_required');
      expect(await background(h, second)).toBe('jsmith');
      expect(h.emulator.liveTokens({ domain: 'acme', user: 'jsmith' })).toEqual({ access: 1, refresh: 1 });
    });
  });
});

describe('defect 5: a token Egnyte refuses on req.egnyte.fetch ends the login', () => {
  test('onLogout once with token_refused; background access and the session end with it', async () => {
    const { ended, options } = recording();
    await withHarness(options, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const loginId = await loginIdOf(browser);
      h.emulator.revokeUserTokens('acme', 'jsmith');
      expect(await getJson(browser, '/api/userinfo')).toMatchObject({ status: 401, body: { error: 'login_required' } });
      expect(ended).toEqual([{ loginId, reason: 'token_refused' }]);
      expect(await background(h, loginId)).toBe('error:login_required');
      expect((await getJson(browser, '/me')).status).toBe(401);
      expect(ended).toHaveLength(1);
    });
  });
});

describe('defect 7: background access keeps the login\'s rules', () => {
  test('maxSessionAge: a job cannot use a login past its age, and the end is reported once', async () => {
    const { ended, options } = recording({ auth: { maxSessionAge: 1 } });
    await withHarness(options, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const loginId = await loginIdOf(browser);
      await sleep(1500);
      expect(await background(h, loginId)).toBe('error:login_required');
      expect(await background(h, loginId)).toBe('error:login_required');
      expect(ended).toEqual([{ loginId, reason: 'max_session_age' }]);
      expect((await getJson(browser, '/me')).status).toBe(401);
      expect(ended).toHaveLength(1);
    });
  });

  test('idleTimeout: a job is not user activity; a login nobody used for longer is over for jobs too', async () => {
    const { ended, options } = recording({ auth: { idleTimeout: 1 } });
    await withHarness(options, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const loginId = await loginIdOf(browser);
      expect(await background(h, loginId)).toBe('jsmith');
      await sleep(600);
      // Jobs do not keep it alive.
      expect(await background(h, loginId)).toBe('jsmith');
      await sleep(600);
      expect(await background(h, loginId)).toBe('error:login_required');
      expect(ended).toEqual([{ loginId, reason: 'idle_timeout' }]);
    });
  });

  test('allowedDomains: a domain no longer allowed is over for jobs too', async () => {
    const allowed = new Set(['acme.egnyte.com']);
    const { ended, options } = recording({ auth: { allowedDomains: (host: string) => allowed.has(host) } });
    await withHarness(options, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const loginId = await loginIdOf(browser);
      allowed.clear();
      expect(await background(h, loginId)).toBe('error:domain_not_allowed');
      expect(ended).toEqual([{ loginId, reason: 'domain_not_allowed' }]);
    });
  });

  describe('with the clock moved on', () => {
    beforeEach(() => {
      jest.useFakeTimers({
        advanceTimers: true,
        doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
      });
    });
    afterEach(() => jest.useRealTimers());
    const HOUR = 60 * 60 * 1000;

    test('maxSessionAge 3600: background refreshes do not carry a login past its hour', async () => {
      const { options } = recording({ auth: { maxSessionAge: 3600 }, emulator: { accessTokenTtlSeconds: 1800 } });
      await withHarness(options, async (h) => {
        const browser = h.browser();
        await browser.signIn('acme');
        const loginId = await loginIdOf(browser);
        jest.setSystemTime(Date.now() + 0.75 * HOUR);
        expect(await background(h, loginId)).toBe('jsmith');
        expect(h.emulator.tokenGrants.refresh_token).toBe(1);
        jest.setSystemTime(Date.now() + 0.5 * HOUR);
        expect(await background(h, loginId)).toBe('error:login_required');
      });
    });

    test('a user who never comes back is signed out: jobs that refresh the token every 20 hours do not keep the login alive', async () => {
      const { ended, options } = recording({ emulator: { accessTokenTtlSeconds: 15 * 3600 } });
      await withHarness(options, async (h) => {
        const browser = h.browser();
        await browser.signIn('acme');
        const loginId = await loginIdOf(browser);
        let last = 'jsmith';
        for (let hours = 20; hours <= 60 && last === 'jsmith'; hours += 20) {
          jest.setSystemTime(Date.now() + 20 * HOUR);
          last = await background(h, loginId);
        }
        expect(last).toBe('error:login_required');
        expect(ended).toEqual([{ loginId, reason: 'idle_timeout' }]);
      });
    });
  });
});

describe('defect 8: background access says "ended" only when the login is', () => {
  beforeEach(() => {
    jest.useFakeTimers({
      advanceTimers: true,
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
  });
  afterEach(() => jest.useRealTimers());

  test('25 hours after a sign-in with a non-expiring token and a 30-day session cookie, jobs and the browser both still work', async () => {
    const { options } = recording({ emulator: { tokenGeneration: 'legacy' }, cookie: { maxAge: 30 * 24 * 60 * 60 * 1000 } });
    await withHarness(options, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const loginId = await loginIdOf(browser);
      jest.setSystemTime(Date.now() + 25 * 60 * 60 * 1000);
      expect(await background(h, loginId)).toBe('jsmith');
      expect((await getJson(browser, '/me')).status).toBe(200);
    });
  });
});

describe('defect 10: apiWaitMs 0 means "do not wait for a busy lane"', () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = await startRedis();
    client = await connectClient(redis);
  });
  afterAll(async () => {
    await client.quit().catch(() => undefined);
    await redis.stop();
  });

  test.each([
    ['memory', (): undefined => undefined],
    ['redis', () => redisCoordination({ client, prefix: `wait0-${Date.now()}:` })],
  ])('with %s coordination a call on an idle login is answered', async (_name, coordination) => {
    const made = coordination();
    const { options } = recording({ auth: { apiWaitMs: 0, ...(made ? { coordination: made } : {}) } });
    await withHarness(options, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      await sleep(1100);
      expect(await getJson(browser, '/api/userinfo')).toMatchObject({ status: 200, body: { username: 'jsmith' } });
    });
  });
});
