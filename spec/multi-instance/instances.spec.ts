/**
 * Issue 8 across processes: three app instances (separate Node processes) on one real
 * redis-server, requests spread round-robin. Exactly one userinfo re-read and one refresh per
 * login however many instances ask at once; logout final on every instance, including for
 * requests in flight; anonymous logins leave nothing that outlives the attempt; an instance
 * killed while it holds the refresh lock does not block the others for long; a Redis restart
 * loses no login.
 */
import type { createClient } from 'redis';
import { RELOAD_GRACE_MS } from '../../lib/guard/outcomes.js';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { arrivals, maxInAnyWindow } from '../egnyte-api/support.js';
import { sessionIdOf } from '../flow-support.js';
import { type Instance, RoundRobinBrowser, startInstances } from '../support/instances.js';
import { redisCoordination } from '../../lib/redis.js';
import { editRecord } from '../support/records.js';
import { connectClient, startRedis, type RedisServer } from '../support/redis-server.js';

jest.setTimeout(120_000);

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let emulator: EgnyteEmulator;
let instances: Instance[];

beforeAll(async () => {
  redis = await startRedis({ persist: true });
  client = await connectClient(redis);
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0, rotateRefreshTokens: true });
  instances = await startInstances(3, redis.url, emulator, { TIMEOUT_MS: '1500', API_WAIT_MS: '30000' });
});

afterAll(async () => {
  await Promise.all((instances ?? []).map((i) => i.stop()));
  await emulator?.close();
  await client?.quit().catch(() => undefined);
  await redis?.stop();
});

beforeEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
});

type StoredSession = { egnyte?: { login?: { id: string; userFetchedAt?: number } } };

/** Rewrites the browser's stored session (keeping its TTL). */
async function editSession(browser: RoundRobinBrowser, edit: (s: StoredSession) => void): Promise<void> {
  const key = `sess:${sessionIdOf(browser.on(0))}`;
  const data = JSON.parse((await client.get(key))!) as StoredSession;
  edit(data);
  await client.set(key, JSON.stringify(data), { KEEPTTL: true });
}

/** The browser's login's access token expires (as its record holds it), and its user is stale. */
async function expireToken(browser: RoundRobinBrowser): Promise<void> {
  let loginId = '';
  await editSession(browser, (s) => {
    s.egnyte!.login!.userFetchedAt = 0;
    loginId = s.egnyte!.login!.id;
  });
  await editRecord(redisCoordination({ client }), loginId, () => ({ tokens: { expiresAt: 1 } }));
}

async function signedIn(): Promise<RoundRobinBrowser> {
  const browser = new RoundRobinBrowser(instances);
  const landed = await browser.on(0).go('/egnyte/login?domain=acme&returnTo=%2Fme', { accept: 'application/json' });
  expect(landed.status).toBe(200);
  return browser;
}

async function burst(browser: RoundRobinBrowser, count: number, path = '/me'): Promise<Array<{ status: number; body: Record<string, unknown> }>> {
  return Promise.all(Array.from({ length: count }, () => browser.getJson(path)));
}

test('300 concurrent guarded requests on a stale session, over 3 instances: exactly 1 userinfo call, none fails', async () => {
  const browser = await signedIn();
  await editSession(browser, (s) => {
    s.egnyte!.login!.userFetchedAt = 0;
  });
  emulator.resetCalls();
  const answers = await burst(browser, 300);
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  expect(new Set(answers.map((a) => a.body.instance)).size).toBe(3);
  expect(emulator.calls.userinfo).toBe(1);
});

test('300 concurrent requests with an expired token (rotating refresh tokens): exactly 1 refresh, twice in a row', async () => {
  const browser = await signedIn();
  for (let round = 0; round < 2; round++) {
    // A refresh's outcome is shared for 2 s (RELOAD_GRACE_MS); the next expiry comes later.
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, RELOAD_GRACE_MS + 100));
    emulator.expireAccessTokens();
    await expireToken(browser);
    emulator.resetCalls();
    const answers = await burst(browser, 300);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(emulator.tokenGrants.refresh_token).toBe(1);
    expect(emulator.calls.userinfo).toBe(1);
    // The refreshed (rotated) token works for the app's own calls, on every instance.
    for (let i = 0; i < 3; i++) expect((await browser.on(i).request('/api/userinfo', { accept: 'application/json' })).status).toBe(200);
  }
});

