/**
 * The coordination contract, run against both backends: memoryCoordination() and
 * redisCoordination() on a real redis-server (node-redis 5). The flights and login records
 * built on the contract are checked here too, with two Flights per key standing for two
 * app instances (each has its own in-process single-flight).
 */
import { Redis as IoRedis } from 'ioredis';
import { createClient } from 'redis';
import { memoryCoordination, type EgnyteCoordination } from '../../lib/index.js';
import { redisCoordination } from '../../lib/redis.js';
import { Flights } from '../../lib/coordination/flight.js';
import { flightKeys } from '../../lib/coordination/keys.js';
import { type LiveLogin, LoginRecords } from '../../lib/login/record.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let ioredis: IoRedis;

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  ioredis = new IoRedis(redis.url, { lazyConnect: true });
  await ioredis.connect();
});
afterAll(async () => {
  await client.quit().catch(() => undefined);
  ioredis.disconnect();
  await redis.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let n = 0;
const unique = (name: string): string => `${name}-${process.pid}-${++n}`;

const backends: Array<[string, () => EgnyteCoordination]> = [
  ['memory', () => memoryCoordination()],
  ['redis (node-redis 5)', () => redisCoordination({ client, prefix: 'contract:' })],
  ['redis (ioredis)', () => redisCoordination({ client: ioredis, prefix: 'contract-io:' })],
];

describe.each(backends)('%s backend', (_name, make) => {
  let c: EgnyteCoordination;
  beforeEach(() => {
    c = make();
  });

  test('claim: the first caller acquires, the next finds it held, a settled result is answered', async () => {
    const lock = unique('lock');
    const result = unique('result');
    expect(await c.claim(lock, 'a', 5000, result)).toEqual({ kind: 'acquired' });
    expect(await c.claim(lock, 'b', 5000, result)).toEqual({ kind: 'held' });
    await c.settle(lock, 'a', result, '{"x":1}', 5000);
    expect(await c.claim(lock, 'b', 5000, result)).toEqual({ kind: 'result', value: '{"x":1}' });
  });

  test('settle by another owner does not free the lock; a lock frees itself after its ttl', async () => {
    const lock = unique('lock');
    expect(await c.claim(lock, 'a', 150)).toEqual({ kind: 'acquired' });
    await c.settle(lock, 'b', unique('r'), 'v', 0);
    expect(await c.claim(lock, 'b', 150)).toEqual({ kind: 'held' });
    await sleep(250);
    expect(await c.claim(lock, 'b', 150)).toEqual({ kind: 'acquired' });
  });

  test('settle with ttl 0 releases without sharing a result', async () => {
    const lock = unique('lock');
    const result = unique('result');
    await c.claim(lock, 'a', 5000, result);
    await c.settle(lock, 'a', result, 'v', 0);
    expect(await c.get(result)).toBeUndefined();
    expect(await c.claim(lock, 'b', 5000, result)).toEqual({ kind: 'acquired' });
  });

  test('get, set with expiry, delete', async () => {
    const key = unique('k');
    expect(await c.get(key)).toBeUndefined();
    await c.set(key, 'v', 150);
    expect(await c.get(key)).toBe('v');
    await sleep(250);
    expect(await c.get(key)).toBeUndefined();
    await c.set(key, 'w', 5000);
    await c.delete(key);
    expect(await c.get(key)).toBeUndefined();
  });

  test('compareAndSet: only from the expected value (or from nothing)', async () => {
    const key = unique('cas');
    expect(await c.compareAndSet(key, 'x', 'y', 5000)).toEqual({ ok: false, current: undefined });
    expect(await c.compareAndSet(key, undefined, 'a', 5000)).toEqual({ ok: true });
    expect(await c.compareAndSet(key, undefined, 'b', 5000)).toEqual({ ok: false, current: 'a' });
    expect(await c.compareAndSet(key, 'a', 'b', 5000)).toEqual({ ok: true });
    expect(await c.get(key)).toBe('b');
  });

  test('swap: stores the value and answers the one before it, once per change', async () => {
    const key = unique('swap');
    expect(await c.swap(key, 'a', 5000)).toBeUndefined();
    expect(await c.swap(key, 'b', 5000)).toBe('a');
    expect(await c.get(key)).toBe('b');
    const racers = await Promise.all(Array.from({ length: 20 }, () => c.swap(key, 'ended', 5000)));
    expect(racers.filter((previous) => previous !== 'ended')).toEqual(['b']);
  });

  test('swap sets the expiry of the new value', async () => {
    const key = unique('swap-ttl');
    await c.set(key, 'a', 60_000);
    await c.swap(key, 'b', 150);
    await sleep(250);
    expect(await c.get(key)).toBeUndefined();
  });

  test('of 50 concurrent claims exactly one acquires', async () => {
    const lock = unique('race');
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => c.claim(lock, `o${i}`, 5000)));
    expect(answers.filter((a) => a.kind === 'acquired')).toHaveLength(1);
  });

  test('limiter: points per window, shared by every limiter made with the same prefix', async () => {
    const prefix = unique('lim');
    const one = c.limiter({ keyPrefix: prefix, points: 2, duration: 1 });
    const two = c.limiter({ keyPrefix: prefix, points: 2, duration: 1 });
    await one.consume('k');
    await two.consume('k');
    // Memory limiters are per object (one process); Redis ones share the count.
    if (c.name === 'redis') await expect(one.consume('k')).rejects.toMatchObject({ msBeforeNext: expect.any(Number) });
    else await expect(one.consume('k')).resolves.toBeDefined();
  });

  describe('flights: one task per key across two instances', () => {
    test('100 concurrent runs through two instances run the task once and all get its result', async () => {
      const kind = { name: unique('flight'), lockMs: 5000, shareMs: () => 2000 };
      const a = new Flights<number>(c, kind);
      const b = new Flights<number>(c, kind);
      let runs = 0;
      const task = async (): Promise<number> => {
        runs += 1;
        await sleep(50);
        return 42;
      };
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).run('id', task)));
      expect(results.every((r) => r === 42)).toBe(true);
      expect(runs).toBe(1);
    });

    test('a holder that died (lock never settled) holds the others back only until its lock expires', async () => {
      const kind = { name: unique('flight'), lockMs: 300, shareMs: () => 0 };
      const keys = flightKeys(kind.name, 'id');
      await c.claim(keys.lock, 'dead-instance', kind.lockMs, keys.result);
      const flights = new Flights<string>(c, kind);
      await expect(flights.run('id', async () => 'ran')).resolves.toBe('ran');
    });

    test('join tells the caller whose task ran', async () => {
      const kind = { name: unique('flight'), lockMs: 5000, shareMs: () => 2000 };
      const flights = new Flights<string>(c, kind);
      const [first, second] = await Promise.all([flights.join('id', async () => 'x'), flights.join('id', async () => 'y')]);
      expect([first.ran, second.ran].sort()).toEqual([false, true]);
      expect(first.result).toBe(second.result);
    });
  });

  describe('login records: one record per login, every transition one atomic step', () => {
    const endsAt = Date.now() + 600_000;
    const login = (version: number, extra: Partial<LiveLogin> = {}): LiveLogin => ({
      version,
      domain: 'acme.egnyte.com',
      tokens: `sealed-${version}`,
      loggedInAt: 1000,
      lastSeenAt: 1000,
      endsAt,
      ...extra,
    });

    test('created only where nothing is; the second creation learns the first', async () => {
      const records = new LoginRecords(c);
      const id = unique('login');
      expect(await records.create(id, login(1))).toMatchObject({ kind: 'live', login: { version: 1 } });
      expect(await records.create(id, login(7))).toMatchObject({ kind: 'live', login: { version: 1 } });
      expect(await records.read(id)).toMatchObject({ kind: 'live', login: login(1) });
    });

    test('concurrent changes (a refresh and touches) are all kept: each retries on the newer value', async () => {
      const records = new LoginRecords(c);
      const id = unique('login');
      await records.create(id, login(1));
      const refresh = records.update(id, (live) => (live.version === 1 ? { ...live, version: 2, tokens: 'sealed-2' } : undefined));
      const touches = Array.from({ length: 5 }, (_, i) => records.update(id, (live) => ({ ...live, lastSeenAt: Math.max(live.lastSeenAt, 2000 + i) })));
      await Promise.all([refresh, ...touches]);
      expect(await records.read(id)).toMatchObject({ kind: 'live', login: { version: 2, tokens: 'sealed-2', lastSeenAt: 2004 } });
    });

    test('of 10 concurrent ends of one login exactly one ends it, and learns what it held', async () => {
      const records = new LoginRecords(c);
      const id = unique('login');
      await records.create(id, login(1));
      const answers = await Promise.all(Array.from({ length: 10 }, () => records.end(id, 'logout')));
      expect(answers.filter((a) => a.ended)).toEqual([{ ended: true, previous: login(1) }]);
      expect(await records.read(id)).toEqual({ kind: 'ended', reason: 'logout' });
    });

    test('a tombstone is final: no creation, change or later end turns it back', async () => {
      const records = new LoginRecords(c);
      const id = unique('login');
      await records.create(id, login(1));
      await records.end(id, 'token_refused');
      expect(await records.create(id, login(3))).toEqual({ kind: 'ended', reason: 'token_refused' });
      expect(await records.update(id, (live) => ({ ...live, version: 9 }))).toEqual({ kind: 'ended', reason: 'token_refused' });
      expect(await records.end(id, 'logout')).toEqual({ ended: false, previous: undefined });
      expect(await records.read(id)).toEqual({ kind: 'ended', reason: 'token_refused' });
    });

    test('ending a login nobody knows leaves a tombstone too, once', async () => {
      const records = new LoginRecords(c);
      const id = unique('login');
      const answers = await Promise.all([records.end(id, 'login_lost'), records.end(id, 'login_lost')]);
      expect(answers.filter((a) => a.ended)).toEqual([{ ended: true, previous: undefined }]);
    });
  });
});

