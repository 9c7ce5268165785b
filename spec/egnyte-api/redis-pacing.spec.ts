/**
 * Pacing shared through Redis, on a real redis-server started here: two app instances, each
 * with its own node-redis 5 connection and pacer, share one user's 2 calls per second. The
 * limiters come from `redisCoordination().limiter` (as `egnyteAuth` wires them) and from a
 * plain RateLimiterRedis (as an app passes one to `egnytePasswordGrant`). The emulator runs
 * with qps 2, so a single over-limit call would be refused and show up in its request log.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createClient } from 'redis';
import { redisCoordination } from '../../lib/redis.js';
import { createEgnyteApiClient, type EgnyteApiClient } from '../../lib/egnyte/api-client.js';
import { createEgnytePacer, type EgnyteLimiterFactory } from '../../lib/egnyte/pacing.js';
import type { EgnyteAuthError } from '../../lib/errors/errors.js';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { arrivals, emulatorConfig, emulatorToken, maxInAnyWindow } from './support.js';

const USERINFO = '/pubapi/v1/userinfo';
type Redis = ReturnType<typeof createClient>;

let redis: RedisServer;
let emulator: EgnyteEmulator;
const connections: Redis[] = [];

/** One app instance's view of Redis: its own connection and limiter factory. */
async function instanceLimiter(kind: 'coordination' | 'plain' = 'coordination'): Promise<EgnyteLimiterFactory> {
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  connections.push(client);
  if (kind === 'plain') return (options) => new RateLimiterRedis({ storeClient: client, useRedisPackage: true, ...options });
  const coordination = redisCoordination({ client });
  return (options) => coordination.limiter(options);
}

beforeAll(async () => {
  redis = await startRedis();
  emulator = await startEgnyteEmulator({ qps: 2 });
}, 30_000);

afterAll(async () => {
  // destroy(), not quit(): quit waits for a reconnect that never comes once the server is stopped.
  for (const c of connections) c.destroy();
  await emulator?.close();
  await redis?.stop();
});

beforeEach(() => emulator.resetCalls());

async function twoInstances(apiWaitMs: number, paceKey: string, kind: 'coordination' | 'plain' = 'coordination'): Promise<[EgnyteApiClient, EgnyteApiClient]> {
  const token = await emulatorToken(emulator);
  const make = async (): Promise<EgnyteApiClient> =>
    createEgnyteApiClient({
      config: emulatorConfig(emulator),
      domain: 'acme.egnyte.com',
      accessToken: async () => token,
      pacer: createEgnytePacer({ limiter: await instanceLimiter(kind), apiWaitMs }),
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

test('the bounded wait holds across instances (plain RateLimiterRedis): calls beyond what fits in apiWaitMs fail with rate_limited, unsent', async () => {
  const [a, b] = await twoInstances(500, 'login-bounded', 'plain');
  const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).fetch(USERINFO)));
  const sent = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as EgnyteAuthError);
  expect(sent).toHaveLength(2);
  expect(refused.map((e) => e.code)).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
  expect(arrivals(emulator, USERINFO)).toHaveLength(2);
});

test('limiter keys live in Redis under the coordination and pacer prefixes and the pace key', async () => {
  await connections[0]?.flushAll();
  const [a] = await twoInstances(5_000, 'login-keys');
  await a.fetch(USERINFO);
  const keys = await connections[0]!.keys('*');
  expect(keys.sort()).toEqual(['egnyte-auth:egnyte-api:day:login-keys', 'egnyte-auth:egnyte-api:qps:login-keys:0']);
});

// Last: it stops the shared redis-server.
test('Redis down: calls fail fast with coordination_unavailable and Retry-After, and nothing reaches Egnyte', async () => {
  const [a] = await twoInstances(5_000, 'login-down');
  await redis.stop();
  emulator.resetCalls();
  const error = (await a.fetch(USERINFO).catch((e: unknown) => e)) as EgnyteAuthError;
  expect(error).toMatchObject({ code: 'coordination_unavailable', status: 503, retryAfter: 5 });
  expect(error.message).not.toContain(redis.url);
  expect(emulator.requests).toEqual([]);
});
