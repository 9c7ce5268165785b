/**
 * Issue 16 across app processes on one real redis-server: a login ends once, everywhere; one
 * code exchange per state however slow the sign-in; Redis failing mid-callback answers 503 and
 * the process lives. Each group starts its own instances with the settings it needs; the
 * instances record their hooks in the Redis list `test:events` (spec/support/instance-app.ts).
 */
import { createClient } from 'redis';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { type Instance, RoundRobinBrowser, startInstances } from '../support/instances.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

jest.setTimeout(120_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type HookEvent = { instance: string; hook: 'onLogin' | 'onLogout'; loginId: string; reason?: string };

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let emulator: EgnyteEmulator;

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0 });
});

afterAll(async () => {
  await emulator?.close();
  await client?.quit().catch(() => undefined);
  await redis?.stop();
});

beforeEach(async () => {
  emulator.clearFaults();
  emulator.resetCalls();
  await client.del('test:events');
});

async function events(): Promise<HookEvent[]> {
  return (await client.lRange('test:events', 0, -1)).map((line) => JSON.parse(line) as HookEvent);
}

/** Starts `count` instances for one test and stops them afterwards, whatever happens. */
async function withInstances(count: number, env: Record<string, string>, run: (instances: Instance[]) => Promise<void>, redisUrl = redis.url): Promise<void> {
  const instances = await startInstances(count, redisUrl, emulator, env);
  try {
    await run(instances);
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
  }
}

async function signedIn(instances: Instance[]): Promise<{ browser: RoundRobinBrowser; loginId: string }> {
  const browser = new RoundRobinBrowser(instances);
  const landed = await browser.on(0).go('/egnyte/login?domain=acme&returnTo=%2Fme', { accept: 'application/json' });
  expect(landed.status).toBe(200);
  return { browser, loginId: (JSON.parse(landed.body) as { loginId: string }).loginId };
}

describe('defect 6: a login ends once, whatever number of requests or instances notice', () => {
  test('5 concurrent requests past maxSessionAge on 3 instances: onLogout once, tokens revoked once', async () => {
    await withInstances(3, { MAX_SESSION_AGE: '1', REVOKE_ON_LOGOUT: 'true' }, async (instances) => {
      const { browser, loginId } = await signedIn(instances);
      await sleep(1200);
      emulator.resetCalls();
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => browser.on(i % 3).request('/me', { accept: 'application/json' })));
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
      await sleep(300);
      expect((await events()).filter((e) => e.hook === 'onLogout')).toEqual([expect.objectContaining({ loginId, reason: 'max_session_age' })]);
      expect(emulator.calls.revoke).toBe(2);
    });
  });

  test('six tabs log out at once on two instances: onLogout once, tokens revoked once', async () => {
    await withInstances(2, { REVOKE_ON_LOGOUT: 'true' }, async (instances) => {
      const { browser, loginId } = await signedIn(instances);
      emulator.resetCalls();
      const outs = await Promise.all([0, 1, 0, 1, 0, 1].map((i) => browser.on(i).request('/egnyte/logout', { method: 'POST' })));
      expect(outs.map((o) => o.status)).toEqual([302, 302, 302, 302, 302, 302]);
      await sleep(300);
      expect((await events()).filter((e) => e.hook === 'onLogout')).toEqual([expect.objectContaining({ loginId, reason: 'logout' })]);
      expect(emulator.calls.revoke).toBe(2);
    });
  });
});

describe('defect 9: one code exchange per state, however slow the sign-in', () => {
  test('a reload on another instance while afterCallback outlasts the state lock: one exchange, and the tokens work', async () => {
    // TIMEOUT_MS 1000: the state lock lives 2 x 1 s + 5 s = 7 s; the hook takes 9 s.
    await withInstances(2, { TIMEOUT_MS: '1000', AFTER_CALLBACK_MS: '9000' }, async (instances) => {
      const browser = new RoundRobinBrowser(instances);
      const callback = new URL(await browser.on(0).untilApp(await browser.on(0).startLogin('acme', { direct: true, returnTo: '/api/userinfo' })));
      const first = browser.on(0).request(callback.href, { accept: 'application/json' });
      await sleep(500);
      const reload = await browser.on(1).request(callback.pathname + callback.search, { accept: 'application/json' });
      const answered = await first;
      expect(emulator.tokenGrants.authorization_code).toBe(1);
      expect(answered.status).toBe(302);
      expect(reload.status).toBe(302);
      const api = await browser.on(0).request('/api/userinfo', { accept: 'application/json' });
      expect(api.status).toBe(200);
    });
  });
});

describe('defect 2: Redis failing during a callback does not crash the process', () => {
  test('Redis stops while the code is exchanged: 503 with Retry-After, and the instance lives on', async () => {
    const own = await startRedis();
    try {
      await withInstances(
        1,
        {},
        async ([instance]) => {
          const browser = new RoundRobinBrowser([instance!]);
          const callback = await browser.on(0).untilApp(await browser.on(0).startLogin('acme', { direct: true, returnTo: '/me' }));
          emulator.fault({ endpoint: 'token', kind: 'slow', delayMs: 600, times: 1 });
          const calls = emulator.calls.token;
          const answer = browser.on(0).request(callback, { accept: 'application/json' });
          while (emulator.calls.token === calls) await sleep(10);
          await own.stop();
          const response = await answer;
          expect(response.status).toBe(503);
          expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
          await sleep(2500);
          expect(instance!.process.exitCode).toBeNull();
          await own.restart();
          // Back in business once Redis is.
          let status = 0;
          for (let i = 0; i < 50 && status !== 302; i++) {
            await sleep(100);
            const login = await browser.on(0).request('/egnyte/login?domain=acme');
            status = login.status;
          }
          expect(status).toBe(302);
        },
        own.url,
      );
    } finally {
      await own.stop();
    }
  });
});
