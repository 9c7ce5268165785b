/**
 * Issue 18, defects 5 and 6: another site can neither sign a user out nor start a sign-in
 * bound to a domain and destination it chose.
 *
 * - Logout changes state only on a POST that is not cross-site: an `Origin` or
 *   `Sec-Fetch-Site` naming another site (or origin) is refused; a POST with neither (curl,
 *   supertest, a server) still signs out. A GET signs nobody out: it shows a page with a
 *   sign-out button.
 * - A cross-site navigation to the login route with `domain` or `returnTo` shows a page on this
 *   site that asks the user to confirm; nothing is started until they do.
 *
 * Headers are sent as Chromium sends them; the Chromium run of the demo covers a real browser
 * (spec/demo.browser.spec.ts), Redis across two instances spec/multi-instance/sign-in-limits.spec.ts.
 */
import { startHarness, type Harness, type TestBrowser } from '../support/harness.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const JSON_ACCEPT = 'application/json';
const CROSS_SITE_NAVIGATION = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

async function signedIn(): Promise<TestBrowser> {
  const browser = h.browser();
  const landed = await browser.signIn('acme', { returnTo: '/me' });
  expect(landed.status).toBe(200);
  h.emulator.resetCalls();
  return browser;
}

async function isSignedIn(browser: TestBrowser): Promise<boolean> {
  const me = await browser.request('/me', { accept: JSON_ACCEPT });
  await me.body?.cancel();
  return me.status === 200;
}

/** The sign-out form of a page: its method and action. */
function signOutForm(html: string): { method: string; action: string } | undefined {
  const form = /<form method="(post|get)" action="([^"]*)"[^>]*>[\s\S]*?<button[^>]*>\s*Sign out\s*<\/button>/i.exec(html);
  return form ? { method: form[1]!.toLowerCase(), action: form[2]! } : undefined;
}

