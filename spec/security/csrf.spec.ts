/**
 * CSRF on the callback, login CSRF (session swapping) and code replay: every refusal has
 * its exact status and code, and Egnyte is never asked anything.
 */
import type { Express } from 'express';
import { PENDING_TTL_MS } from '../../lib/flow/pending-logins.js';
import { startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness, type TestBrowser } from '../support/harness.js';

const JSON_ACCEPT = { accept: 'application/json' };

/** Test-only route: shifts every pending attempt's createdAt by `shift` ms (negative = older). */
function agePendingRoute(app: Express): void {
  app.post('/test/shift-pending', (req, res) => {
    const shift = Number(req.query.shift);
    for (const entry of req.session.egnyte?.pending ?? []) entry.createdAt += shift;
    res.json({ shifted: req.session.egnyte?.pending?.length ?? 0 });
  });
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ routes: agePendingRoute });
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

async function callback(browser: TestBrowser, url: string): Promise<{ status: number; body: { error: string; message: string } }> {
  const res = await browser.request(url, JSON_ACCEPT);
  return { status: res.status, body: (await res.json()) as { error: string; message: string } };
}

async function expectSignedOut(browser: TestBrowser): Promise<void> {
  const me = await browser.request('/me', JSON_ACCEPT);
  expect(me.status).toBe(401);
  expect(await me.json()).toMatchObject({ error: 'login_required' });
}

async function expectSignedInAs(browser: TestBrowser, username: string): Promise<void> {
  const me = await browser.request('/me', JSON_ACCEPT);
  expect(me.status).toBe(200);
  expect(((await me.json()) as { user: { username: string } }).user.username).toBe(username);
}

describe('CSRF on the callback', () => {
  test('missing state: 400 state_missing, no upstream request', async () => {
    const browser = h.browser();
    await startAttempt(browser);
    h.emulator.resetCalls();
    const r = await callback(browser, '/egnyte/callback?code=stolen-code&domain=acme.egnyte.com');
    expect(r).toMatchObject({ status: 400, body: { error: 'state_missing' } });
    expect(r.body.message).toMatch(/no "state" parameter/);
    expect(h.emulator.requests).toEqual([]);
  });

  test('forged state: 400 state_mismatch, no upstream request, the real attempt still works', async () => {
    const browser = h.browser();
    const real = await startAttempt(browser);
    h.emulator.resetCalls();
    const forged = new URL(real);
    forged.searchParams.set('state', 'forged-state-value');
    const r = await callback(browser, forged.href);
    expect(r).toMatchObject({ status: 400, body: { error: 'state_mismatch' } });
    expect(r.body.message).toMatch(/does not match any sign-in/);
    expect(h.emulator.requests).toEqual([]);
    const ok = await browser.request(real);
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe('/');
    await expectSignedInAs(browser, 'jsmith');
  });

  test('replayed callback after success: back where it went, no upstream request, login kept', async () => {
    const browser = h.browser();
    const url = await startAttempt(browser, 'acme', { returnTo: '/me?replayed' });
    expect((await browser.request(url)).status).toBe(302);
    h.emulator.resetCalls();
    const r = await browser.request(url, JSON_ACCEPT);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/me?replayed');
    expect(r.headers.getSetCookie()).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
    await expectSignedInAs(browser, 'jsmith');
  });

  test('expired attempt (older than 10 minutes): 400 state_mismatch "expired", no upstream request', async () => {
    const browser = h.browser();
    const url = await startAttempt(browser);
    const shifted = await browser.request(`/test/shift-pending?shift=${-(PENDING_TTL_MS + 1)}`, { method: 'POST', ...JSON_ACCEPT });
    expect(await shifted.json()).toEqual({ shifted: 1 });
    h.emulator.resetCalls();
    const r = await callback(browser, url);
    expect(r).toMatchObject({ status: 400, body: { error: 'state_mismatch' } });
    expect(r.body.message).toMatch(/expired/);
    expect(h.emulator.requests).toEqual([]);
    await expectSignedOut(browser);
  });

  test('attempt just inside the 10 minutes still works', async () => {
    const browser = h.browser();
    const url = await startAttempt(browser);
    await browser.request(`/test/shift-pending?shift=${-(PENDING_TTL_MS - 5000)}`, { method: 'POST', ...JSON_ACCEPT });
    expect((await browser.request(url)).status).toBe(302);
    await expectSignedInAs(browser, 'jsmith');
  });

  test('attempt dated in the future (tampered or skewed clock): refused as expired', async () => {
    const browser = h.browser();
    const url = await startAttempt(browser);
    await browser.request(`/test/shift-pending?shift=${60_000}`, { method: 'POST', ...JSON_ACCEPT });
    h.emulator.resetCalls();
    const r = await callback(browser, url);
    expect(r).toMatchObject({ status: 400, body: { error: 'state_mismatch' } });
    expect(h.emulator.requests).toEqual([]);
  });

  test("another session's state: 400 state_mismatch, no upstream request; the owner can still finish", async () => {
    const alice = h.browser();
    const mallory = h.browser();
    const alicesCallback = await startAttempt(alice);
    await startAttempt(mallory, 'globex');
    h.emulator.resetCalls();
    const r = await callback(mallory, alicesCallback);
    expect(r).toMatchObject({ status: 400, body: { error: 'state_mismatch' } });
    expect(h.emulator.requests).toEqual([]);
    await expectSignedOut(mallory);
    expect((await alice.request(alicesCallback)).status).toBe(302);
    await expectSignedInAs(alice, 'jsmith');
  });

  test('callback with no sign-in attempt at all (no cookie): 400 session_missing, no upstream request', async () => {
    const someone = h.browser();
    const url = await startAttempt(someone);
    h.emulator.resetCalls();
    const stranger = h.browser();
    const r = await callback(stranger, url);
    expect(r).toMatchObject({ status: 400, body: { error: 'session_missing' } });
    expect(r.body.message).toMatch(/no sign-in in progress/);
    expect(r.body.message).toMatch(/sent no cookies/);
    expect(h.emulator.requests).toEqual([]);
    expect(stranger.cookies.size).toBe(0);
  });

  test('callback whose session cookie came back but holds no attempt: 400 session_missing that says so', async () => {
    const someone = h.browser();
    const url = await startAttempt(someone);
    const returning = h.browser();
    await returning.signIn('acme');
    const oldCookie = returning.cookieHeader;
    await returning.request('/egnyte/logout', { method: 'POST' });
    h.emulator.resetCalls();
    const response = await fetch(url, { headers: { cookie: oldCookie, accept: 'application/json' }, redirect: 'manual' });
    const body = (await response.json()) as { error: string; message: string };
    expect(response.status).toBe(400);
    expect(body.error).toBe('session_missing');
    expect(body.message).toMatch(/cookie .* came back, but its session holds no sign-in/);
    expect(h.emulator.requests).toEqual([]);
  });

  test('a used code with a fresh, valid state: Egnyte refuses it (400 token_exchange_failed) and nobody is signed in', async () => {
    const browser = h.browser();
    const first = await startAttempt(browser);
    expect((await browser.request(first)).status).toBe(302);
    const usedCode = new URL(first).searchParams.get('code')!;
    const attacker = h.browser();
    const fresh = new URL(await startAttempt(attacker));
    fresh.searchParams.set('code', usedCode);
    h.emulator.resetCalls();
    const r = await callback(attacker, fresh.href);
    expect(r).toMatchObject({ status: 400, body: { error: 'token_exchange_failed' } });
    expect(r.body.message).toMatch(/refused the sign-in code.*Sign in again/);
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
    expect(h.emulator.calls.userinfo).toBe(0);
    await expectSignedOut(attacker);
  });
});

