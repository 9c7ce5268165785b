/**
 * Issue 18 on Redis across two app processes (spec/support/instance-app.ts, `trust proxy`
 * loopback): the sign-in limits are fair and bounded for the instances together, Egnyte's 409
 * pause seen by one instance holds the other, and the cross-site rules, the path check of
 * `req.egnyte.fetch`/`api` and the page headers hold on every instance. The single-process
 * versions: spec/security/sign-in-limits.spec.ts, cross-site.spec.ts, api-path.spec.ts,
 * page-headers.spec.ts.
 */
import type { createClient } from 'redis';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { type Instance, startInstances } from '../support/instances.js';
import { connectClient, startRedis, type RedisServer } from '../support/redis-server.js';
import { TestBrowser } from '../support/harness.js';
import { type Flow, finishSignIn, honestCallbackUrl, junk, junkCallbackUrl, parallelJunk, sendCallback, statusCounts } from '../support/sign-in-kit.js';

jest.setTimeout(120_000);

const PER_CLIENT = 15;
/** The instances' timeoutMs: also the longest a sign-in waits for its turn. */
const TIMEOUT_MS = 3000;
const FLOWS: Flow[] = ['learned', 'bound'];
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let redis: RedisServer;
let client: ReturnType<typeof createClient>;
let emulator: EgnyteEmulator;
let instances: Instance[];
let turn = 0;

/** A fresh browser on the next instance, in turn. */
function nextBrowser(): TestBrowser {
  return new TestBrowser(instances[turn++ % instances.length]!.url);
}

beforeAll(async () => {
  redis = await startRedis();
  client = await connectClient(redis);
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0 });
  instances = await startInstances(2, redis.url, emulator, { TRUST_PROXY: 'loopback', TIMEOUT_MS: String(TIMEOUT_MS) });
});

afterAll(async () => {
  await Promise.all((instances ?? []).map((i) => i.stop()));
  await emulator?.close();
  await client?.quit().catch(() => undefined);
  await redis?.stop();
});

beforeEach(async () => {
  // Every test starts with no counts, no pause and no sessions.
  await client.flushDb();
  emulator.clearFaults();
  emulator.resetCalls();
});

describe.each(FLOWS)('%s domain, over 2 instances', (flow) => {
  test('junk from 3 networks on both instances, then an honest user on a 4th network signs in; each network made at most 15 token requests', async () => {
    const junkStatuses = new Set<number>();
    const tokenRequests: number[] = [];
    for (const ip of ['203.0.113.7', '198.51.100.23', '2001:db8:aa:bb::1']) {
      const before = emulator.calls.token;
      for (let i = 0; i < PER_CLIENT + 5; i++) junkStatuses.add((await junk(nextBrowser(), ip, flow)).status);
      tokenRequests.push(emulator.calls.token - before);
    }
    for (const instance of instances) {
      const honest = new TestBrowser(instance.url);
      const landed = await finishSignIn(honest, await honestCallbackUrl(honest, flow), '192.0.2.44');
      expect(landed).toMatchObject({ status: 200 });
    }
    expect([...junkStatuses].sort()).toEqual([400, 429]);
    for (const count of tokenRequests) expect(count).toBeLessThanOrEqual(PER_CLIENT);
  });

  test('300 junk callbacks at once from one client, spread over both instances: at most 15 token requests', async () => {
    const answers = await parallelJunk(nextBrowser, 300, '203.0.113.99', flow);
    expect(emulator.calls.token).toBeLessThanOrEqual(PER_CLIENT);
    expect(emulator.calls.token).toBeGreaterThan(0);
    const counts = statusCounts(answers);
    expect(counts[400]).toBe(emulator.calls.token);
    expect((counts[429] ?? 0) + (counts[503] ?? 0)).toBe(300 - emulator.calls.token);
    for (const a of answers.filter((x) => x.status !== 400)) expect(a.body.error).toBe('sign_in_throttled');
  });

  test('120 honest sign-ins at once from one client, spread over both instances, all succeed', async () => {
    const browsers = Array.from({ length: 120 }, () => nextBrowser());
    const urls = await Promise.all(browsers.map((b, i) => honestCallbackUrl(b, flow, i % 2 === 0 ? 'acme' : 'globex')));
    const landed = await Promise.all(browsers.map((b, i) => finishSignIn(b, urls[i]!, '203.0.113.200')));
    expect(statusCounts(landed)).toEqual({ 200: 120 });
    expect(emulator.tokenGrants.authorization_code).toBe(120);
  });
});