test('20 concurrent req.egnyte.fetch calls for one user over 2 instances: never more than 2 a second at Egnyte, all succeed', async () => {
  const browser = await signedIn();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  emulator.resetCalls();
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => browser.on(i % 2).request('/api/userinfo', { accept: 'application/json' })));
  expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
  const times = arrivals(emulator, '/pubapi/v1/userinfo');
  expect(times).toHaveLength(20);
  expect(maxInAnyWindow(times)).toBeLessThanOrEqual(2);
});

test('logout on one instance is final on all of them, including for requests in flight', async () => {
  const browser = await signedIn();
  const oldCookie = browser.on(0).cookieHeader;
  const oldSid = sessionIdOf(browser.on(0));
  await editSession(browser, (s) => {
    s.egnyte!.login!.userFetchedAt = 0;
  });
  // Slow requests on every instance: each re-reads the user and so writes its session copy back when done.
  const inFlight = Promise.all(Array.from({ length: 6 }, (_, i) => browser.on(i % 3).request('/slow?ms=600', { accept: 'application/json' }).then((r) => r.text())));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const out = await browser.on(1).request('/egnyte/logout', { method: 'POST' });
  expect(out.status).toBe(302);
  await inFlight;
  for (let i = 0; i < 3; i++) {
    expect((await browser.on(i).request('/me', { accept: 'application/json' })).status).toBe(401);
    const old = await fetch(`${instances[i]!.url}/me`, { headers: { cookie: oldCookie, accept: 'application/json' } });
    expect(old.status).toBe(401);
  }
  expect(await client.get(`sess:${oldSid}`)).toBeNull();
});

test('10,000 anonymous logins over 3 instances leave no store key that outlives 10 minutes', async () => {
  await client.flushDb();
  const total = 10_000;
  const concurrency = 50;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const response = await fetch(`${instances[i % 3]!.url}/egnyte/login`, { redirect: 'manual' });
      await response.body?.cancel();
      expect(response.status).toBe(302);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ COUNT: 1000 })) keys.push(...batch);
  expect(keys.length).toBe(total);
  const ttls = await Promise.all(keys.map((k) => client.pTTL(k)));
  expect(ttls.filter((ttl) => ttl < 0 || ttl > 600_000)).toEqual([]);
});

test('Redis restarted mid-run: no login is lost', async () => {
  const browser = await signedIn();
  expect((await browser.getJson('/me')).status).toBe(200);
  await redis.restart();
  // The instances' clients reconnect by themselves; until then the store answers 503.
  let answer = await browser.getJson('/me');
  for (let i = 0; i < 50 && answer.status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answer = await browser.getJson('/me');
  }
  expect(answer).toMatchObject({ status: 200, body: { user: 'jsmith' } });
  // And if the coordination data alone were lost, the session's recovery copy re-creates the record.
  for (const key of await client.keys('egnyte-auth:*')) await client.del(key);
  await editSession(browser, (s) => {
    s.egnyte!.login!.userFetchedAt = 0;
  });
  const answers = await burst(browser, 30);
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
});

test('an instance killed (SIGKILL) while it holds the refresh lock: the others refresh once its lock expires', async () => {
  const browser = await signedIn();
  emulator.expireAccessTokens();
  await expireToken(browser);
  emulator.resetCalls();
  // The victim's refresh hangs at Egnyte; it dies holding the lock.
  emulator.fault({ endpoint: 'token', kind: 'slow', delayMs: 5000, times: 1 });
  const victim = instances[2]!;
  void browser.on(2).request('/me', { accept: 'application/json' }).catch(() => undefined);
  for (let i = 0; i < 100 && emulator.calls.token === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(emulator.calls.token).toBe(1);
  await victim.stop('SIGKILL');
  const survivor = await browser.on(0).request('/me', { accept: 'application/json' });
  expect(survivor.status).toBe(200);
  expect(emulator.tokenGrants.refresh_token).toBe(2);
});
