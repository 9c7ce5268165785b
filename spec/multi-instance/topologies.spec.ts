/**
 * Issue 17 across processes: app instances (separate Node processes, spec/support/
 * instance-app.ts) on Redis as it is run at scale, with node-redis and with ioredis for
 * coordination (sessions are on node-redis: connect-redis supports no other client).
 *
 * On a real 3-master Redis Cluster and on a real master, replica and sentinel, two instances
 * each: sign-in, exactly one userinfo call for 100 concurrent stale requests, exactly one
 * refresh for an expired token, logout final on both, Egnyte's 2 calls a second held. On the
 * cluster, after 1,000 sign-ins no master holds more than half of the package's keys. With
 * Sentinel (`down-after-milliseconds` 1000, see redis-sentinel.ts), a `SENTINEL FAILOVER`
 * while signed-in users keep making requests (re-reading their user every second, so
 * coordination is busy too) fails no request, and coordination follows the new master.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { arrivals, maxInAnyWindow } from '../egnyte-api/support.js';
import { redisCoordination } from '../../lib/redis.js';
import { sessionIdOf } from '../flow-support.js';
import { editRecord } from '../support/records.js';
import { type Instance, RoundRobinBrowser, startInstances } from '../support/instances.js';
import { type ClientKind, type Connected, type NodeRedisAny, type RedisDeployment, connectNodeRedis, startDeployment, topologyEnv } from '../support/redis-topology.js';

jest.setTimeout(120_000);

const run = promisify(execFile);

let emulator: EgnyteEmulator;

beforeAll(async () => {
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0, rotateRefreshTokens: true });
});
afterAll(async () => {
  await emulator?.close();
});
beforeEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
});

/** What the specs need of a node-redis client of any deployment. */
interface KeyValue {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { KEEPTTL: true }): Promise<unknown>;
  exists(key: string): Promise<number>;
}

type StoredSession = { egnyte?: { login?: { id: string; userFetchedAt?: number } } };

/** Rewrites the browser's stored session (keeping its TTL). */
async function editSession(redis: KeyValue, browser: RoundRobinBrowser, edit: (s: StoredSession) => void): Promise<void> {
  const key = `sess:${sessionIdOf(browser.on(0))}`;
  const data = JSON.parse((await redis.get(key))!) as StoredSession;
  edit(data);
  await redis.set(key, JSON.stringify(data), { KEEPTTL: true });
}

async function signedIn(instances: Instance[], on = 0): Promise<RoundRobinBrowser> {
  const browser = new RoundRobinBrowser(instances);
  const landed = await browser.on(on).go('/egnyte/login?domain=acme&returnTo=%2Fme', { accept: 'application/json' });
  expect(landed.status).toBe(200);
  return browser;
}

async function burst(browser: RoundRobinBrowser, count: number, path = '/me'): Promise<Array<{ status: number; body: Record<string, unknown> }>> {
  return Promise.all(Array.from({ length: count }, () => browser.getJson(path)));
}

/** Runs redis-cli against a local port. */
async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/redis-cli', ['-p', String(port), ...args]);
  return stdout;
}

/** Keys under `pattern` on each master of the cluster. */
async function keysPerMaster(deployment: RedisDeployment, pattern: string): Promise<number[]> {
  return Promise.all(
    deployment.servers.map(async (_, i) => {
      const out = await deployment.cluster!.cli(i, '--scan', '--pattern', pattern);
      return out.split('\n').filter((line) => line !== '').length;
    }),
  );
}

