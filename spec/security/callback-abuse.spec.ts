/**
 * The callback cannot be aimed or abused (issue 9). An anonymous client can start its own
 * login and call `/egnyte/callback?code=junk&state=S&domain=...` as often as it likes:
 *
 * - Egnyte's own service hosts (`status`, `www`, the Enhanced Auth hosts, ...) never receive a
 *   code or the client secret, whichever way the domain comes: refused before any request.
 * - Failed code exchanges are limited per client, whatever the flow, so one client's junk
 *   cannot spend the key's token-endpoint allowance (about 100 requests an hour, then 409);
 *   past the limit there is no token request at all. Real sign-ins (which succeed) give their
 *   point back, and no client's failures hold back another client (issue 18: more in
 *   spec/security/sign-in-limits.spec.ts).
 *
 * An injected fetch records every URL the package asks for, and the emulator counts token
 * requests: the two must agree that nothing was sent.
 */
import { createClient } from 'redis';
import { EGNYTE_SERVICE_LABELS } from '../../lib/index.js';
import { EXCHANGE_LIMITS } from '../../lib/flow/exchange-limits.js';
import { redisCoordination } from '../../lib/redis.js';
import { startEgnyteEmulator } from '../../lib/testing/index.js';
import { recordingFetch, startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.js';
import { startRedis } from '../support/redis-server.js';

const JSON_ACCEPT = 'application/json';
const trustProxy: HarnessOptions['before'] = (app) => app.set('trust proxy', 'loopback');
const { perClient: PER_CLIENT } = EXCHANGE_LIMITS;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { error?: string; message?: string };
}

/**
 * An anonymous client behind `ip` (as the app's trusted proxy reports it): its own login, then
 * the callback with a junk code and `domain` (learned), or a login bound to `domain`.
 */
async function junk(h: Harness, ip: string, domain: string, how: 'learned' | 'bound' = 'learned'): Promise<Answer> {
  const browser = h.browser();
  const headers = { 'x-forwarded-for': ip };
  const login = await browser.request(how === 'bound' ? `/egnyte/login?domain=${domain}` : '/egnyte/login', { headers });
  await login.body?.cancel();
  const state = new URL(login.headers.get('location') ?? '').searchParams.get('state') ?? '';
  const query = new URLSearchParams({ code: 'junk', state, ...(how === 'learned' ? { domain } : {}) });
  const res = await browser.request(`/egnyte/callback?${query}`, { accept: JSON_ACCEPT, headers });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

function tokenUrls(urls: readonly string[]): string[] {
  return urls.filter((u) => new URL(u).pathname.endsWith('/puboauth/token'));
}

describe("Egnyte's service hosts never receive a code or the secret", () => {
  let h: Harness;
  let recorder: ReturnType<typeof recordingFetch>;
  beforeAll(async () => {
    recorder = recordingFetch();
    h = await startHarness({ auth: { fetch: recorder.fetch } });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    recorder.urls.length = 0;
    h.emulator.resetCalls();
  });
  afterEach(() => {
    // Nothing at all went to Egnyte, let alone to a service host.
    expect(recorder.urls).toEqual([]);
    expect(h.emulator.calls.token).toBe(0);
  });

  test.each(EGNYTE_SERVICE_LABELS.map((l) => [l]))('callback ?domain=%s: 400 invalid_domain with a clear message', async (label) => {
    const r = await junk(h, '198.51.100.1', label);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_domain');
    expect(r.body.message).toContain(`${label}.egnyte.com is one of Egnyte's own service hosts`);
  });

  test.each([['status'], ['www.egnyte.com'], ['https://partner-integrations.egnyte.com/services/oauth/code']])(
    '/egnyte/login?domain=%s: 400 invalid_domain, no redirect',
    async (domain) => {
      const res = await h.browser().request(`/egnyte/login?domain=${encodeURIComponent(domain)}`, { accept: JSON_ACCEPT });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.json()).toMatchObject({ error: 'invalid_domain', message: expect.stringMatching(/Egnyte's own service hosts/) });
    },
  );

  test('the domain prompt: typing a service host is refused the same way', async () => {
    const browser = h.browser();
    // No domain parameter and no Referer: the browser is asked.
    const callback = new URL(await startAttempt(browser, 'acme'));
    recorder.urls.length = 0;
    h.emulator.resetCalls();
    const prompt = await browser.request(callback.href, { headers: { referer: '' } });
    const html = await prompt.text();
    expect(html).toContain('Which Egnyte domain did you sign in to?');
    const action = /<form method="get" action="([^"]*)">/.exec(html)?.[1] ?? '';
    const res = await browser.request(`${action}?domain=helpdesk`, { accept: JSON_ACCEPT });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_domain' });
  });

  test.each([
    ['https://status.egnyte.com/'],
    ['https://www.egnyte.com/'],
    ['https://partner-integrations.egnyte.com/services/oauth/code'],
  ])('a Referer of %s is not taken for the domain: the user is asked instead', async (referer) => {
    const browser = h.browser();
    const callback = await startAttempt(browser, 'acme');
    recorder.urls.length = 0;
    h.emulator.resetCalls();
    const api = await browser.request(callback, { accept: JSON_ACCEPT, headers: { referer } });
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ error: 'unknown_domain' });
  });

  test("the emulator's own origin for a service host, as Referer, is not taken either", async () => {
    const browser = h.browser();
    const callback = await startAttempt(browser, 'acme');
    const referer = `http://status.egnyte.com.localhost:${new URL(h.emulator.url).port}/`;
    recorder.urls.length = 0;
    h.emulator.resetCalls();
    const res = await browser.request(callback, { accept: JSON_ACCEPT, headers: { referer } });
    expect(await res.json()).toMatchObject({ error: 'unknown_domain' });
  });
});

