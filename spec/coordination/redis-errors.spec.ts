/**
 * Issue 17: Redis errors that are not "unreachable" are named. A client of the wrong kind for
 * the deployment (a single-node client on a Cluster: MOVED), one connected to a replica
 * (READONLY), a Redis user without the rights the package needs (NOPERM), another app's data
 * under the package's keys (WRONGTYPE) or a client object of the wrong shape are
 * configuration mistakes: `invalid_config`, at start-up where it can be told, else at first
 * use, each with what to do, and the Redis error's first word in the debug log. "Cannot reach"
 * stays for a Redis that does not answer. Each case is a real misconfiguration of a real
 * redis-server or cluster.
 */
import { format } from 'node:util';
import createDebug from 'debug';
import { Redis as IoRedis } from 'ioredis';
import { createClient } from 'redis';
import { RedisStore } from 'connect-redis';
import type { EgnyteAuthError } from '../../lib/index.js';
import { redisCoordination } from '../../lib/redis.js';
import { flightKeys, loginRecordKey } from '../../lib/coordination/keys.js';
import { createEgnytePacer } from '../../lib/egnyte/pacing.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startRedisCluster, type RedisClusterServer } from '../support/redis-cluster.js';

jest.setTimeout(30_000);

let cluster: RedisClusterServer;
let master: RedisServer;
let replica: RedisServer;
const closers: Array<() => Promise<unknown> | void> = [];
const debugLines: string[] = [];
const originalLog = createDebug.log;

beforeAll(async () => {
  // Each assigned as it starts, so that afterAll stops whatever did if the other one fails.
  await Promise.all([startRedisCluster().then((c) => (cluster = c)), startRedis().then((m) => (master = m))]);
  replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  createDebug.enable('express-egnyte-auth:*');
  createDebug.log = (...args: unknown[]) => void debugLines.push(format(...args));
});
afterAll(async () => {
  createDebug.log = originalLog;
  createDebug.disable();
  for (const close of closers) await close();
  await Promise.all([cluster?.stop(), replica?.stop(), master?.stop()]);
});
beforeEach(() => {
  debugLines.length = 0;
});

async function nodeRedis(url: string): Promise<ReturnType<typeof createClient>> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  closers.push(() => client.close().catch(() => undefined));
  return client;
}

