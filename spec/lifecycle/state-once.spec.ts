/**
 * Issue 8, defect 2: one `state` used twice. With a slow token endpoint, the same callback
 * URL requested twice (a reload of a slow callback, a browser restoring tabs) must make one
 * code exchange: Egnyte (like the emulator, per RFC 6749) may revoke the tokens of a replayed
 * code, leaving a browser that looks signed in but whose first API call signs it out.
 */
import type { Express } from 'express';
import { requireEgnyteUser } from '../../lib/index.js';
import { startAttempt } from '../support/attack-kit.js';
import { getJson, sleep } from '../support/fault-kit.js';
import { type TestBrowser, withHarness } from '../support/harness.js';

function apiRoute(app: Express): void {
  app.get('/api/userinfo', requireEgnyteUser(), async (req, res) => {
    const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo');
    res.status(answer.status).json(await answer.json());
  });
}

/** A second browser holding the same cookies as `browser` now. */
function twin(browser: TestBrowser): TestBrowser {
  const other = new (browser.constructor as new (baseUrl: string) => TestBrowser)(browser.baseUrl);
  other.cookies = new Map(browser.cookies);
  return other;
}

test('the same callback twice, 50 ms apart: one exchange, both land signed in, the API works', async () => {
  await withHarness({ routes: apiRoute }, async (h) => {
    const browser = h.browser();
    const url = await startAttempt(browser, 'acme', { direct: true, returnTo: '/me?from=callback' });
    h.emulator.fault({ endpoint: 'token', kind: 'slow', delayMs: 400, times: 2 });
    const first = browser.request(url);
    await sleep(50);
    const second = browser.request(url);
    const answers = await Promise.all([first, second]);
    expect(answers.map((a) => a.status)).toEqual([302, 302]);
    expect(answers.map((a) => a.headers.get('location'))).toEqual(['/me?from=callback', '/me?from=callback']);
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
    expect((await getJson(browser, '/me')).status).toBe(200);
    expect((await getJson(browser, '/api/userinfo')).status).toBe(200);
  });
});

test('a reload of a slow callback: one exchange; the reload is a plain redirect that hands over no session', async () => {
  await withHarness({ routes: apiRoute }, async (h) => {
    const browser = h.browser();
    const url = await startAttempt(browser, 'acme', { direct: true, returnTo: '/me' });
    const abandoned = twin(browser);
    h.emulator.fault({ endpoint: 'token', kind: 'slow', delayMs: 400, times: 2 });
    // The first request's answer never reaches the browser (it reloaded): a twin takes it.
    const first = abandoned.request(url);
    await sleep(50);
    const reload = await browser.request(url);
    await first;
    expect(reload.status).toBe(302);
    expect(reload.headers.get('location')).toBe('/me');
    // Issue 16: whoever brings the state (and the pre-login cookie) again gets no session of the
    // sign-in; only the request that signed in got its cookie.
    expect(reload.headers.get('set-cookie')).toBeNull();
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
    expect((await getJson(abandoned, '/me')).status).toBe(200);
    expect((await getJson(abandoned, '/api/userinfo')).status).toBe(200);
    // This browser kept its pre-login cookie, which the sign-in made worthless: it signs in again.
    expect((await getJson(browser, '/me')).status).toBe(401);
    expect((await browser.signIn('acme', { direct: true, returnTo: '/me' })).status).toBe(200);
  });
});

test('a failed exchange is answered once to both requests, never a 5xx for the loser', async () => {
  await withHarness({}, async (h) => {
    const browser = h.browser();
    const url = await startAttempt(browser, 'acme');
    h.emulator.fault({ endpoint: 'token', kind: 'invalid_grant', times: 1 });
    const [a, b] = await Promise.all([getJson(browser, url), getJson(browser, url)]);
    expect(h.emulator.calls.token).toBe(1);
    for (const answer of [a, b]) {
      expect(answer.status).toBeLessThan(500);
      expect(answer.body.error).toBeDefined();
    }
  });
});
