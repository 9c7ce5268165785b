/**
 * Issue 18, defect 8: every page the package renders (error pages, the "which domain?"
 * question, the sign-out page, the sign-in confirmation) sends `Referrer-Policy: no-referrer`,
 * `Cache-Control: no-store`, a CSP with `frame-ancestors 'none'` and `X-Frame-Options: DENY`,
 * whatever the app mounts: nothing, or helmet set to weaker values. The callback's pages are
 * served at a URL that holds the code: no Referer may carry it anywhere, and no other site may
 * frame them.
 */
import helmet from 'helmet';
import type { Express } from 'express';
import { startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness } from '../support/harness.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** What the app may have mounted before the package. */
const MOUNTS: Array<[string, ((app: Express) => void) | undefined]> = [
  ['nothing', undefined],
  [
    'helmet with weaker values',
    (app) =>
      app.use(
        helmet({
          frameguard: { action: 'sameorigin' },
          referrerPolicy: { policy: 'unsafe-url' },
          contentSecurityPolicy: { directives: { frameAncestors: ['*'] } },
        }),
      ),
  ],
  [
    'its own headers on every answer',
    (app) =>
      app.use((_req, res, next) => {
        res.set({ 'Referrer-Policy': 'unsafe-url', 'X-Frame-Options': 'SAMEORIGIN', 'Cache-Control': 'public, max-age=600' });
        next();
      }),
  ],
];

function expectPageHeaders(headers: Headers): void {
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('x-frame-options')).toBe('DENY');
  // Every policy sent is enforced by the browser; one of them must forbid all framing.
  const policies = (headers.get('content-security-policy') ?? '').split(',');
  expect(policies.some((p) => /(^|;)\s*frame-ancestors 'none'\s*(;|$)/.test(p))).toBe(true);
}

describe.each(MOUNTS)('the app mounted %s', (_name, before) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ...(before ? { before } : {}), emulator: { referrerPolicy: 'no-referrer' } });
  });
  afterAll(() => h.close());

  test('an error page (HTML) and an error answer (JSON)', async () => {
    const page = await h.browser().request('/egnyte/login?domain=%3Cnot-a-domain%3E', { accept: HTML });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expectPageHeaders(page.headers);
    const json = await h.browser().request('/egnyte/login?domain=%3Cnot-a-domain%3E', { accept: 'application/json' });
    expect(json.status).toBe(400);
    expectPageHeaders(json.headers);
  });

  test("an error page at the callback's URL (it holds the code)", async () => {
    const browser = h.browser();
    const url = new URL(await startAttempt(browser, 'acme', { direct: true }));
    h.emulator.fault({ endpoint: 'token', kind: 'invalid_grant', times: 1 });
    const res = await browser.request(url.href, { accept: HTML });
    expect(res.status).toBe(400);
    expectPageHeaders(res.headers);
  });

  test("the callback's redirect after a sign-in: the page it leads to does not get the callback's URL (with the code) as its Referer", async () => {
    const browser = h.browser();
    const url = await startAttempt(browser, 'acme', { direct: true, returnTo: '/me' });
    const res = await browser.request(url, { accept: HTML });
    expect(res.status).toBe(302);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  test('the "which domain?" question', async () => {
    const asked = await h.browser().signIn('globex');
    expect(asked.body).toContain('Which Egnyte domain did you sign in to?');
    expectPageHeaders(asked.headers);
  });

  test('the sign-out page and the sign-in confirmation', async () => {
    const logout = await h.browser().request('/egnyte/logout', { accept: HTML });
    expect(logout.status).toBe(200);
    expectPageHeaders(logout.headers);
    const confirm = await h.browser().request('/egnyte/login?domain=acme', { accept: HTML, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(confirm.status).toBe(200);
    expectPageHeaders(confirm.headers);
  });
});