describe('login CSRF / session swapping', () => {
  test("the attacker's code+state in a signed-in victim's browser: ignored, victim stays themself, no upstream request", async () => {
    const attacker = h.browser();
    const planted = await startAttempt(attacker, 'globex');
    const victim = h.browser();
    await victim.signIn('acme');
    await expectSignedInAs(victim, 'jsmith');
    h.emulator.resetCalls();
    const r = await victim.request(planted, JSON_ACCEPT);
    // Signed in already: the callback changes nothing and goes home.
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/');
    expect(r.headers.getSetCookie()).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
    await expectSignedInAs(victim, 'jsmith');
  });

  test("the attacker's code+state in a victim mid-sign-in: 400, then the victim's own sign-in completes as the victim", async () => {
    const attacker = h.browser();
    const planted = await startAttempt(attacker, 'globex');
    const victim = h.browser();
    const own = await startAttempt(victim, 'acme');
    h.emulator.resetCalls();
    const r = await callback(victim, planted);
    expect(r).toMatchObject({ status: 400, body: { error: 'state_mismatch' } });
    expect(h.emulator.requests).toEqual([]);
    await expectSignedOut(victim);
    expect((await victim.request(own)).status).toBe(302);
    await expectSignedInAs(victim, 'jsmith');
  });

  test("the attacker's code+state in a fresh victim browser: 400 session_missing, not signed in as the attacker", async () => {
    const attacker = h.browser();
    const planted = await startAttempt(attacker, 'globex');
    const victim = h.browser();
    h.emulator.resetCalls();
    const r = await callback(victim, planted);
    expect(r).toMatchObject({ status: 400, body: { error: 'session_missing' } });
    expect(h.emulator.requests).toEqual([]);
    await expectSignedOut(victim);
  });

  test("the attacker's code with the victim's own state: the domain bound at login wins, the code goes nowhere else", async () => {
    // Victim started a direct login bound to acme; attacker's code is for globex.
    const attacker = h.browser();
    const planted = new URL(await startAttempt(attacker, 'globex', { direct: true }));
    const victim = h.browser();
    const own = new URL(await startAttempt(victim, 'acme', { direct: true }));
    own.searchParams.set('code', planted.searchParams.get('code')!);
    own.searchParams.set('domain', 'globex.egnyte.com');
    h.emulator.resetCalls();
    const r = await callback(victim, own.href);
    // The bound domain (acme) wins over the callback's `domain`: the globex code is sent to acme only, which refuses it.
    expect(r).toMatchObject({ status: 400, body: { error: 'token_exchange_failed' } });
    expect(h.emulator.requests.every((e) => e.host === 'acme.egnyte.com')).toBe(true);
    expect(h.emulator.calls.userinfo).toBe(0);
    await expectSignedOut(victim);
  });
});