describe('failed exchanges are limited per client', () => {
  let h: Harness;
  let recorder: ReturnType<typeof recordingFetch>;
  beforeAll(async () => {
    recorder = recordingFetch();
    h = await startHarness({ before: trustProxy, auth: { fetch: recorder.fetch } });
  });
  afterAll(() => h.close());

  test('junk from one client: refused by Egnyte up to the limit, then 429 with Retry-After and no token request', async () => {
    for (let i = 0; i < PER_CLIENT; i++) {
      const r = await junk(h, '203.0.113.7', 'acme');
      expect(r).toMatchObject({ status: 400, body: { error: 'token_exchange_failed' } });
    }
    expect(h.emulator.calls.token).toBe(PER_CLIENT);
    expect(tokenUrls(recorder.urls)).toHaveLength(PER_CLIENT);

    for (let i = 0; i < 3; i++) {
      const r = await junk(h, '203.0.113.7', 'acme');
      expect(r.status).toBe(429);
      expect(r.body.error).toBe('sign_in_throttled');
      expect(r.body.message).toMatch(/Too many sign-ins from your network failed/);
      expect(r.body.message).toMatch(/other networks are not affected/);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      expect(Number(r.retryAfter)).toBeLessThanOrEqual(EXCHANGE_LIMITS.windowSeconds);
    }
    expect(h.emulator.calls.token).toBe(PER_CLIENT);
    expect(tokenUrls(recorder.urls)).toHaveLength(PER_CLIENT);
  });

  test('the same network in IPv6: its /64 is one client', async () => {
    for (let i = 0; i < PER_CLIENT; i++) expect((await junk(h, `2001:db8:1:2::${i + 1}`, 'acme')).status).toBe(400);
    const before = h.emulator.calls.token;
    expect((await junk(h, '2001:db8:1:2:ffff::9', 'acme')).status).toBe(429);
    expect(h.emulator.calls.token).toBe(before);
  });

  test('Egnyte down is not a refusal: failures it causes do not count', async () => {
    h.emulator.fault({ endpoint: 'token', kind: 'server_error', times: PER_CLIENT + 2 });
    try {
      for (let i = 0; i < PER_CLIENT + 2; i++) expect((await junk(h, '203.0.113.99', 'acme')).body.error).toBe('upstream_unavailable');
    } finally {
      h.emulator.clearFaults();
    }
    expect((await junk(h, '203.0.113.99', 'acme')).status).toBe(400);
  });

  test("a real sign-in from another client still works, through the Enhanced Auth Service (learned from the Referer)", async () => {
    const browser = h.browser();
    const landed = await browser.signIn('acme', { returnTo: '/me' });
    expect(landed.status).toBe(200);
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'acme.egnyte.com' });
  });

  test('a login bound to its domain counts the same: the limited client is held back there too, another client is not', async () => {
    const before = h.emulator.calls.token;
    expect(await junk(h, '203.0.113.7', 'acme', 'bound')).toMatchObject({ status: 429, body: { error: 'sign_in_throttled' } });
    expect(h.emulator.calls.token).toBe(before);
    const bound = await h.browser().signIn('acme', { direct: true, returnTo: '/me' });
    expect(bound.status).toBe(200);
    expect(h.emulator.calls.token).toBe(before + 1);
  });
});

describe('with Redis, the limit is shared by every instance', () => {
  test('junk on instance A up to the limit: the same client on instance B makes no token request', async () => {
    const redis = await startRedis();
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    const emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0 });
    const options = (): HarnessOptions => ({ before: trustProxy, sharedEmulator: emulator, auth: { coordination: redisCoordination({ client, prefix: 'abuse:' }) } });
    const a = await startHarness(options());
    const b = await startHarness(options());
    try {
      for (let i = 0; i < PER_CLIENT; i++) expect((await junk(a, '203.0.113.50', 'acme')).status).toBe(400);
      expect(emulator.calls.token).toBe(PER_CLIENT);
      const r = await junk(b, '203.0.113.50', 'acme');
      expect(r).toMatchObject({ status: 429, body: { error: 'sign_in_throttled' } });
      expect(emulator.calls.token).toBe(PER_CLIENT);
      // Another client on B is not affected.
      expect((await junk(b, '203.0.113.51', 'acme')).status).toBe(400);
    } finally {
      await b.close();
      await a.close();
      await emulator.close();
      await client.quit().catch(() => undefined);
      await redis.stop();
    }
  });
});