async function ioRedis(url: string): Promise<IoRedis> {
  const client = new IoRedis(url, { lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  // Once only: a second disconnect() leaves a 2 s timer behind.
  closers.push(() => {
    if (client.status !== 'end') client.disconnect();
  });
  return client;
}

/** The first rejection of `calls`, which must reject. */
async function firstRejection(calls: Array<() => Promise<unknown>>): Promise<EgnyteAuthError> {
  for (const call of calls) {
    const outcome = await call().then(
      () => undefined,
      (err: unknown) => err,
    );
    if (outcome !== undefined) return outcome as EgnyteAuthError;
  }
  throw new Error('no call was refused');
}

/** What `call` rejected with; it must reject. */
async function refusal(call: Promise<unknown>): Promise<EgnyteAuthError> {
  return firstRejection([() => call]);
}

const gets = (c: ReturnType<typeof redisCoordination>): Array<() => Promise<unknown>> => Array.from({ length: 20 }, (_, i) => () => c.get(loginRecordKey(`login-${i}`)));

describe.each([
  ['node-redis', (url: string) => nodeRedis(url)],
  ['ioredis', (url: string) => ioRedis(url)],
] as const)('%s', (_name, connect) => {
  test('a single-node client on a Cluster: invalid_config naming MOVED and the cluster client to use', async () => {
    const c = redisCoordination({ client: (await connect(`redis://127.0.0.1:${cluster.nodes[0]!.port}`)) as never });
    const err = await firstRejection(gets(c));
    expect(err).toMatchObject({ code: 'invalid_config', status: 500 });
    expect(err.message).toMatch(/MOVED/);
    expect(err.message).toMatch(/createCluster/);
    expect(err.message).toMatch(/Redis\.Cluster/);
    expect(err.message).not.toMatch(/cannot reach/i);
    expect(debugLines.join('\n')).toMatch(/express-egnyte-auth:coordination .*MOVED/);
  });

  test('a client connected to a replica: invalid_config naming READONLY', async () => {
    const c = redisCoordination({ client: (await connect(replica.url)) as never });
    const keys = flightKeys('reload', 'someone');
    const err = await refusal(c.claim(keys.lock, 'me', 1000, keys.result));
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect(err.message).toMatch(/READONLY/);
    expect(err.message).toMatch(/replica/);
    expect(debugLines.join('\n')).toMatch(/express-egnyte-auth:coordination .*READONLY/);
  });

  test("the limiters' store refusing (pacing Egnyte calls on a replica): 503, and the first word in the debug log", async () => {
    const c = redisCoordination({ client: (await connect(replica.url)) as never });
    const pacer = createEgnytePacer({ limiter: (o) => c.limiter(o) });
    await expect(pacer.acquire('someone', { deadline: Date.now() + 1000, holdMs: 1000 })).rejects.toMatchObject({ code: 'coordination_unavailable' });
    expect(debugLines.join('\n')).toMatch(/express-egnyte-auth:coordination limiter call failed: READONLY/);
  });

  test('a Redis user without the rights the package needs: invalid_config naming NOPERM', async () => {
    const admin = await nodeRedis(master.url);
    const user = `limited-${_name}`;
    // Allowed everything but Lua scripts.
    await admin.sendCommand(['ACL', 'SETUSER', user, 'on', '>secret-password', '~*', '&*', '+@all', '-@scripting']);
    const client = await connect(`redis://${user}:secret-password@127.0.0.1:${master.port}`);
    const c = redisCoordination({ client: client as never });
    expect(await c.get('allowed')).toBeUndefined();
    const keys = flightKeys('reload', 'someone');
    const err = await refusal(c.claim(keys.lock, 'me', 1000, keys.result));
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect(err.message).toMatch(/NOPERM/);
    expect(err.message).toMatch(/EVALSHA/);
    expect(err.message + JSON.stringify(err)).not.toContain('secret-password');
    expect(debugLines.join('\n')).toMatch(/express-egnyte-auth:coordination .*NOPERM/);
    expect(debugLines.join('\n')).not.toContain('secret-password');
  });

  test("another app's data under the package's keys: invalid_config naming WRONGTYPE and the prefix option", async () => {
    const admin = await nodeRedis(master.url);
    const prefix = `wrongtype-${_name}:`;
    await admin.lPush(`${prefix}${loginRecordKey('shared')}`, 'not ours');
    const c = redisCoordination({ client: (await connect(master.url)) as never, prefix });
    const err = await refusal(c.get(loginRecordKey('shared')));
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect(err.message).toMatch(/WRONGTYPE/);
    expect(err.message).toMatch(/prefix/);
  });

  test('a Redis that does not answer in time is still "cannot reach", with the reason in the debug log', async () => {
    const paused = await startRedis();
    const client = await connect(paused.url);
    const c = redisCoordination({ client: client as never, timeoutMs: 200 });
    paused.process.kill('SIGSTOP');
    try {
      const err = await refusal(c.get('x'));
      expect(err).toMatchObject({ code: 'coordination_unavailable', status: 503 });
      expect(err.message).toMatch(/cannot reach/);
      expect(debugLines.join('\n')).toMatch(/express-egnyte-auth:coordination .*timed out after 200 ms/);
    } finally {
      paused.process.kill('SIGCONT');
      // Let go of the client before its server goes, or it keeps trying to reconnect.
      if ('destroy' in client) client.destroy();
      else client.disconnect();
      await paused.stop();
    }
  });
});

describe('clients of the wrong shape', () => {
  test('at start-up: a client not yet awaited (a Promise), a session store, a plain object', async () => {
    const pending = createClient({ url: master.url }).on('error', () => undefined);
    const connecting = pending.connect();
    closers.push(async () => (await connecting).close().catch(() => undefined));
    expect(() => redisCoordination({ client: connecting as never })).toThrow(
      expect.objectContaining({ code: 'invalid_config', problems: [expect.stringMatching(/Promise.*await/)] }),
    );
    const store = new RedisStore({ client: await nodeRedis(master.url) });
    expect(() => redisCoordination({ client: store as never })).toThrow(expect.objectContaining({ code: 'invalid_config', problems: [expect.stringMatching(/session store/)] }));
    expect(() => redisCoordination({ client: { get: () => undefined } as never })).toThrow(
      expect.objectContaining({ code: 'invalid_config', problems: [expect.stringMatching(/createCluster.*createSentinel/)] }),
    );
  });

  test("at first use: node-redis's legacy-mode client (callbacks, no promises)", async () => {
    const legacy = (await nodeRedis(master.url)).legacy();
    const c = redisCoordination({ client: legacy as never });
    const err = await refusal(c.get('x'));
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect(err.message).toMatch(/legacy/);
  });

  test('a prefix with a brace would put every key in one slot: refused at start-up', async () => {
    expect(() => redisCoordination({ client: createClient(), prefix: '{myapp}:' })).toThrow(
      expect.objectContaining({ code: 'invalid_config', problems: [expect.stringMatching(/prefix.*\{/)] }),
    );
  });
});

test('the debug log quotes only the first word of a Redis error', async () => {
  const c = redisCoordination({ client: await nodeRedis(`redis://127.0.0.1:${cluster.nodes[1]!.port}`) });
  await firstRejection(gets(c));
  const line = debugLines.find((l) => /coordination redis .* failed/.test(l))!;
  expect(line).toMatch(/MOVED/);
  // MOVED's message goes on with the slot and another node's address: not logged.
  expect(line).not.toMatch(/MOVED \d+ 127\.0\.0\.1/);
});
