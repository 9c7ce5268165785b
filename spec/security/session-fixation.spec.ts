/** Session fixation: the session id changes at sign-in and at logout, and old ids are worthless. */
import { sessionCookie, startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness, type TestBrowser } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** A browser holding only the given session cookie. */
function browserWith(cookie: string): TestBrowser {
  const b = h.browser();
  b.cookies.set('connect.sid', cookie);
  return b;
}

async function meStatus(browser: TestBrowser): Promise<number> {
  const res = await browser.request('/me', { accept: 'application/json' });
  await res.body?.cancel();
  return res.status;
}

test('sign-in issues a new session id; the pre-login id is worthless afterwards', async () => {
  const browser = h.browser();
  const url = await startAttempt(browser);
  const before = sessionCookie(browser)!;
  expect(before).toMatch(/^s%3A/);
  const done = await browser.request(url);
  expect(done.status).toBe(302);
  const after = sessionCookie(browser)!;
  expect(after).not.toBe(before);
  expect(await meStatus(browser)).toBe(200);
  expect(await meStatus(browserWith(before))).toBe(401);
});

test('a session id planted by an attacker is not the one the victim ends up signed in with', async () => {
  const attacker = h.browser();
  await startAttempt(attacker);
  const planted = sessionCookie(attacker)!;
  const victim = browserWith(planted);
  const landed = await victim.signIn('acme', { returnTo: '/me' });
  expect(landed.status).toBe(200);
  expect(sessionCookie(victim)).not.toBe(planted);
  expect(await meStatus(attacker)).toBe(401);
  expect(await meStatus(browserWith(planted))).toBe(401);
});

test('logout issues a new session id; the signed-in id is worthless afterwards', async () => {
  const browser = h.browser();
  await browser.signIn('acme');
  const signedIn = sessionCookie(browser)!;
  expect(await meStatus(browserWith(signedIn))).toBe(200);
  const out = await browser.request('/egnyte/logout', { method: 'POST' });
  expect(out.status).toBe(302);
  expect(out.headers.get('location')).toBe('/');
  expect(sessionCookie(browser)).not.toBe(signedIn);
  expect(await meStatus(browser)).toBe(401);
  expect(await meStatus(browserWith(signedIn))).toBe(401);
});

test('a forged or unsigned session cookie is ignored (new empty session, not signed in)', async () => {
  const browser = h.browser();
  await browser.signIn('acme');
  const raw = decodeURIComponent(sessionCookie(browser)!).slice(2).split('.')[0]!;
  expect(await meStatus(browserWith(encodeURIComponent(`s:${raw}.forgedsignature`)))).toBe(401);
  expect(await meStatus(browserWith(raw))).toBe(401);
});
