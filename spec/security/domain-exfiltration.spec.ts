/**
 * Credential exfiltration through the domain: a hostile domain typed at login, sent as the
 * callback's `domain` parameter or carried by the Referer is refused before any request.
 * An injected `fetch` records every URL the package asks for: none may be for a host other
 * than `{label}.egnyte.com` (reached through the emulator's `/d/{host}` prefix).
 */
import { recordingFetch, startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness } from '../support/harness.js';

const HOSTILE: readonly string[] = [
  'evil.com',
  'acme.egnyte.com.evil.com',
  'egnyte.com.evil.com',
  'ACME.EGNYTE.COM.EVIL.COM',
  'acme.evil.com',
  'acme.egnyte.com@evil.com',
  'https://acme.egnyte.com@evil.com/',
  'user:pass@acme.egnyte.com',
  'https://user@acme.egnyte.com',
  'acme.egnyte.com\\@evil.com',
  'acme.egnyte.com:443',
  'acme.egnyte.com:8443',
  'https://acme.egnyte.com:8443/',
  '127.0.0.1',
  '10.0.0.1.egnyte.com',
  '[::1]',
  'http://[::1]:80/',
  'acme.egnyte.com.',
  'acme.egnyte.com..',
  '.egnyte.com',
  'egnyte.com',
  'a.b.egnyte.com',
  '-acme.egnyte.com',
  'acme-.egnyte.com',
  'xn--acme-7na.egnyte.com',
  'xn--80ak6aa92e.egnyte.com',
  '\u0430cme.egnyte.com',
  'acme\u3002egnyte.com',
  'acme\uff0eegnyte\uff0ecom',
  'acme%2eegnyte.com',
  'acme.egnyte%2ecom',
  'acme%2eevil.com',
  '%61cme.egnyte.com',
  'acme.egnyte.com%00.evil.com',
  'acme.egnyte.com\u0000',
  'acme .egnyte.com',
  'acme.egnyte.com evil.com',
  'evil.com/acme.egnyte.com',
  'evil.com/.egnyte.com',
  'evil.com?.egnyte.com',
  'evil.com#.egnyte.com',
  'javascript:alert(1)',
  'ftp://acme.egnyte.com',
  'file:///etc/passwd',
  'acme.qa-egnyte.com',
  'acme.egnytegov.com',
  `${'a'.repeat(64)}.egnyte.com`,
  'a'.repeat(300),
];

const REFERERS: readonly string[] = [
  'https://evil.com/',
  'https://acme.egnyte.com.evil.com/',
  'https://acme.egnyte.com@evil.com/',
  'https://evil.com/?acme.egnyte.com',
  'https://evil.com/acme.egnyte.com',
  'https://acme.egnyte.com:8443/',
  'http://acme.egnyte.com/',
  'https://xn--80ak6aa92e.egnyte.com/',
  'https://127.0.0.1/',
  'https://[::1]/',
  'javascript:alert(1)',
  'not a url',
];

let h: Harness;
let recorder: ReturnType<typeof recordingFetch>;

/** Every URL the package fetched is on an allowed Egnyte domain of the emulator. */
function expectOnlyEgnyteHosts(): void {
  for (const url of recorder.urls) {
    expect(url).toMatch(new RegExp(`^${h.emulator.url.replace(/\./g, '\\.')}/d/(acme|globex)\\.egnyte\\.com/`));
  }
}

function resetRecords(): void {
  recorder.urls.length = 0;
  h.emulator.resetCalls();
}

beforeAll(async () => {
  recorder = recordingFetch();
  // The callback-parameter tests need the `domain=` parameter, which the emulator no longer sends by default.
  h = await startHarness({ emulator: { easDomainParam: true }, auth: { fetch: recorder.fetch } });
});
afterAll(() => h.close());
beforeEach(resetRecords);

