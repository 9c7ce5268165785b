/**
 * Issue 18, defects 1 to 3: nobody can stop other people from signing in. Egnyte allows an API
 * key about 100 token requests an hour, and anyone can make the app send one (a login of
 * their own, then the callback with a junk code). What must hold, in both flows (domain
 * learned at the callback after the Enhanced Auth Service, or bound at login):
 *
 * - failures of one client (IPv4 address or IPv6 /64) never refuse another client's sign-in;
 * - each client's junk is bounded: at most 15 token requests per client per hour, whatever the
 *   concurrency, and the address counted is the one the app trusts (`trust proxy`);
 * - honest sign-ins are never refused for being many at once (they may wait for a turn);
 * - Egnyte's own 409 + `Retry-After` at the token endpoint is passed on, and no token request
 *   is sent until it has passed.
 *
 * The same on Redis across two app processes: spec/multi-instance/sign-in-limits.spec.ts.
 */
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.js';
import { type Flow, finishSignIn, honestCallbackUrl, junk, parallelJunk, statusCounts } from '../support/sign-in-kit.js';

jest.setTimeout(60_000);

/** The bound: token requests per client per hour. */
const PER_CLIENT = 15;
const trustProxy: HarnessOptions['before'] = (app) => app.set('trust proxy', 'loopback');
const FLOWS: Flow[] = ['learned', 'bound'];

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe.each(FLOWS)('%s domain', (flow) => {
  test('junk from 3 networks (past their limits), then an honest user on a 4th network signs in; each network made at most 15 token requests', async () => {
    h = await startHarness({ before: trustProxy });
    const junkStatuses = new Set<number>();
    const tokenRequests: number[] = [];
    for (const ip of ['203.0.113.7', '198.51.100.23', '2001:db8:aa:bb::1']) {
      const before = h.emulator.calls.token;
      for (let i = 0; i < PER_CLIENT + 5; i++) junkStatuses.add((await junk(h.browser(), ip, flow)).status);
      tokenRequests.push(h.emulator.calls.token - before);
    }
    const honest = h.browser();
    const landed = await finishSignIn(honest, await honestCallbackUrl(honest, flow), '192.0.2.44');
    expect(landed).toMatchObject({ status: 200 });
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'acme.egnyte.com' });
    // Junk was refused by Egnyte (400) or for its own network (429), never for the others'.
    expect([...junkStatuses].sort()).toEqual([400, 429]);
    for (const count of tokenRequests) expect(count).toBeLessThanOrEqual(PER_CLIENT);
  });

  test('300 junk callbacks at once from one client: at most 15 token requests, the rest 429 sign_in_throttled with Retry-After', async () => {
    h = await startHarness({ before: trustProxy });
    const answers = await parallelJunk(() => h.browser(), 300, '203.0.113.99', flow);
    expect(h.emulator.calls.token).toBeLessThanOrEqual(PER_CLIENT);
    expect(h.emulator.calls.token).toBeGreaterThan(0);
    const refused = answers.filter((a) => a.status === 429);
    expect(statusCounts(answers)).toEqual({ 400: h.emulator.calls.token, 429: 300 - h.emulator.calls.token });
    for (const r of refused) {
      expect(r.body.error).toBe('sign_in_throttled');
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      expect(Number(r.retryAfter)).toBeLessThanOrEqual(3600);
    }
    // The same network in IPv6 is another client: not refused.
    expect((await junk(h.browser(), '2001:db8:1:2::5', flow)).status).toBe(400);
  });

  test('120 honest sign-ins at once from one client (an office behind one NAT) all succeed', async () => {
    h = await startHarness({ before: trustProxy });
    const browsers = Array.from({ length: 120 }, () => h.browser());
    const urls = await Promise.all(browsers.map((b, i) => honestCallbackUrl(b, flow, i % 2 === 0 ? 'acme' : 'globex')));
    const landed = await Promise.all(browsers.map((b, i) => finishSignIn(b, urls[i]!, '203.0.113.200')));
    expect(statusCounts(landed)).toEqual({ 200: 120 });
    expect(h.emulator.tokenGrants.authorization_code).toBe(120);
  });

  test('without `trust proxy`, X-Forwarded-For changes nothing: a client cannot pick its own address to escape its limit', async () => {
    h = await startHarness();
    for (let i = 0; i < PER_CLIENT + 10; i++) await junk(h.browser(), `198.18.${i}.1`, flow);
    expect(h.emulator.calls.token).toBeLessThanOrEqual(PER_CLIENT);
  });
});

describe("Egnyte's own throttling of the token endpoint (409 + Retry-After)", () => {
  test('is passed on honestly, and no token request is sent, from any client, until it has passed', async () => {
    h = await startHarness({ before: trustProxy });
    h.emulator.fault({ endpoint: 'token', kind: 'conflict_409', retryAfter: 2, times: 1 });
    const first = h.browser();
    const refused = await first.request(await honestCallbackUrl(first, 'learned'), { accept: 'application/json', headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    expect(h.emulator.calls.token).toBe(1);

    // Another client, in both flows, while Egnyte's pause runs: answered without asking Egnyte.
    for (const flow of FLOWS) {
      const other = h.browser();
      const held = await other.request(await honestCallbackUrl(other, flow), { accept: 'application/json', headers: { 'x-forwarded-for': '198.51.100.2' } });
      expect(held.status).toBe(503);
      expect(Number(held.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(held.headers.get('retry-after'))).toBeLessThanOrEqual(2);
      expect(await held.json()).toMatchObject({ error: 'rate_limited' });
    }
    expect(h.emulator.calls.token).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 2100));
    const later = h.browser();
    const landed = await finishSignIn(later, await honestCallbackUrl(later, 'learned'), '198.51.100.3');
    expect(landed.status).toBe(200);
    expect(h.emulator.calls.token).toBe(2);
  });
});