describe.each([
  ['a 3-master Redis Cluster', 'cluster', 'node-redis'],
  ['a 3-master Redis Cluster', 'cluster', 'ioredis'],
  ['master, replica and sentinel', 'sentinel', 'node-redis'],
  ['master, replica and sentinel', 'sentinel', 'ioredis'],
] as const)('%s, two instances, coordination on %s', (_name, kind, client: ClientKind) => {
  let deployment: RedisDeployment;
  let redis: Connected<NodeRedisAny>;
  let kv: KeyValue;
  let instances: Instance[];

  beforeAll(async () => {
    deployment = await startDeployment(kind);
    redis = await connectNodeRedis(deployment.topology);
    kv = redis.client as unknown as KeyValue;
    instances = await startInstances(2, '', emulator, { ...topologyEnv(deployment.topology, client), TIMEOUT_MS: '1500', API_WAIT_MS: '30000' });
  });
  afterAll(async () => {
    await Promise.all((instances ?? []).map((i) => i.stop()));
    await redis?.close();
    await deployment?.stop();
  });

  test('signed in on one instance, served by the other', async () => {
    const browser = await signedIn(instances, 1);
    const answer = await browser.on(0).request('/me', { accept: 'application/json' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ instance: 'instance-0', user: 'jsmith' });
  });

  test('100 concurrent requests on a stale session over both instances: exactly 1 userinfo call, none fails', async () => {
    const browser = await signedIn(instances);
    await editSession(kv, browser, (s) => {
      s.egnyte!.login!.userFetchedAt = 0;
    });
    emulator.resetCalls();
    const answers = await burst(browser, 100);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(new Set(answers.map((a) => a.body.instance)).size).toBe(2);
    expect(emulator.calls.userinfo).toBe(1);
  });

  test('100 concurrent requests with an expired token: exactly 1 refresh, and the new token works on both', async () => {
    const browser = await signedIn(instances);
    emulator.expireAccessTokens();
    let loginId = '';
    await editSession(kv, browser, (s) => {
      s.egnyte!.login!.userFetchedAt = 0;
      loginId = s.egnyte!.login!.id;
    });
    // The token expires as the login's record holds it.
    await editRecord(redisCoordination({ client: redis.client }), loginId, () => ({ tokens: { expiresAt: 1 } }));
    emulator.resetCalls();
    const answers = await burst(browser, 100);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(emulator.tokenGrants.refresh_token).toBe(1);
    expect(emulator.calls.userinfo).toBe(1);
    for (let i = 0; i < 2; i++) expect((await browser.on(i).request('/api/userinfo', { accept: 'application/json' })).status).toBe(200);
  });

  test('logout on one instance is final on both, including for requests in flight and the old cookie', async () => {
    const browser = await signedIn(instances);
    const oldCookie = browser.on(0).cookieHeader;
    const oldSid = sessionIdOf(browser.on(0));
    await editSession(kv, browser, (s) => {
      s.egnyte!.login!.userFetchedAt = 0;
    });
    const inFlight = Promise.all(Array.from({ length: 4 }, (_, i) => browser.on(i % 2).request('/slow?ms=600', { accept: 'application/json' }).then((r) => r.text())));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await browser.on(1).request('/egnyte/logout', { method: 'POST' })).status).toBe(302);
    await inFlight;
    for (let i = 0; i < 2; i++) {
      expect((await browser.on(i).request('/me', { accept: 'application/json' })).status).toBe(401);
      const old = await fetch(`${instances[i]!.url}/me`, { headers: { cookie: oldCookie, accept: 'application/json' } });
      expect(old.status).toBe(401);
    }
    expect(await kv.exists(`sess:${oldSid}`)).toBe(0);
  });

  test('6 concurrent req.egnyte.fetch calls for one user over both instances: never more than 2 a second at Egnyte, all succeed', async () => {
    const browser = await signedIn(instances);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    emulator.resetCalls();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => browser.on(i % 2).request('/api/userinfo', { accept: 'application/json' })));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 6 }, () => 200));
    const times = arrivals(emulator, '/pubapi/v1/userinfo');
    expect(times).toHaveLength(6);
    expect(maxInAnyWindow(times)).toBeLessThanOrEqual(2);
  });

  if (kind === 'cluster' && client === 'node-redis') {
    test("1,000 sign-ins over both instances: keys spread by login, no master holds more than half of the package's keys", async () => {
      const before = await keysPerMaster(deployment, 'egnyte-auth:login:*');
      const total = 1000;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < total) {
          const i = next++;
          const browser = new RoundRobinBrowser(instances);
          const landed = await browser.on(i % 2).go('/egnyte/login?domain=acme&returnTo=%2Fme', { accept: 'application/json' });
          expect(landed.status).toBe(200);
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      const records = (await keysPerMaster(deployment, 'egnyte-auth:login:*')).map((n, i) => n - before[i]!);
      expect(records.reduce((a, b) => a + b, 0)).toBe(total);
      const keys = await keysPerMaster(deployment, 'egnyte-auth:*');
      const all = keys.reduce((a, b) => a + b, 0);
      expect(all).toBeGreaterThanOrEqual(total);
      for (const count of keys) expect(count).toBeLessThanOrEqual(all / 2);
      for (const count of records) expect(count).toBeLessThanOrEqual(total / 2);
    });
  }

  if (kind === 'sentinel') {
    test('SENTINEL FAILOVER under steady load from signed-in users: no request fails, and coordination follows the new master', async () => {
      // Users' cached data goes stale every second: re-reads keep coordination busy through the failover.
      const busy = await startInstances(2, '', emulator, { ...topologyEnv(deployment.topology, client), USER_CACHE_SECONDS: '1', TIMEOUT_MS: '3000' });
      try {
        const users = await Promise.all(Array.from({ length: 4 }, (_, i) => signedIn(busy, i % 2)));
        const statuses: number[] = [];
        let stop = false;
        const steady = async (browser: RoundRobinBrowser): Promise<void> => {
          while (!stop) {
            const answer = await browser.getJson('/me');
            statuses.push(answer.status);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        };
        const load = Promise.all(users.map(steady));
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const servedBefore = statuses.length;
        const oldMaster = await deployment.sentinel!.masterPort();
        await deployment.sentinel!.failover();
        const newMaster = await deployment.sentinel!.masterPort();
        expect(newMaster).not.toBe(oldMaster);
        await cli(newMaster, 'CONFIG', 'RESETSTAT');
        await new Promise((resolve) => setTimeout(resolve, 2500));
        stop = true;
        await load;
        expect(servedBefore).toBeGreaterThan(20);
        expect(statuses.length).toBeGreaterThan(servedBefore + 50);
        expect(statuses.filter((status) => status !== 200)).toEqual([]);
        // The re-reads after the failover ran their scripts on the new master, not the old one.
        expect(await cli(newMaster, 'INFO', 'commandstats')).toMatch(/cmdstat_evalsha:calls=[1-9]/);
      } finally {
        await Promise.all(busy.map((i) => i.stop()));
      }
    });
  }
});
