/** Open redirect: every returnTo that could leave the site ends on "/", in the live flow and in sanitizeReturnTo. */
import { sanitizeReturnTo } from '../../lib/config/return-to.js';
import { startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness } from '../support/harness.js';

const HOSTILE: readonly string[] = [
  'https://evil.com',
  'http://evil.com/',
  'HTTPS://evil.com',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'ftp://evil.com',
  '//evil.com',
  '///evil.com',
  '////evil.com/x',
  '/\\evil.com',
  '\\\\evil.com',
  '\\/evil.com',
  '/\\/evil.com',
  '/\t/evil.com',
  '/\n/evil.com',
  '/\r\n/evil.com',
  '\t//evil.com',
  ' //evil.com',
  '/%09/evil.com',
  '/%0a/evil.com',
  '/%0d%0a/evil.com',
  '%2f%2fevil.com',
  '/%2fevil.com',
  '/%2F%2Fevil.com',
  '/%5cevil.com',
  '/%5Cevil.com',
  '%2f%5cevil.com',
  '/%252fevil.com',
  '/%25252fevil.com',
  '%252f%252fevil.com',
  '/%255cevil.com',
  '/.//evil.com',
  '/./\\evil.com',
  '/..//evil.com',
  '/a/..//evil.com',
  '/%2e%2e//evil.com',
  '/%2e//evil.com',
  // Dot segments in what looks like a plain path: they collapse into "//host" only once parsed.
  '/a/../..//evil.com',
  '/a/b/../..//evil.com',
  '/a/./..//evil.com',
  '/..//evil.com#x',
  '/.//evil.com?x',
  '/%2e%2e/%2e%2e//evil.com',
  '/%2E//evil.com',
  '/.%2e//evil.com',
  '\u2215\u2215evil.com',
  '/\u2215evil.com',
  '/\uff0f\uff0fevil.com',
  '/\uff3cevil.com',
  '\u3002evil.com',
  '@evil.com',
  '/@evil.com/..',
  'evil.com',
  'evil.com/path',
  'https:evil.com',
  'https:/evil.com',
  'https:\\\\evil.com',
  '\\evil.com',
  '/\u0000/evil.com',
  '/%00//evil.com',
  `/${'a'.repeat(5000)}`,
  `/${'%2f'.repeat(1000)}`,
  '',
];

describe('sanitizeReturnTo refuses everything that could leave the site', () => {
  test.each(HOSTILE.map((v) => [JSON.stringify(v).slice(0, 60), v]))('%s -> "/"', (_label, value) => {
    expect(sanitizeReturnTo(value)).toBe('/');
  });

  test.each([
    ['/me', '/me'],
    ['/files?path=/Shared&x=1#top', '/files?path=/Shared&x=1#top'],
    ['/a/./b/../c', '/a/c'],
    ['/search?q=https://evil.com', '/search?q=https://evil.com'],
    ['/caf%C3%A9', '/caf%C3%A9'],
    // A percent-encoded unicode slash stays in the path: browsers never decode it into a host.
    ['/%E2%88%95evil.com', '/%E2%88%95evil.com'],
    // Only what the URL parser leaves alone may come back unchanged.
    ['/./', '/'],
    ['/a/.', '/a/'],
    ['/a/..', '/'],
    ['/a/b/..?x=1', '/a/?x=1'],
    ['/a/..#x', '/#x'],
    ['/%2e%2e/a', '/a'],
    ['/.a/..b/...', '/.a/..b/...'],
    ['/a?/../b', '/a?/../b'],
    ['/a#/../b', '/a#/../b'],
    ['/a?', '/a'],
    ['/a#', '/a'],
    ['/a?#b', '/a#b'],
    ["/a'b", "/a'b"],
    ["/a?b'c", '/a?b%27c'],
    ['/a{b}', '/a%7Bb%7D'],
    ['/a{', '/a%7B'],
    ['/a`', '/a%60'],
    ['/a"', '/a%22'],
    ['/a?b?c#d?e', '/a?b?c#d?e'],
    ['/a#b#c', '/a#b#c'],
  ])('keeps same-site path %s as %s', (value, expected) => {
    expect(sanitizeReturnTo(value, '<refused>')).toBe(expected);
  });

  // Also after a character the parser would rewrite, which must not end the checks early.
  test.each([['/a\t'], ['/a\n'], ['/a b'], ['/a\u007f'], ['/caf\u00e9'], ['/a\u2215'], ['/\ud83d\ude00'], ['/a"b\t'], ['/./a\u00e9'], ['/a{b\\c']])(
    'refuses %j, a plain path but for a character that must arrive percent-encoded',
    (value) => {
      expect(sanitizeReturnTo(value, '<refused>')).toBe('<refused>');
    },
  );

  test('at most 2048 characters, after normalising too', () => {
    const longest = `/${'a'.repeat(2047)}`;
    expect(sanitizeReturnTo(longest, '<refused>')).toBe(longest);
    expect(sanitizeReturnTo(`${longest}a`, '<refused>')).toBe('<refused>');
    expect(sanitizeReturnTo(`/${'a'.repeat(2045)}/.`, '<refused>')).toBe(`/${'a'.repeat(2045)}/`);
    // '"' is encoded as "%22": 2048 characters that normalise to 2050.
    expect(sanitizeReturnTo(`/${'a'.repeat(2046)}"`, '<refused>')).toBe('<refused>');
  });

  test('non-strings and the fallback', () => {
    for (const v of [undefined, null, 42, ['/me'], { a: 1 }]) expect(sanitizeReturnTo(v)).toBe('/');
    expect(sanitizeReturnTo('//evil.com', '/home')).toBe('/home');
  });
});

describe('open redirect in the live flow', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  // Values a query string can carry (the login link limits returnTo to 4096 characters).
  const live = HOSTILE.filter((v) => v.length <= 4096);

  test.each(live.map((v) => [JSON.stringify(v).slice(0, 60), v]))('returnTo=%s ends on "/"', async (_label, value) => {
    const browser = h.browser();
    const callback = await startAttempt(browser, 'acme', { returnTo: value });
    const done = await browser.request(callback);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/');
  });

  test('an over-long returnTo is refused at login (400 invalid_request), not redirected', async () => {
    const browser = h.browser();
    const res = await browser.request(`/egnyte/login?returnTo=${encodeURIComponent(`/${'a'.repeat(5000)}`)}`, { accept: 'application/json' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    expect(res.headers.get('location')).toBeNull();
  });

  test('a same-site returnTo is honoured', async () => {
    const browser = h.browser();
    const callback = await startAttempt(browser, 'acme', { returnTo: '/files?path=%2FShared#top' });
    const done = await browser.request(callback);
    expect(done.headers.get('location')).toBe('/files?path=%2FShared#top');
  });

  test('the guard puts the original URL in returnTo, encoded, and it survives the round trip', async () => {
    const browser = h.browser();
    const res = await browser.request('/page?q=%22%3E%3Cscript%3E');
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toBe(`/egnyte/login?returnTo=${encodeURIComponent('/page?q=%22%3E%3Cscript%3E')}`);
    const landed = await browser.signIn('acme', { returnTo: new URL(location, h.baseUrl).searchParams.get('returnTo')! });
    expect(landed.url).toBe(`${h.baseUrl}/page?q=%22%3E%3Cscript%3E`);
    expect(landed.status).toBe(200);
  });
});