test("Egnyte's 409 seen by one instance holds the other: passed on, no token request until it has passed", async () => {
  emulator.fault({ endpoint: 'token', kind: 'conflict_409', retryAfter: 2, times: 1 });
  const first = new TestBrowser(instances[0]!.url);
  const refused = await first.request(await honestCallbackUrl(first, 'learned'), { accept: 'application/json', headers: { 'x-forwarded-for': '203.0.113.1' } });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('2');
  expect(await refused.json()).toMatchObject({ error: 'rate_limited' });

  for (const flow of FLOWS) {
    const other = new TestBrowser(instances[1]!.url);
    const held = await other.request(await honestCallbackUrl(other, flow), { accept: 'application/json', headers: { 'x-forwarded-for': '198.51.100.2' } });
    expect(held.status).toBe(503);
    expect(await held.json()).toMatchObject({ error: 'rate_limited' });
  }
  expect(emulator.calls.token).toBe(1);

  await new Promise((resolve) => setTimeout(resolve, 2100));
  const later = new TestBrowser(instances[1]!.url);
  expect((await finishSignIn(later, await honestCallbackUrl(later, 'learned'), '198.51.100.3')).status).toBe(200);
  expect(emulator.calls.token).toBe(2);
});

test('an instance killed mid-exchange: its point stays counted for the window, the client keeps the rest of its budget and never gets more', async () => {
  const [victim] = await startInstances(1, redis.url, emulator, { TRUST_PROXY: 'loopback', TIMEOUT_MS: '60000', INSTANCE_NAME: 'victim' });
  const ip = '203.0.113.66';
  try {
    emulator.fault({ endpoint: 'token', kind: 'hang', times: 1 });
    const browser = new TestBrowser(victim!.url);
    void sendCallback(browser, await junkCallbackUrl(browser, ip, 'bound'), ip).catch(() => undefined);
    for (let i = 0; i < 200 && emulator.calls.token === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(emulator.calls.token).toBe(1);
  } finally {
    await victim!.stop('SIGKILL');
  }
  const answers = [];
  for (let i = 0; i < PER_CLIENT; i++) answers.push(await junk(nextBrowser(), ip, 'bound'));
  // 14 refused by Egnyte; then the budget is full (14 refusals and the dead instance's point),
  // and the next caller, finding fewer refusals than points, waits for a turn that cannot come:
  // refused after timeoutMs, without a token request.
  expect(answers.map((a) => a.status)).toEqual([...Array<number>(PER_CLIENT - 1).fill(400), 503]);
  expect(answers.at(-1)).toMatchObject({ retryAfter: '5', body: { error: 'sign_in_throttled' } });
  expect(emulator.calls.token).toBe(PER_CLIENT);
});

describe('on every instance', () => {
  async function signedInOn(i: number): Promise<TestBrowser> {
    const browser = new TestBrowser(instances[i]!.url);
    expect((await finishSignIn(browser, await honestCallbackUrl(browser, 'bound'), undefined)).status).toBe(200);
    return browser;
  }

  async function status(browser: TestBrowser, url: string, base: string): Promise<number> {
    const res = await fetch(`${base}${url}`, { headers: { cookie: browser.cookieHeader, accept: 'application/json' } });
    await res.body?.cancel();
    return res.status;
  }

  test('a cross-site logout on the other instance signs nobody out; a same-origin POST does', async () => {
    const browser = await signedInOn(0);
    const other = instances[1]!.url;
    const get = await fetch(`${other}/egnyte/logout`, { headers: { cookie: browser.cookieHeader, accept: HTML, 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
    expect(get.status).toBe(200);
    expect(await get.text()).toMatch(/<form method="post" action="\/egnyte\/logout"/);
    const post = await fetch(`${other}/egnyte/logout`, { method: 'POST', headers: { cookie: browser.cookieHeader, origin: 'https://evil.example' }, redirect: 'manual' });
    expect(post.status).toBe(403);
    expect(await status(browser, '/me', instances[0]!.url)).toBe(200);
    expect(await status(browser, '/me', other)).toBe(200);
    const out = await fetch(`${other}/egnyte/logout`, { method: 'POST', headers: { cookie: browser.cookieHeader, origin: new URL(other).origin }, redirect: 'manual' });
    expect(out.status).toBe(302);
    expect(await status(browser, '/me', instances[0]!.url)).toBe(401);
  });

  test('a cross-site link to a bound login is confirmed on the site first', async () => {
    for (const instance of instances) {
      const res = await fetch(`${instance.url}/egnyte/login?domain=acme&returnTo=%2Fupload`, { headers: { accept: HTML, 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await res.text()).toContain('acme.egnyte.com');
    }
  });

  test('req.egnyte.fetch and api.get refuse encoded dot segments, nothing sent', async () => {
    const browser = await signedInOn(1);
    emulator.resetCalls();
    for (const route of ['/api/fetch', '/api/get']) {
      for (const instance of instances) {
        const res = await fetch(`${instance.url}${route}?path=${encodeURIComponent('/pubapi/v1/fs-content/%2e%2e/userinfo')}`, { headers: { cookie: browser.cookieHeader, accept: 'application/json' } });
        expect(await res.json()).toMatchObject({ error: 'invalid_request' });
      }
    }
    expect(emulator.requests).toEqual([]);
  });

  test('error pages carry the page headers', async () => {
    for (const instance of instances) {
      const res = await fetch(`${instance.url}/egnyte/login?domain=%3Cx%3E`, { headers: { accept: HTML } });
      expect(res.status).toBe(400);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    }
  });
});