describe('logout', () => {
  test('a cross-site GET signs nobody out: a page with a sign-out button (a POST form), nothing revoked', async () => {
    const browser = await signedIn();
    const res = await browser.request('/egnyte/logout', { accept: HTML, headers: CROSS_SITE_NAVIGATION });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(signOutForm(await res.text())).toEqual({ method: 'post', action: '/egnyte/logout' });
    expect(await isSignedIn(browser)).toBe(true);
    expect(h.emulator.calls.revoke).toBe(0);
  });

  test('any GET signs nobody out, same-site or typed; an API client is told to POST (405, Allow: POST)', async () => {
    const browser = await signedIn();
    const sources: Record<string, string>[] = [{ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, {}];
    for (const headers of sources) {
      const res = await browser.request('/egnyte/logout', { accept: HTML, headers });
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
    const api = await browser.request('/egnyte/logout', { accept: JSON_ACCEPT });
    expect(api.status).toBe(405);
    expect(api.headers.get('allow')).toBe('POST');
    expect(await api.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/POST/) });
    expect(await isSignedIn(browser)).toBe(true);
    expect(h.emulator.calls.revoke).toBe(0);
  });

  test.each([
    ['Origin of another site', { origin: 'https://evil.example' }],
    ['Origin of another site, Sec-Fetch-Site cross-site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site cross-site alone', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site (another origin of the site)', { 'sec-fetch-site': 'same-site' }],
    ['Origin on another port of the host', { origin: 'http://localhost:1' }],
    ['Origin null (a sandboxed frame, a privacy redirect)', { origin: 'null' }],
  ])('a POST with %s is refused (403), the user stays signed in, nothing revoked', async (_name, headers) => {
    const browser = await signedIn();
    const api = await browser.request('/egnyte/logout', { method: 'POST', accept: JSON_ACCEPT, headers });
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/another site/) });
    const page = await browser.request('/egnyte/logout', { method: 'POST', accept: HTML, headers });
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toMatch(/another site/);
    expect(signOutForm(html)).toEqual({ method: 'post', action: '/egnyte/logout' });
    expect(await isSignedIn(browser)).toBe(true);
    expect(h.emulator.calls.revoke).toBe(0);
  });

  test('a same-origin POST signs out, and so does the page\'s own button (a form post from this site)', async () => {
    const browser = await signedIn();
    const origin = new URL(h.baseUrl).origin;
    const out = await browser.request('/egnyte/logout', { method: 'POST', headers: { origin, 'sec-fetch-site': 'same-origin' } });
    expect(out.status).toBe(302);
    expect(await isSignedIn(browser)).toBe(false);

    const again = await signedIn();
    const page = await again.request('/egnyte/logout', { accept: HTML, headers: CROSS_SITE_NAVIGATION });
    const form = signOutForm(await page.text())!;
    const clicked = await again.request(form.action, { method: 'POST', headers: { origin, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(clicked.status).toBe(302);
    expect(await isSignedIn(again)).toBe(false);
    expect(h.emulator.calls.revoke).toBe(2);
  });

  test('a POST with neither Origin nor Sec-Fetch-Site (curl, supertest, a server) still signs out', async () => {
    const browser = await signedIn();
    const out = await browser.request('/egnyte/logout', { method: 'POST' });
    expect(out.status).toBe(302);
    expect(await isSignedIn(browser)).toBe(false);
  });
});

describe('login', () => {
  /** The confirmation form of a page: its action and hidden fields. */
  function confirmForm(html: string): { action: string; fields: Record<string, string> } | undefined {
    const form = /<form method="get" action="([^"]*)">([\s\S]*?)<\/form>/.exec(html);
    if (!form) return undefined;
    const fields: Record<string, string> = {};
    for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return { action: form[1]!, fields };
  }

  test.each([
    ['Sec-Fetch-Site cross-site', CROSS_SITE_NAVIGATION],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate' }],
    ['no Sec-Fetch-Site, a Referer of another site (an older browser)', { referer: 'https://evil.example/page' }],
  ])('a navigation with %s to /egnyte/login?domain=&returnTo= starts nothing: the user is asked on this site', async (_name, headers) => {
    const browser = h.browser();
    const res = await browser.request('/egnyte/login?domain=acme&returnTo=%2Fupload', { accept: HTML, headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    // No attempt was kept: no session was even created.
    expect(res.headers.getSetCookie()).toEqual([]);
    const html = await res.text();
    expect(html).toContain('acme.egnyte.com');
    expect(html).toContain('/upload');
    expect(confirmForm(html)).toEqual({ action: '/egnyte/login', fields: { domain: 'acme.egnyte.com', returnTo: '/upload' } });
    expect(h.emulator.requests).toEqual([]);
  });

  test('returnTo alone, cross-site, is confirmed too; an invalid domain is still refused first', async () => {
    const res = await h.browser().request('/egnyte/login?returnTo=%2Fupload', { accept: HTML, headers: CROSS_SITE_NAVIGATION });
    expect(res.status).toBe(200);
    expect(confirmForm(await res.text())).toEqual({ action: '/egnyte/login', fields: { returnTo: '/upload' } });
    const bad = await h.browser().request('/egnyte/login?domain=status', { accept: JSON_ACCEPT, headers: CROSS_SITE_NAVIGATION });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_domain' });
  });

  test('a cross-site link to the bare login route still starts a sign-in (nothing bound)', async () => {
    const res = await h.browser().request('/egnyte/login', { headers: CROSS_SITE_NAVIGATION });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).pathname).toMatch(/\/services\/oauth\/code$/);
  });

  test.each([
    ['same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['none (typed, a bookmark)', { 'sec-fetch-site': 'none' }],
    ['no header at all', {}],
    ['a Referer of this site', { referer: 'this site' }],
  ])('from %s, a bound login starts at once', async (_name, headers: Record<string, string>) => {
    const browser = h.browser();
    const sent = 'referer' in headers ? { referer: `${h.baseUrl}/page` } : headers;
    const res = await browser.request('/egnyte/login?domain=acme&returnTo=%2Fme', { headers: sent });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).pathname).toBe('/d/acme.egnyte.com/puboauth/token');
  });

  test('confirming on this site (the form, submitted from the page) signs in on that domain and lands on returnTo', async () => {
    const browser = h.browser();
    const page = await browser.request('/egnyte/login?domain=globex&returnTo=%2Fme', { accept: HTML, headers: CROSS_SITE_NAVIGATION });
    const form = confirmForm(await page.text())!;
    const start = await browser.request(`${form.action}?${new URLSearchParams(form.fields)}`, { headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' } });
    expect(start.status).toBe(302);
    const landed = await browser.go(await browser.untilApp(start.headers.get('location')!), { accept: JSON_ACCEPT });
    expect(landed.status).toBe(200);
    expect(new URL(landed.url).pathname).toBe('/me');
    expect(JSON.parse(landed.body)).toMatchObject({ domain: 'globex.egnyte.com' });
  });
});
