/**
 * Shared sessions on a real redis-server: two app instances behind one store and one
 * emulator behave as one app. redis-server must be installed (CI installs it): without it
 * this suite fails, it does not skip.
 */
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { startEgnyteEmulator, type EgnyteEmulator } from '../lib/testing/index.js';
import { startLogin, untilCallback } from './flow-support.js';
import { startHarness, type Harness, type TestBrowser } from './support/harness.js';
import { startRedis, type RedisServer } from './support/redis-server.js';

const JSON_ACCEPT = { accept: 'application/json' };

let redis: RedisServer | undefined;
let client: ReturnType<typeof createClient> | undefined;
let emulator: EgnyteEmulator | undefined;
let a: Harness;
let b: Harness;

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: `redis://127.0.0.1:${redis.port}` });
  client.on('error', () => undefined);
  await client.connect();
  const store = new RedisStore({ client, prefix: 'egnyte-test:' });
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0 });
  // Both instances must share baseUrl-independent cookies: same secret (the harness's) and store.
  a = await startHarness({ store, sharedEmulator: emulator });
  b = await startHarness({ store, sharedEmulator: emulator });
}, 30_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await emulator?.close();
  await client?.quit().catch(() => undefined);
  await redis?.stop();
});

/** The same browser (same cookie jar) pointed at the other instance. */
function sameBrowserOn(h: Harness, browser: TestBrowser): TestBrowser {
  const other = h.browser();
  other.cookies = browser.cookies;
  return other;
}

beforeEach(() => emulator?.resetCalls());

test('sessions live in Redis', async () => {
  const browser = a.browser();
  await browser.signIn('acme', { direct: true });
  const keys = await client!.keys('egnyte-test:*');
  expect(keys.length).toBeGreaterThanOrEqual(1);
  const stored = await Promise.all(keys.map((k) => client!.get(k)));
  expect(stored.some((s) => s !== null && (JSON.parse(s) as { egnyte?: { login?: { domain?: string } } }).egnyte?.login?.domain === 'acme.egnyte.com')).toBe(true);
});

test('sign in on instance A; instance B sees the user without asking Egnyte', async () => {
  const onA = a.browser();
  const landed = await onA.signIn('globex', { returnTo: '/me' });
  expect(landed.status).toBe(200);
  emulator!.resetCalls();
  const onB = sameBrowserOn(b, onA);
  const me = await onB.request('/me', JSON_ACCEPT);
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ domain: 'globex.egnyte.com', user: { username: 'hscorpio' }, stale: false });
  expect(emulator!.calls.userinfo).toBe(0);
});

test('the callback saves before redirecting: the very next request, on the other instance, is signed in', async () => {
  for (let i = 0; i < 5; i++) {
    const onA = a.browser();
    const callback = await untilCallback(onA, await startLogin(onA, 'domain=acme&returnTo=%2Fme'));
    const answer = await onA.request(callback.href);
    expect(answer.status).toBe(302);
    const me = await sameBrowserOn(b, onA).request('/me', JSON_ACCEPT);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { username: 'jsmith' } });
  }
});

test('a login started on A completes on B', async () => {
  const onA = a.browser();
  const eas = await startLogin(onA, 'returnTo=%2Fme');
  // Egnyte sends the browser back to B (as a load balancer would); B's redirect_uri is B's.
  eas.searchParams.set('redirect_uri', `${b.baseUrl}/egnyte/callback`);
  eas.searchParams.set('domain', 'acme');
  const onB = sameBrowserOn(b, onA);
  const callback = await untilCallback(onB, eas);
  expect(callback.href.startsWith(`${b.baseUrl}/egnyte/callback?`)).toBe(true);
  const answer = await onB.request(callback.href);
  expect(answer.status).toBe(302);
  expect(answer.headers.get('location')).toBe('/me');
  expect(emulator!.lastTokenRequest?.body.redirect_uri).toBe(`${b.baseUrl}/egnyte/callback`);
  const me = await onA.request('/me', JSON_ACCEPT);
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ user: { username: 'jsmith' } });
});

test('logout on B ends the login on A', async () => {
  const onA = a.browser();
  await onA.signIn('acme', { direct: true });
  expect((await onA.request('/me', JSON_ACCEPT)).status).toBe(200);
  const onB = sameBrowserOn(b, onA);
  const out = await onB.request('/egnyte/logout', { method: 'POST' });
  expect(out.status).toBe(302);
  expect(emulator!.calls.revoke).toBe(2);
  const me = await onA.request('/me', JSON_ACCEPT);
  expect(me.status).toBe(401);
  expect(await me.json()).toMatchObject({ error: 'login_required' });
});
