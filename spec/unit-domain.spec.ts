/** normalizeEgnyteDomain on the forms EGNYTE.md says users type, and on configured suffixes. */
import { EgnyteAuthError, normalizeEgnyteDomain } from '../lib/index.js';

test.each(['acme', 'ACME', ' acme.egnyte.com ', 'https://acme.egnyte.com/', 'acme.egnyte.com/app/index.do', 'http://ACME.EGNYTE.COM?x=1#y'])(
  '%j means acme.egnyte.com',
  (typed) => {
    expect(normalizeEgnyteDomain(typed)).toBe('acme.egnyte.com');
  },
);

test('a bare name takes the first configured suffix; every configured suffix is accepted', () => {
  const hostSuffixes = ['qa-egnyte.com', 'egnyte.com', 'egnytegov.com'];
  expect(normalizeEgnyteDomain('acme', { hostSuffixes })).toBe('acme.qa-egnyte.com');
  expect(normalizeEgnyteDomain('acme.egnyte.com', { hostSuffixes })).toBe('acme.egnyte.com');
  expect(normalizeEgnyteDomain('Agency.EgnyteGov.com', { hostSuffixes })).toBe('agency.egnytegov.com');
});

test('a suffix nested in another is matched however the list is ordered', () => {
  const hostSuffixes = ['egnyte.com', 'eu.egnyte.com'];
  expect(normalizeEgnyteDomain('acme.eu.egnyte.com', { hostSuffixes })).toBe('acme.eu.egnyte.com');
  expect(normalizeEgnyteDomain('acme.egnyte.com', { hostSuffixes })).toBe('acme.egnyte.com');
  expect(() => normalizeEgnyteDomain('a.b.eu.egnyte.com', { hostSuffixes })).toThrow(EgnyteAuthError);
});

test('refusals carry code invalid_domain and say what to type', () => {
  let caught: unknown;
  try {
    normalizeEgnyteDomain('acme.egnyte.com.evil.com');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(EgnyteAuthError);
  expect(caught).toMatchObject({ code: 'invalid_domain', status: 400 });
  expect((caught as Error).message).toMatch(/must end in \.egnyte\.com/);
  expect((caught as Error).message).toMatch(/e\.g\. "acme"/);
});
