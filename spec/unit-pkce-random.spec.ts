/** PKCE S256 on node:crypto, the pooled random values, and the default client's URL split. Pure. */
import { pkceChallenge, pkcePair } from '../lib/flow/pkce.js';
import { randomValue } from '../lib/random.js';
import { splitUrl } from '../lib/egnyte/http-client.js';

test("the S256 challenge is RFC 7636's (Appendix B)", () => {
  expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('a fresh pair: a 43-character unreserved verifier and its challenge', () => {
  const { codeVerifier, codeChallenge } = pkcePair();
  expect(codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(codeChallenge).toBe(pkceChallenge(codeVerifier));
});

test('random values never repeat, across refills of the pool, and have the asked length', () => {
  const seen = new Set<string>();
  // 32 bytes each: 1,000 values go through the 4 KiB pool about eight times.
  for (let i = 0; i < 1000; i++) seen.add(randomValue(32));
  expect(seen.size).toBe(1000);
  for (const value of seen) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(randomValue(18)).toMatch(/^[A-Za-z0-9_-]{24}$/);
});

test.each([
  ['https://acme.egnyte.com/pubapi/v1/userinfo', { origin: 'https://acme.egnyte.com', path: '/pubapi/v1/userinfo' }],
  ['http://127.0.0.1:8080/d/acme.egnyte.com/puboauth/token?x=1', { origin: 'http://127.0.0.1:8080', path: '/d/acme.egnyte.com/puboauth/token?x=1' }],
  ['https://acme.egnyte.com', { origin: 'https://acme.egnyte.com', path: '/' }],
])('%s splits into origin and path', (url, split) => {
  expect(splitUrl(url)).toEqual(split);
});

test.each([
  'https://user:pw@acme.egnyte.com/x', // userinfo: undici must see it
  'https://ACME.egnyte.com/x', // not in the canonical form URL gives
  'https://acme.egnyte.com?x=1',
  'https://acme.egnyte.com/x#fragment',
  'https://[::1]:8080/x',
  'ftp://acme.egnyte.com/x',
  'https:///x',
])('%s is left to undici to parse', (url) => {
  expect(splitUrl(url)).toBeUndefined();
});