describe('redis backend failures', () => {
  test('a Redis that does not answer in time: coordination_unavailable, fast', async () => {
    const slow = await startRedis();
    const slowClient = createClient({ url: slow.url });
    slowClient.on('error', () => undefined);
    await slowClient.connect();
    const c = redisCoordination({ client: slowClient, timeoutMs: 200 });
    slow.process.kill('SIGSTOP');
    try {
      await expect(c.get('x')).rejects.toMatchObject({ code: 'coordination_unavailable', status: 503, retryAfter: 5 });
    } finally {
      slow.process.kill('SIGCONT');
      await slowClient.quit().catch(() => undefined);
      await slow.stop();
    }
  });

  test('a closed client: coordination_unavailable, and the message quotes no URL', async () => {
    const closed = createClient({ url: 'redis://:secret-password@127.0.0.1:1' });
    const c = redisCoordination({ client: closed });
    const err = await c.get('x').catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'coordination_unavailable' });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('secret-password');
  });

  test('invalid options: every problem listed', () => {
    expect(() => redisCoordination({ client: {} as never, timeoutMs: -1, prefix: 3 as never })).toThrow(
      expect.objectContaining({ code: 'invalid_config', problems: [expect.stringMatching(/client/), expect.stringMatching(/prefix/), expect.stringMatching(/timeoutMs/)] }),
    );
  });

  test('scripts survive a Redis that forgot them (SCRIPT FLUSH, as after a restart)', async () => {
    const c = redisCoordination({ client, prefix: 'flush:' });
    await c.claim('l', 'a', 1000);
    await client.sendCommand(['SCRIPT', 'FLUSH']);
    expect(await c.claim('l2', 'a', 1000)).toEqual({ kind: 'acquired' });
  });
});