describe('domain typed at login', () => {
  test.each(HOSTILE.map((v) => [JSON.stringify(v).slice(0, 50), v]))('%s: 400 invalid_domain, no redirect, no request', async (_l, value) => {
    const browser = h.browser();
    const res = await browser.request(`/egnyte/login?domain=${encodeURIComponent(value)}`, { accept: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe(value.length > 512 ? 'invalid_request' : 'invalid_domain');
    expect(body.message).toMatch(value.length > 512 ? /too long/ : /is not an Egnyte domain/);
    expect(recorder.urls).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });

  test.each([['ACME'], [' Acme.Egnyte.COM '], ['https://ACME.egnyte.com/app/index.do'], ['acme.egnyte.com/../../evil.com']])(
    '%s is accepted and normalised to acme.egnyte.com; every request stays there',
    async (value) => {
      const browser = h.browser();
      const login = await browser.request(`/egnyte/login?returnTo=/me&domain=${encodeURIComponent(value)}`);
      expect(login.status).toBe(302);
      expect(login.headers.get('location')).toMatch(new RegExp(`^${h.emulator.url}/d/acme\\.egnyte\\.com/puboauth/token\\?`));
      const landed = await browser.go(login.headers.get('location')!);
      expect(landed.status).toBe(200);
      expect(JSON.parse(landed.body)).toMatchObject({ domain: 'acme.egnyte.com' });
      expect(recorder.urls.map((u) => new URL(u).pathname)).toEqual(['/d/acme.egnyte.com/puboauth/token', '/d/acme.egnyte.com/pubapi/v1/userinfo']);
      expectOnlyEgnyteHosts();
    },
  );
});

describe('`domain` parameter of the callback (Enhanced Auth Service sign-in)', () => {
  test.each(HOSTILE.filter((v) => v.length <= 512).map((v) => [JSON.stringify(v).slice(0, 50), v]))(
    '%s: 400 invalid_domain, no request',
    async (_l, value) => {
      const browser = h.browser();
      const callback = new URL(await startAttempt(browser, 'acme'));
      expect(callback.searchParams.get('domain')).toBe('acme.egnyte.com');
      callback.searchParams.set('domain', value);
      resetRecords();
      const res = await browser.request(callback.href, { accept: 'application/json', headers: { referer: 'https://acme.egnyte.com/' } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_domain' });
      expect(recorder.urls).toEqual([]);
      expect(h.emulator.requests).toEqual([]);
    },
  );

  test('an oversized domain parameter: 400 invalid_request, no request', async () => {
    const browser = h.browser();
    const callback = new URL(await startAttempt(browser, 'acme'));
    callback.searchParams.set('domain', `${'a'.repeat(600)}.egnyte.com`);
    resetRecords();
    const res = await browser.request(callback.href, { accept: 'application/json' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    expect(recorder.urls).toEqual([]);
  });

  test('a domain bound at login cannot be switched by the callback parameter', async () => {
    const browser = h.browser();
    const callback = new URL(await startAttempt(browser, 'acme', { direct: true }));
    callback.searchParams.set('domain', 'evil.com');
    resetRecords();
    const res = await browser.request(callback.href);
    expect(res.status).toBe(302);
    expectOnlyEgnyteHosts();
    expect(recorder.urls.every((u) => u.includes('/d/acme.egnyte.com/'))).toBe(true);
  });
});

describe('Referer of the callback (no `domain` parameter)', () => {
  let eas: Harness;
  let easRecorder: ReturnType<typeof recordingFetch>;
  beforeAll(async () => {
    easRecorder = recordingFetch();
    eas = await startHarness({ emulator: { easDomainParam: false }, auth: { fetch: easRecorder.fetch } });
  });
  afterAll(() => eas.close());

  test.each(REFERERS.map((v) => [v]))('Referer %s: 400 unknown_domain, no request', async (referer) => {
    const browser = eas.browser();
    const callback = await startAttempt(browser, 'acme');
    expect(new URL(callback).searchParams.has('domain')).toBe(false);
    easRecorder.urls.length = 0;
    eas.emulator.resetCalls();
    const res = await browser.request(callback, { accept: 'application/json', headers: { referer } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('unknown_domain');
    expect(body.message).toMatch(/does not say which Egnyte domain/);
    expect(easRecorder.urls).toEqual([]);
    expect(eas.emulator.requests).toEqual([]);
  });

  test('the Enhanced Auth Service host as Referer is not taken for a customer domain', async () => {
    const browser = eas.browser();
    const callback = await startAttempt(browser, 'acme');
    easRecorder.urls.length = 0;
    const res = await browser.request(callback, { accept: 'application/json', headers: { referer: 'https://us-partner-integrations.egnyte.com/services/oauth/code' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'unknown_domain' });
    expect(easRecorder.urls).toEqual([]);
  });

  test('an uppercase Egnyte Referer is accepted and normalised; requests go to that domain only', async () => {
    const browser = eas.browser();
    const callback = await startAttempt(browser, 'acme');
    easRecorder.urls.length = 0;
    const res = await browser.request(callback, { headers: { referer: 'https://ACME.Egnyte.com/app/index.do' } });
    expect(res.status).toBe(302);
    expect(easRecorder.urls.map((u) => new URL(u).pathname)).toEqual(['/d/acme.egnyte.com/puboauth/token', '/d/acme.egnyte.com/pubapi/v1/userinfo']);
  });
});

test('the client secret and the code only ever travel in the token POST body to the domain', async () => {
  const browser = h.browser();
  const callback = new URL(await startAttempt(browser, 'globex', { direct: true }));
  resetRecords();
  await browser.request(callback.href);
  const code = callback.searchParams.get('code')!;
  for (const url of recorder.urls) {
    expect(url).not.toContain(h.emulator.clientSecret);
    expect(url).not.toContain(code);
  }
  expect(h.emulator.lastTokenRequest?.body).toMatchObject({ client_secret: h.emulator.clientSecret, code });
  expect(h.emulator.lastTokenRequest?.authorizationHeader).toBeUndefined();
  expect(h.emulator.requests.map((r) => r.host)).toEqual(['globex.egnyte.com', 'globex.egnyte.com']);
});
