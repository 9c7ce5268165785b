/**
 * The demo with `REDIS_URL`: sessions (connect-redis) and coordination live in a real
 * redis-server; a Redis that cannot be reached stops the demo at start-up with a message that
 * keeps the password out. Also: the endpoints an instance rebuilds from the emulator's URL are
 * the emulator's own. redis-server must be installed (`npm run test:setup`).
 */
import { createClient } from 'redis';
import { createCookieJar, signInAs, startEgnyteEmulator } from 'express-egnyte-auth/testing';
import { emulatorEndpoints } from '../demo-app/emulator-endpoints.js';
import { COORDINATION_PREFIX, RedisUnavailableError, SESSION_PREFIX } from '../demo-app/redis.js';
import { startDemo } from '../demo-app/server.js';
import { freePort, startRedis, type RedisServer } from './support/redis-server.js';

const JSON_ACCEPT = { accept: 'application/json' };

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url });
  await client.connect();
});
afterAll(async () => {
  await client.close();
  await redis.stop();
});

it('with REDIS_URL, keeps sessions and coordination in Redis', async () => {
  const lines: string[] = [];
  const demo = await startDemo({ env: { PORT: '0', DEMO_ENV_FILE: '', REDIS_URL: redis.url }, log: (line) => lines.push(line) });
  try {
    expect(lines).toContain(`  Sessions and coordination: Redis at ${redis.url} (REDIS_URL).`);
    const jar = createCookieJar(demo.url);
    await signInAs(jar, { domain: 'globex', username: 'hank' });
    const me = await jar.fetch('/api/me', { headers: JSON_ACCEPT });
    expect(me.status).toBe(200);
    await expect(me.json()).resolves.toMatchObject({ domain: 'globex.egnyte.com', user: { username: 'hank' } });
    // Not one instance: no header, no badge.
    expect(me.headers.get('x-demo-instance')).toBeNull();

    const sessions = await client.keys(`${SESSION_PREFIX}*`);
    expect(sessions).toHaveLength(1);
    expect(JSON.parse((await client.get(sessions[0]!))!)).toMatchObject({ egnyte: { login: { domain: 'globex.egnyte.com' } } });
    expect((await client.keys(`${COORDINATION_PREFIX}*`)).length).toBeGreaterThanOrEqual(1);

    const oldCookie = jar.cookieHeader();
    expect((await jar.fetch('/egnyte/logout', { method: 'POST' })).status).toBe(302);
    const replayed = await fetch(`${demo.url}/api/me`, { headers: { ...JSON_ACCEPT, cookie: oldCookie } });
    expect(replayed.status).toBe(401);
  } finally {
    await demo.close();
  }
});

it('stops at start-up when Redis cannot be reached, naming it without its password', async () => {
  const port = await freePort(); // nothing listens there
  const url = `redis://demo:hunter2@127.0.0.1:${port}`;
  const started = startDemo({ env: { PORT: '0', DEMO_ENV_FILE: '', REDIS_URL: url }, log: () => undefined });
  await expect(started).rejects.toBeInstanceOf(RedisUnavailableError);
  const err = (await started.catch((e: unknown) => e)) as Error;
  expect(err.message).toContain(`Redis at redis://***@127.0.0.1:${port} (REDIS_URL) cannot be reached`);
  expect(err.message).not.toContain('hunter2');
});

it('an instance rebuilds exactly the emulator\'s endpoints from its URL', async () => {
  const emulator = await startEgnyteEmulator();
  try {
    const own = emulator.endpoints;
    const rebuilt = emulatorEndpoints(emulator.url);
    expect(rebuilt.enhancedAuth).toEqual(own.enhancedAuth);
    expect(rebuilt.domainBaseUrl!('acme.egnyte.com')).toBe(own.domainBaseUrl!('acme.egnyte.com'));
    const referers = [
      `${emulator.domainUrl('acme.egnyte.com')}/`,
      `${emulator.domainUrl('globex.egnyte.com')}/puboauth/authorize`,
      `${emulator.url}/`,
      'http://acme.egnyte.com.localhost:1/',
      'https://acme.egnyte.com/',
      `http://localhost:${new URL(emulator.url).port}/`,
    ];
    for (const referer of referers) {
      expect([referer, rebuilt.domainFromReferer!(new URL(referer))]).toEqual([referer, own.domainFromReferer!(new URL(referer))]);
    }
    expect(rebuilt.domainFromReferer!(new URL(referers[0]!))).toBe('acme.egnyte.com');
  } finally {
    await emulator.close();
  }
});
