/**
 * Pacing shared through Redis (RateLimiterRedis on node-redis 5, as `redisCoordination()`'s
 * `limiter` makes it), on a real redis-server started here: two app instances, each with its
 * own Redis connection and pacer, share one user's 2 calls per second. The emulator runs with
 * qps 2, so a single over-limit call would be refused and show up in its request log.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createClient } from 'redis';
import { createEgnyteApiClient, type EgnyteApiClient } from '../../lib/egnyte/api-client.js';
import { createEgnytePacer, type EgnyteLimiterFactory } from '../../lib/egnyte/pacing.js';
import type { EgnyteAuthError } from '../../lib/errors/errors.js';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { arrivals, emulatorConfig, emulatorToken, maxInAnyWindow, startRedis, type RedisServer } from './support.js';

const USERINFO = '/pubapi/v1/userinfo';
type Redis = ReturnType<typeof createClient>;

let redis: RedisServer;
let emulator: EgnyteEmulator;
const connections: Redis[] = [];

/** One app instance's view of Redis: its own connection and limiter factory. */
async function instanceLimiter(): Promise<EgnyteLimiterFactory> {
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  connections.push(client);
  return (options) => new RateLimiterRedis({ storeClient: client, useRedisPackage: true, ...options });
}

beforeAll(async () => {
  redis = await startRedis();
  emulator = await startEgnyteEmulator({ qps: 2 });
}, 30_000);

afterAll(async () => {
  await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
  await emulator?.close();
  await redis?.stop();
});

beforeEach(() => emulator.resetCalls());

async function twoInstances(apiWaitMs: number, paceKey: string): Promise<[EgnyteApiClient, EgnyteApiClient]> {
  const token = await emulatorToken(emulator);
  const make = async (): Promise<EgnyteApiClient> =>
    createEgnyteApiClient({
      config: emulatorConfig(emulator),
      domain: 'acme.egnyte.com',
      accessToken: async () => token,
      pacer: createEgnytePacer({ limiter: await instanceLimiter(), apiWaitMs }),
      paceKey,
    });
  return [await make(), await make()];
}

test('20 concurrent calls for one user across 2 instances sharing Redis: all succeed, never more than 2 per second at Egnyte', async () => {
  emulator.resetCalls();
  const [a, b] = await twoInstances(30_000, 'login-shared');
  const calls = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).api.get<{ username: string }>(USERINFO));
  const answers = await Promise.all(calls);
  expect(answers.every((u) => u.username === 'jsmith')).toBe(true);
  const times = arrivals(emulator, USERINFO);
  expect(times).toHaveLength(20);
  expect(maxInAnyWindow(times)).toBeLessThanOrEqual(2);
}, 60_000);

test('the bounded wait holds across instances: calls beyond what fits in apiWaitMs fail with rate_limited, unsent', async () => {
  const [a, b] = await twoInstances(500, 'login-bounded');
  const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).fetch(USERINFO)));
  const sent = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as EgnyteAuthError);
  expect(sent).toHaveLength(2);
  expect(refused.map((e) => e.code)).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
  expect(arrivals(emulator, USERINFO)).toHaveLength(2);
});

test('limiter keys live in Redis under the pacer\'s prefix and the pace key, never the token', async () => {
  const [a] = await twoInstances(5_000, 'login-keys');
  await a.fetch(USERINFO);
  const keys = await connections[0]!.keys('*');
  expect(keys).toEqual(expect.arrayContaining(['egnyte-api:qps:login-keys:0', 'egnyte-api:day:login-keys']));
  expect(keys.every((k) => k.startsWith('egnyte-api:'))).toBe(true);
});
