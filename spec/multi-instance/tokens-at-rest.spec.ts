/**
 * Issue 19 across processes: three app instances (connect-redis sessions, redisCoordination) on
 * one redis-server sign users in, refresh their tokens (rotating refresh tokens), call Egnyte for
 * them and run background calls; then every key in Redis, sessions included, and every write
 * Redis logged to its append-only file (what a replica, a backup or MONITOR would see) holds no
 * token the emulator issued, nor any 16 characters of one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { createClient } from 'redis';
import { issuedTokensOf } from '../../lib/testing/issued-tokens.js';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { sessionIdOf } from '../flow-support.js';
import { type Instance, RoundRobinBrowser, startInstances } from '../support/instances.js';
import { connectClient, startRedis, type RedisServer } from '../support/redis-server.js';
import { type StoredItem, itemsHoldingTokens, piecesOf, redisContents } from '../support/token-scan.js';

jest.setTimeout(120_000);

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let emulator: EgnyteEmulator;
let instances: Instance[];

beforeAll(async () => {
  redis = await startRedis({ persist: true });
  client = await connectClient(redis);
  // Tokens of 30 s are always within the 60 s expiry skew: every use of a token refreshes it first.
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0, rotateRefreshTokens: true, accessTokenTtlSeconds: 30 });
  instances = await startInstances(3, redis.url, emulator, { USER_CACHE_SECONDS: '0', API_WAIT_MS: '30000' });
});

afterAll(async () => {
  await Promise.all((instances ?? []).map((i) => i.stop()));
  await emulator?.close();
  await client?.quit().catch(() => undefined);
  await redis?.stop();
});

/** Every file under `dir`, as text: the append-only file logs every write Redis took. */
function filesUnder(dir: string): StoredItem[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ where: `file ${path}`, text: readFileSync(path, 'latin1') }));
}

test('no token, nor 16 characters of one, in any Redis key or session, nor in any write Redis logged', async () => {
  const browsers = instances.map(() => new RoundRobinBrowser(instances));
  const loginIds: string[] = [];
  for (const [i, browser] of browsers.entries()) {
    const landed = await browser.on(i).go('/egnyte/login?domain=acme&returnTo=%2Fme', { accept: 'application/json' });
    expect(landed.status).toBe(200);
    loginIds.push((JSON.parse(landed.body) as { loginId: string }).loginId);
  }
  for (const [n, browser] of browsers.entries()) {
    for (let i = 0; i < 3; i++) {
      // The user re-read (userCacheSeconds 0), the app's own call and a background job, each refreshing first.
      expect((await browser.on(i).request('/me', { accept: 'application/json' })).status).toBe(200);
      expect((await browser.on(i).request('/api/userinfo', { accept: 'application/json' })).status).toBe(200);
      const job = await fetch(`${instances[i]!.url}/test/background?loginId=${loginIds[n]!}`);
      expect(await job.json()).toMatchObject({ user: 'jsmith' });
    }
  }
  const loggedOut = browsers[2]!;
  const loggedOutSid = sessionIdOf(loggedOut.on(0));
  expect((await loggedOut.on(1).request('/egnyte/logout', { method: 'POST' })).status).toBe(302);

  const issued = issuedTokensOf(emulator);
  // 3 sign-ins, then refreshes with rotation on every instance.
  expect(emulator.tokenGrants.authorization_code).toBe(3);
  expect(emulator.tokenGrants.refresh_token).toBeGreaterThanOrEqual(9);
  expect(issued.length).toBeGreaterThanOrEqual(2 * (3 + 9));
  const pieces = piecesOf(issued);

  const { items, otherTypes } = await redisContents(client);
  expect(otherTypes).toEqual([]);
  // There is something to look at: the signed-in sessions, the logins' records and a tombstone.
  for (const browser of browsers.slice(0, 2)) expect(items.some((item) => item.where === `redis string sess:${sessionIdOf(browser.on(0))}`)).toBe(true);
  expect(items.some((item) => item.where.endsWith(`sess:${loggedOutSid}`))).toBe(false);
  for (const loginId of loginIds) expect(items.some((item) => item.where.includes(`login:{${loginId}}`))).toBe(true);
  const log = filesUnder(redis.dir);
  expect(log.map((file) => file.text).join('').length).toBeGreaterThan(10_000);
  // The search finds a piece of a token cut out of one, inside other text.
  const token = issued[0]!;
  expect(itemsHoldingTokens([{ where: 'control', text: `*3\r\n$3\r\nSET\r\n..${token.slice(3, 19)}..` }], pieces)).toHaveLength(1);

  expect(itemsHoldingTokens(items, pieces)).toEqual([]);
  expect(itemsHoldingTokens(log, pieces)).toEqual([]);
});
