/**
 * Egnyte's own service hosts are never a tenant (EGNYTE.md, "Security notes"): they are
 * refused as a domain wherever one is read, so a code or the client secret never goes there.
 */
import { EGNYTE_SERVICE_LABELS, EgnyteAuthError, normalizeEgnyteDomain } from '../lib/index.js';
import { resolveConfig } from '../lib/config/options.js';

const BASE = { clientId: 'k', clientSecret: 's', baseUrl: 'https://app.example' };

test('the documented list holds the Enhanced Auth hosts and the usual service names', () => {
  expect(EGNYTE_SERVICE_LABELS).toEqual(
    expect.arrayContaining(['us-partner-integrations', 'partner-integrations', 'www', 'developers', 'status', 'helpdesk', 'api', 'support', 'community', 'partners', 'go', 'blog']),
  );
  expect(Object.isFrozen(EGNYTE_SERVICE_LABELS)).toBe(true);
});

test.each(EGNYTE_SERVICE_LABELS.flatMap((label) => [[label], [`${label}.egnyte.com`], [`https://${label.toUpperCase()}.egnyte.com/x`]]))(
  '%s: invalid_domain, saying it is one of Egnyte\'s own hosts',
  (input) => {
    let caught: unknown;
    try {
      normalizeEgnyteDomain(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EgnyteAuthError);
    expect(caught).toMatchObject({ code: 'invalid_domain', status: 400 });
    expect((caught as Error).message).toMatch(/is one of Egnyte's own service hosts .*not a company's Egnyte domain/);
  },
);

test('under every allowed suffix', () => {
  expect(() => normalizeEgnyteDomain('status.qa-egnyte.com', { hostSuffixes: ['egnyte.com', 'qa-egnyte.com'] })).toThrow(/Egnyte's own service hosts/);
  expect(() => normalizeEgnyteDomain('www', { hostSuffixes: ['egnytegov.com'] })).toThrow(/Egnyte's own service hosts/);
});

test('names that merely contain a service name are customers like any other', () => {
  for (const name of ['statuspage', 'www2', 'api-corp', 'gogo', 'blogger', 'acme']) {
    expect(normalizeEgnyteDomain(name)).toBe(`${name}.egnyte.com`);
  }
});

test('options: a service host as `domain` or in `allowedDomains` is a configuration problem', () => {
  expect(() => resolveConfig({ ...BASE, domain: 'www' })).toThrow(expect.objectContaining({ code: 'invalid_config', problems: [expect.stringMatching(/^domain: .*Egnyte's own service hosts/)] }));
  expect(() => resolveConfig({ ...BASE, allowedDomains: ['acme', 'status.egnyte.com'] })).toThrow(
    expect.objectContaining({ code: 'invalid_config', problems: [expect.stringMatching(/^allowedDomains: .*Egnyte's own service hosts/)] }),
  );
});
