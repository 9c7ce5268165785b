/**
 * A company's branded domain (files.acme.com) typed at the app's own domain question, or sent
 * as `/egnyte/login?domain=`, is not an Egnyte domain, and the package never fetches a host a
 * user typed. Egnyte's Enhanced Auth Service resolves branded domains itself (EGNYTE.md,
 * "Changes seen in 2025-26"), so a browser is offered to continue there instead of a dead end.
 */
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

/** The offer page's "continue" link. */
function continueLink(html: string): string {
  const href = /<a id="egnyte-continue" href="([^"]*)"/.exec(html)?.[1];
  if (href === undefined) throw new Error(`no continue link in:\n${html}`);
  return href.replace(/&amp;/g, '&');
}

test('a browser is offered the Enhanced Auth Service, with its returnTo, and signs in through it', async () => {
  const browser = h.browser();
  const offer = await browser.go('/egnyte/login?domain=files.acme.com&returnTo=%2Fme%3Ftab%3D2');
  expect(offer.status).toBe(200);
  expect(offer.headers.get('cache-control')).toBe('no-store');
  expect(offer.body).toContain('files.acme.com');
  expect(offer.body).toMatch(/not an Egnyte address/);
  expect(offer.body).toMatch(/Egnyte's sign-in page/);
  const link = continueLink(offer.body);
  expect(link).toBe('/egnyte/login?returnTo=%2Fme%3Ftab%3D2');
  // Nothing was asked of any host: not the typed one, not Egnyte.
  expect(h.emulator.requests).toEqual([]);

  const login = await browser.request(link);
  expect(login.status).toBe(302);
  expect(login.headers.get('location')).toMatch(new RegExp(`^${h.emulator.url}/eas/us/services/oauth/code\\?`));
  const landed = await browser.go(`${login.headers.get('location')!}&domain=acme`);
  expect(new URL(landed.url).pathname + new URL(landed.url).search).toBe('/me?tab=2');
  expect(JSON.parse(landed.body)).toMatchObject({ domain: 'acme.egnyte.com' });
});

test('the offer page escapes what was typed and keeps the question for a real typo', async () => {
  const browser = h.browser();
  const offer = await browser.go(`/egnyte/login?domain=${encodeURIComponent('files.acme.com')}&returnTo=${encodeURIComponent('/x?a="<b>')}`);
  expect(offer.body).not.toContain('"<b>');
  expect(offer.body).toContain('name="domain"');
});

test('an API client gets invalid_domain that names the way out', async () => {
  const res = await h.browser().request('/egnyte/login?domain=files.acme.com', { accept: 'application/json' });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: string; message: string };
  expect(body.error).toBe('invalid_domain');
  expect(body.message).toMatch(/without a domain/);
});

test.each(['10.0.0.1', 'status.egnyte.com', 'acme egnyte', 'acme.egnyte.com@evil.com', 'acme.egnyte.com.evil.com', 'files.acme.com:8443'])('%s is still refused as not an Egnyte domain', async (typed) => {
  const res = await h.browser().go(`/egnyte/login?domain=${encodeURIComponent(typed)}`);
  expect(res.status).toBe(400);
  expect(res.body).toContain('That is not an Egnyte domain');
});
