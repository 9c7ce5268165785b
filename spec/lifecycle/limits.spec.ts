/**
 * Issue 8, defects 4, 6 and 7: what a login may leave behind and how long it may live.
 * - Anonymous visits to the login route leave no store record that outlives the attempt.
 * - `maxSessionAge` (absolute) and `idleTimeout`; `allowedDomains` re-checked at each re-read.
 * - Tokens from a sign-in that fails after the exchange are revoked.
 */
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { createClient } from 'redis';
import { memoryCoordination } from '../../lib/index.js';
import { storedSession, storeSession, sessionIdOf } from '../flow-support.js';
import { editRecord, recordOf } from '../support/records.js';
import { FlakyStore, startAttempt } from '../support/attack-kit.js';
import { getJson } from '../support/fault-kit.js';
import { withHarness } from '../support/harness.js';
import { connectClient, startRedis, type RedisServer } from '../support/redis-server.js';

describe('anonymous logins', () => {
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

  test('200 anonymous logins leave no session record that lives past the attempt (10 minutes)', async () => {
    const store = new RedisStore({ client, prefix: 'anon:' });
    await withHarness({ store, cookie: { maxAge: 8 * 60 * 60 * 1000 } }, async (h) => {
      for (let i = 0; i < 200; i++) {
        const login = await h.browser().request('/egnyte/login');
        expect(login.status).toBe(302);
      }
      const keys = await client.keys('anon:*');
      expect(keys).toHaveLength(200);
      const ttls = await Promise.all(keys.map((k) => client.ttl(k)));
      expect(Math.max(...ttls)).toBeLessThanOrEqual(600);
      expect(Math.min(...ttls)).toBeGreaterThan(0);
    });
  });

  test('the signed-in session gets the app cookie settings back; a session with app data keeps its own', async () => {
    const store = new RedisStore({ client, prefix: 'anon2:' });
    await withHarness(
      {
        store,
        cookie: { maxAge: 8 * 60 * 60 * 1000 },
        routes: (app) =>
          app.get('/cart', (req, res) => {
            (req.session as unknown as { cart: string[] }).cart = ['x'];
            res.json({});
          }),
      },
      async (h) => {
        const browser = h.browser();
        expect((await browser.signIn('acme', { returnTo: '/me' })).status).toBe(200);
        expect(await client.ttl(`anon2:${sessionIdOf(browser)}`)).toBeGreaterThan(600);

        const shopper = h.browser();
        await shopper.request('/cart');
        await shopper.request('/egnyte/login');
        expect(await client.ttl(`anon2:${sessionIdOf(shopper)}`)).toBeGreaterThan(600);
      },
    );
  });
});

describe('session limits', () => {
  test('maxSessionAge: a login older than it is over, whatever its activity', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    await withHarness({ store, auth: { maxSessionAge: 3600, coordination } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      expect((await getJson(browser, '/me')).status).toBe(200);
      const sid = sessionIdOf(browser);
      const data = (await storedSession(store, sid))!;
      // An hour and a second later, as the record and the session's copy both see it.
      const loggedInAt = Date.now() - 3601 * 1000;
      data.egnyte!.login!.loggedInAt = loggedInAt;
      await storeSession(store, sid, data);
      await editRecord(coordination, data.egnyte!.login!.id, () => ({ login: { loggedInAt } }));
      h.emulator.resetCalls();
      expect(await getJson(browser, '/me')).toMatchObject({ status: 401, body: { error: 'login_required' } });
      expect(h.emulator.calls.revoke).toBe(2);
      expect((await storedSession(store, sid))?.egnyte?.login).toBeUndefined();
    });
  });

  test('idleTimeout: requests keep the login alive (recorded at most every tenth of it); silence ends it', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    await withHarness({ store, auth: { idleTimeout: 600, coordination } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const sid = sessionIdOf(browser);
      const loginId = (await storedSession(store, sid))!.egnyte!.login!.id;
      /** `ago` seconds since the user's last request, as the record and the session's copy both see it. */
      const quiet = async (ago: number): Promise<void> => {
        const lastSeenAt = Date.now() - ago * 1000;
        const data = (await storedSession(store, sid))!;
        Object.assign(data.egnyte!.login!, { lastSeenAt, endsAt: lastSeenAt + 600_000 });
        await storeSession(store, sid, data);
        await editRecord(coordination, loginId, () => ({ login: { lastSeenAt, endsAt: lastSeenAt + 600_000 } }));
      };
      await quiet(599);
      expect((await getJson(browser, '/me')).status).toBe(200);
      const touched = (await storedSession(store, sid))!.egnyte!.login!;
      expect(Date.now() - touched.lastSeenAt).toBeLessThan(60_000);
      expect(touched.endsAt).toBeGreaterThan(Date.now() + 540_000);
      expect(await recordOf(coordination, loginId)).toMatchObject({ kind: 'live', login: { lastSeenAt: touched.lastSeenAt, endsAt: touched.endsAt } });

      await quiet(601);
      expect((await getJson(browser, '/me')).status).toBe(401);
      expect(await recordOf(coordination, loginId)).toEqual({ kind: 'ended', reason: 'idle_timeout' });
    });
  });

  test('maxSessionAge and idleTimeout take any positive number of seconds and refuse the rest', async () => {
    const { egnyteAuth } = await import('../../lib/index.js');
    const base = { clientId: 'k', clientSecret: 's', baseUrl: 'https://app.example.com' };
    expect(() => egnyteAuth({ ...base, maxSessionAge: 0.5, idleTimeout: 30 })).not.toThrow();
    expect(() => egnyteAuth({ ...base, maxSessionAge: 0, idleTimeout: -1 })).toThrow(
      expect.objectContaining({ code: 'invalid_config', problems: [expect.stringMatching(/maxSessionAge/), expect.stringMatching(/idleTimeout/)] }),
    );
  });

  test('allowedDomains is re-checked at every re-read: a tenant removed from the predicate is signed out', async () => {
    const allowed = new Set(['acme.egnyte.com', 'globex.egnyte.com']);
    await withHarness({ auth: { userCacheSeconds: 0, allowedDomains: (host) => allowed.has(host) } }, async (h) => {
      const browser = h.browser();
      await browser.signIn('globex');
      expect((await getJson(browser, '/me')).status).toBe(200);
      allowed.delete('globex.egnyte.com');
      h.emulator.resetCalls();
      expect(await getJson(browser, '/me')).toMatchObject({ status: 403, body: { error: 'domain_not_allowed' } });
      expect(h.emulator.calls.userinfo).toBe(0);
      expect((await getJson(browser, '/me')).status).toBe(401);
    });
  });
});

describe('tokens are not left alive', () => {
  test('a sign-in whose session save fails revokes the tokens it obtained', async () => {
    const store = new FlakyStore();
    await withHarness({ store }, async (h) => {
      const browser = h.browser();
      const url = await startAttempt(browser, 'acme');
      store.modes.set = 'fail';
      h.emulator.resetCalls();
      const answer = await getJson(browser, url);
      store.heal();
      expect(answer.status).toBe(503);
      expect(h.emulator.tokenGrants.authorization_code).toBe(1);
      expect(h.emulator.calls.revoke).toBe(2);
    });
  });
});
