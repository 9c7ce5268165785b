/**
 * Issue 8, faults: the coordination backend (Redis) down or slow. Only requests that need it
 * (a re-read, a refresh, a callback, a logout) get 503 `coordination_unavailable` with
 * `Retry-After`; a fresh signed-in session is still served. Logout is all or nothing (issue 16):
 * when the end cannot be recorded everywhere, the user is told and stays signed in, so trying
 * again signs them out everywhere rather than in this browser only.
 */
import type { createClient } from 'redis';
import { redisCoordination } from '../../lib/redis.js';
import { getJson } from '../support/fault-kit.js';
import { startHarness, type Harness } from '../support/harness.js';
import { connectClient, startRedis, type RedisServer } from '../support/redis-server.js';
import { startAttempt } from '../support/attack-kit.js';
import { sessionIdOf, storedSession, storeSession } from '../flow-support.js';
import session from 'express-session';

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let h: Harness;
const store = new session.MemoryStore();

beforeAll(async () => {
  redis = await startRedis();
  client = await connectClient(redis);
  h = await startHarness({ store, auth: { coordination: redisCoordination({ client, timeoutMs: 300 }) } });
});
afterAll(async () => {
  redis.process.kill('SIGCONT');
  await h.close();
  await client.quit().catch(() => undefined);
  await redis.stop();
});

async function makeStale(sid: string): Promise<void> {
  const data = (await storedSession(store, sid))!;
  data.egnyte!.login!.userFetchedAt = 0;
  await storeSession(store, sid, data);
}

test('Redis paused: fresh sessions are served, a re-read gets 503 coordination_unavailable, then all recovers', async () => {
  const fresh = h.browser();
  await fresh.signIn('acme', { direct: true });
  const stale = h.browser();
  await stale.signIn('globex', { direct: true });
  await makeStale(sessionIdOf(stale));

  redis.process.kill('SIGSTOP');
  try {
    expect((await getJson(fresh, '/me')).status).toBe(200);
    const refused = await stale.request('/me', { accept: 'application/json' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: 'coordination_unavailable' });
    // Starting a sign-in needs no backend.
    expect(await startAttempt(h.browser(), 'acme', { direct: true })).toContain('/egnyte/callback');
  } finally {
    redis.process.kill('SIGCONT');
  }
  expect((await getJson(stale, '/me')).status).toBe(200);
});

test('Redis paused during logout: 503 that says the user is still signed in; once Redis is back, logout ends the login everywhere', async () => {
  const browser = h.browser();
  await browser.signIn('acme', { direct: true });
  h.emulator.resetCalls();
  redis.process.kill('SIGSTOP');
  try {
    const out = await browser.request('/egnyte/logout', { method: 'POST', accept: 'application/json' });
    expect(out.status).toBe(503);
    expect(out.headers.get('retry-after')).toBe('5');
    expect(await out.json()).toMatchObject({ error: 'coordination_unavailable', message: expect.stringMatching(/still signed in/) });
    expect(h.emulator.calls.revoke).toBe(0);
  } finally {
    redis.process.kill('SIGCONT');
  }
  expect((await getJson(browser, '/me')).status).toBe(200);
  expect((await browser.request('/egnyte/logout', { method: 'POST' })).status).toBe(302);
  expect(h.emulator.calls.revoke).toBe(2);
  expect((await getJson(browser, '/me')).status).toBe(401);
});

test('a callback while Redis is paused: 503 coordination_unavailable, never a sign-in half done', async () => {
  const browser = h.browser();
  const callback = await startAttempt(browser, 'acme', { direct: true });
  h.emulator.resetCalls();
  redis.process.kill('SIGSTOP');
  try {
    const answer = await getJson(browser, callback);
    expect(answer).toMatchObject({ status: 503, body: { error: 'coordination_unavailable' } });
    // The state could not be claimed, so the code was not exchanged.
    expect(h.emulator.tokenGrants.authorization_code).toBe(0);
  } finally {
    redis.process.kill('SIGCONT');
  }
  expect((await getJson(browser, '/me')).status).toBe(401);
});
