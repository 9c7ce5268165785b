/** The user declines consent, abandons a sign-in and starts again, or races two tabs. */
import { consentAttempt, startAttempt } from '../support/attack-kit.js';
import { getJson, sessionView, sessionViewRoute } from '../support/fault-kit.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('with the consent page', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ emulator: { autoApprove: false }, routes: sessionViewRoute });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.resetCalls());

  test('the user declines: 403 access_denied with a clear message, no token request, not signed in', async () => {
    const browser = h.browser();
    const callback = await consentAttempt(browser, 'acme', { allow: false });
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    const r = await getJson(browser, callback);
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('access_denied');
    expect(r.body.message).toMatch(/You declined/);
    expect(h.emulator.calls.token).toBe(0);
    expect(await sessionView(browser)).toEqual({ signedIn: false, hasUser: false, pending: 0 });
    // Declining used the attempt up; signing in again works.
    expect((await getJson(browser, callback)).body.error).toBe('state_mismatch');
    const again = await consentAttempt(browser, 'acme', { allow: true, userId: 122 });
    expect((await browser.request(again)).status).toBe(302);
    expect((await getJson(browser, '/me')).body.user?.username).toBe('bjones');
  });

  test('the declined page for a browser is HTML and offers to sign in again', async () => {
    const browser = h.browser();
    const callback = await consentAttempt(browser, 'globex', { allow: false });
    const res = await browser.request(callback);
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('You declined access');
    expect(body).toContain('<a href="/egnyte/login">Sign in again</a>');
  });
});

describe('abandoned and racing sign-ins', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ routes: sessionViewRoute });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.resetCalls());

  test('closes the tab mid-flow and starts again: the new sign-in works, one code exchange', async () => {
    const browser = h.browser();
    await startAttempt(browser, 'acme');
    expect(await sessionView(browser)).toMatchObject({ pending: 1 });
    h.emulator.resetCalls();
    const landed = await browser.signIn('globex', { returnTo: '/me' });
    expect(landed.status).toBe(200);
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'globex.egnyte.com', user: { username: 'hscorpio' } });
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
    expect(h.emulator.calls.userinfo).toBe(1);
  });

  test('many abandoned attempts are bounded (10 kept) and the newest one still completes', async () => {
    const browser = h.browser();
    const urls: string[] = [];
    for (let i = 0; i < 14; i++) urls.push(await startAttempt(browser));
    expect(await sessionView(browser)).toMatchObject({ pending: 10 });
    expect((await getJson(browser, urls[0]!)).body.error).toBe('state_mismatch');
    expect((await browser.request(urls[13]!)).status).toBe(302);
    expect((await getJson(browser, '/me')).status).toBe(200);
  });

  test('two tabs race their callbacks: both answer with a redirect, the browser ends signed in, no errors', async () => {
    const browser = h.browser();
    const first = await startAttempt(browser, 'acme', { returnTo: '/one' });
    const second = await startAttempt(browser, 'globex', { returnTo: '/two' });
    h.emulator.resetCalls();
    const [a, b] = await Promise.all([browser.request(first), browser.request(second)]);
    expect([a.status, b.status]).toEqual([302, 302]);
    expect([a.headers.get('location'), b.headers.get('location')]).toEqual(['/one', '/two']);
    expect(h.emulator.tokenGrants.authorization_code).toBe(2);
    const me = await getJson(browser, '/me');
    expect(me.status).toBe(200);
    expect(['jsmith', 'hscorpio']).toContain(me.body.user?.username);
    expect(await sessionView(browser)).toMatchObject({ signedIn: true, hasUser: true });
  });

  test('two tabs, one after the other: the first sign-in ends the second attempt, which lands signed in as the first', async () => {
    const browser = h.browser();
    const first = await startAttempt(browser, 'acme');
    const second = await startAttempt(browser, 'globex');
    expect((await browser.request(first)).status).toBe(302);
    expect((await getJson(browser, '/me')).body.user?.username).toBe('jsmith');
    h.emulator.resetCalls();
    expect((await browser.request(second)).status).toBe(302);
    // No second exchange: the signed-in session holds no attempt of another tab (issue 8, defect 5).
    expect(h.emulator.tokenGrants.authorization_code).toBe(0);
    expect((await getJson(browser, '/me')).body.user?.username).toBe('jsmith');
  });
});
