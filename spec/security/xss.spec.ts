/**
 * Reflected XSS: what the error pages echo (the domain typed, Egnyte's `error`) is escaped,
 * `error_description` is never echoed, and error answers keep helmet's headers (helmet
 * mounted first, as apps should), made stricter on the package's own pages.
 */
import helmet from 'helmet';
import { startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness } from '../support/harness.js';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ before: (app) => app.use(helmet()) });
});
afterAll(() => h.close());

/**
 * Helmet's headers are all kept. On answers the package renders itself (`page`), framing is
 * forbidden outright: X-Frame-Options becomes DENY and a policy with frame-ancestors 'none' is
 * added beside helmet's (issue 18; spec/security/page-headers.spec.ts).
 */
function expectHelmet(headers: Headers, page = true): void {
  expect(headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  if (page) expect(headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe(page ? 'DENY' : 'SAMEORIGIN');
  expect(headers.get('strict-transport-security')).toMatch(/max-age=/);
  expect(headers.get('x-powered-by')).toBeNull();
}

function expectNoMarkupFrom(body: string, ...payloads: string[]): void {
  for (const p of payloads) expect(body).not.toContain(p);
  expect(body).not.toMatch(/<script>alert|<img /i);
}

test('domain typed at login is escaped on the HTML error page', async () => {
  const res = await h.browser().request(`/egnyte/login?domain=${encodeURIComponent(SCRIPT)}`);
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expectHelmet(res.headers);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = await res.text();
  expectNoMarkupFrom(body, SCRIPT);
  expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(body).toContain('Error code: invalid_domain');
});

test('attribute-breaking domain is escaped', async () => {
  const res = await h.browser().request(`/egnyte/login?domain=${encodeURIComponent(IMG)}`);
  expect(res.status).toBe(400);
  const body = await res.text();
  expectNoMarkupFrom(body, IMG);
  expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
});

test('`domain` callback parameter is escaped', async () => {
  const browser = h.browser();
  const url = new URL(await startAttempt(browser));
  url.searchParams.set('domain', IMG);
  const res = await browser.request(url.href);
  expect(res.status).toBe(400);
  expectHelmet(res.headers);
  const body = await res.text();
  expectNoMarkupFrom(body, IMG);
  expect(body).toContain('Error code: invalid_domain');
});

test("Egnyte's `error` is shown only when it is a plain word, `error_description` never", async () => {
  const browser = h.browser();
  const url = new URL(await startAttempt(browser));
  url.searchParams.delete('code');
  url.searchParams.set('error', SCRIPT);
  url.searchParams.set('error_description', IMG);
  h.emulator.resetCalls();
  const res = await browser.request(url.href);
  expect(res.status).toBe(400);
  expectHelmet(res.headers);
  const body = await res.text();
  expectNoMarkupFrom(body, SCRIPT, IMG, 'alert(1)');
  expect(body).toContain('Egnyte did not sign you in (unknown)');
  expect(h.emulator.requests).toEqual([]);
});

test('access_denied with a hostile description: 403, description not echoed', async () => {
  const browser = h.browser();
  const url = new URL(await startAttempt(browser));
  url.searchParams.delete('code');
  url.searchParams.set('error', 'access_denied');
  url.searchParams.set('error_description', SCRIPT);
  const res = await browser.request(url.href);
  expect(res.status).toBe(403);
  const body = await res.text();
  expectNoMarkupFrom(body, SCRIPT, 'alert(1)');
  expect(body).toContain('You declined access');
});

test('returnTo is never echoed into a page; the guard puts it in Location only, encoded', async () => {
  const res = await h.browser().request(`/page?x=${encodeURIComponent(IMG)}`);
  expect(res.status).toBe(302);
  expectHelmet(res.headers, false);
  expect(res.headers.get('location')).not.toMatch(/[<>"' ]/);
  const body = await res.text();
  expect(body).not.toContain('<img');
});

test('JSON error answers are JSON with nosniff, and escape nothing into HTML', async () => {
  const res = await h.browser().request(`/egnyte/login?domain=${encodeURIComponent(SCRIPT)}`, { accept: 'application/json' });
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expectHelmet(res.headers);
  expect(await res.json()).toMatchObject({ error: 'invalid_domain' });
});

test('the 401 of the guard and a 503 keep helmet headers too', async () => {
  const unauth = await h.browser().request('/me', { accept: 'application/json' });
  expect(unauth.status).toBe(401);
  expectHelmet(unauth.headers, false);
  const browser = h.browser();
  const url = await startAttempt(browser);
  h.emulator.fault({ endpoint: 'token', kind: 'server_error', times: 1 });
  const failed = await browser.request(url);
  expect(failed.status).toBe(503);
  expectHelmet(failed.headers);
  expect(failed.headers.get('retry-after')).toBe('5');
});
