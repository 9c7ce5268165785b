/**
 * 300 complete sign-ins started together (30 users over 3 domains, through the consent
 * page), then each session's guarded request: every session gets its own user and only its
 * own, none is lost, no errors, and Egnyte is asked at most once per sign-in for a token and
 * once for userinfo.
 */
import type { EmulatorUser } from '../../lib/testing/index.js';
import { consentAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness, type TestBrowser } from '../support/harness.js';

const DOMAINS = ['acme', 'globex', 'initech'];
const USERS: EmulatorUser[] = Array.from({ length: 30 }, (_, i) => ({
  id: 1000 + i,
  domain: `${DOMAINS[i % 3]}.egnyte.com`,
  username: `user${i}`,
  firstName: `First${i}`,
  lastName: `Last${i}`,
  email: `user${i}@example.com`,
}));
const SIGN_INS = 300;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ emulator: { autoApprove: false, users: USERS, qps: 0 } });
});
afterAll(() => h.close());

test(`${SIGN_INS} concurrent sign-ins: no cross-talk, no lost session, no errors`, async () => {
  h.emulator.resetCalls();
  const started = Date.now();
  const results = await Promise.allSettled(
    Array.from({ length: SIGN_INS }, async (_, i) => {
      const user = USERS[i % USERS.length]!;
      const browser: TestBrowser = h.browser();
      const callback = await consentAttempt(browser, user.domain, { allow: true, userId: user.id }, { returnTo: `/me?n=${i}` });
      const done = await browser.request(callback);
      await done.body?.cancel();
      if (done.status !== 302 || done.headers.get('location') !== `/me?n=${i}`) throw new Error(`callback ${i}: ${done.status}`);
      return { i, user, browser };
    }),
  );
  const failures = results.filter((r) => r.status === 'rejected');
  expect(failures).toEqual([]);
  const signedIn = results.map((r) => (r as PromiseFulfilledResult<{ i: number; user: EmulatorUser; browser: TestBrowser }>).value);

  // Every session id is distinct.
  expect(new Set(signedIn.map((s) => s.browser.cookies.get('connect.sid'))).size).toBe(SIGN_INS);

  const answers = await Promise.all(
    signedIn.map(async ({ i, user, browser }) => {
      const res = await browser.request(`/me?n=${i}`, { accept: 'application/json' });
      const body = (await res.json()) as { user: { id: number; username: string }; domain: string; stale: boolean };
      return { status: res.status, expected: user, body };
    }),
  );
  for (const a of answers) {
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ domain: a.expected.domain, stale: false, user: { id: a.expected.id, username: a.expected.username } });
  }

  expect(h.emulator.tokenGrants.authorization_code).toBe(SIGN_INS);
  expect(h.emulator.tokenGrants.refresh_token).toBe(0);
  expect(h.emulator.calls.token).toBe(SIGN_INS);
  expect(h.emulator.calls.userinfo).toBe(SIGN_INS);
  expect(Date.now() - started).toBeLessThan(60_000);
}, 90_000);
