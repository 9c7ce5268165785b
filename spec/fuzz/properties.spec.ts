/**
 * Property tests (fast-check, >= 2000 runs each) of the three pure gatekeepers:
 * - normalizeEgnyteDomain: the result is always `{one label}.{allowed suffix}`, or it
 *   throws EgnyteAuthError `invalid_domain`; valid names in every typed form normalise.
 * - sanitizeReturnTo: the result always stays on the site (`new URL(result, origin)` keeps
 *   the origin, a single leading "/", no "\\" or control characters), and is idempotent.
 * - parseCallbackParams: returns only single, bounded, printable strings copied from the
 *   query, or throws EgnyteAuthError `invalid_request`.
 */
import fc from 'fast-check';
import { parseCallbackParams } from '../../lib/flow/params.js';
import { normalizeEgnyteDomain } from '../../lib/config/domain.js';
import { EgnyteAuthError } from '../../lib/errors/errors.js';
import { sanitizeReturnTo } from '../../lib/config/return-to.js';
import { EGNYTE_SERVICE_LABELS } from '../../lib/config/service-hosts.js';

const RUNS = { numRuns: 3000 };
const SUFFIXES = ['egnyte.com', 'qa-egnyte.com'];
const RESULT = /^(?!..--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:egnyte\.com|qa-egnyte\.com)$/;

/** Pieces attackers and users type, glued together in any order. */
const DOMAIN_PIECES = fc.constantFrom(
  'acme', 'ACME', 'egnyte.com', '.egnyte.com', 'qa-egnyte.com', 'evil.com', '.', '..', '@', ':', ':443', '/', '//', '\\', '?', '#',
  '%2e', '%2f', '%40', 'http://', 'https://', 'ftp://', ' ', '\t', '\n', '\u0000', 'xn--', '-', '\u0430', '\u3002', '\uff0e',
  '127.0.0.1', '[::1]', 'user:pass@', 'a'.repeat(64), '.evil', 'com', 'www.',
);
const typedDomain = fc.oneof(
  fc.array(DOMAIN_PIECES, { maxLength: 8 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.webUrl(),
  fc.domain(),
);
// A customer's label: Egnyte's own service hosts (www, api, go, ...) are refused by design.
const label = fc
  .stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/)
  .filter((l) => !/^..--/.test(l) && !EGNYTE_SERVICE_LABELS.includes(l));

describe('normalizeEgnyteDomain', () => {
  test('always label.allowed-suffix, or invalid_domain', () => {
    fc.assert(
      fc.property(typedDomain, (input) => {
        let result: string;
        try {
          result = normalizeEgnyteDomain(input, { hostSuffixes: SUFFIXES });
        } catch (err) {
          return err instanceof EgnyteAuthError && err.code === 'invalid_domain' && err.status === 400;
        }
        return RESULT.test(result);
      }),
      RUNS,
    );
  });

  test('every typed form of a valid name normalises to the same host', () => {
    fc.assert(
      fc.property(label, fc.constantFrom(...SUFFIXES), fc.boolean(), fc.constantFrom('', '/', '/app/index.do', '?x=1', '#a'), (name, suffix, upper, tail) => {
        const host = `${name}.${suffix}`;
        const forms = [host, ` ${host} `, `https://${host}${tail}`, `${host}${tail}`, upper ? host.toUpperCase() : host];
        if (suffix === SUFFIXES[0]) forms.push(name);
        return forms.every((f) => normalizeEgnyteDomain(f, { hostSuffixes: SUFFIXES }) === host);
      }),
      RUNS,
    );
  });

  test('a valid host with anything glued after it is never accepted as another host', () => {
    fc.assert(
      fc.property(label, fc.constantFrom('.evil.com', '@evil.com', ':8443', '.', '%2eevil.com', '\\evil.com', '.egnyte.com.evil.com'), (name, glue) => {
        try {
          normalizeEgnyteDomain(`${name}.egnyte.com${glue}`);
          return false;
        } catch (err) {
          return err instanceof EgnyteAuthError && err.code === 'invalid_domain';
        }
      }),
      RUNS,
    );
  });
});

const RETURN_PIECES = fc.constantFrom(
  '/', '//', '\\', '/\\', '.', '..', '%2f', '%2F', '%5c', '%252f', '%25', '%', '@', ':', 'evil.com', 'https:', 'javascript:', '?', '#',
  '\t', '\n', '\r', ' ', '\u2215', '\uff0f', 'a', 'me', '%2e', '%00', '%0a', '&', '=',
);
// Paths that look plain, one character or segment away from what the URL parser rewrites.
const NEAR_PLAIN_SEGMENT = fc.constantFrom(
  '', 'a', 'me', 'evil.com', '.', '..', '...', '.a', 'a.', '..a', '%2e', '%2E', '.%2e', '%2e%2e', '%2f', '~', '-_', ':@', '!$&()*+,;=',
  "'", '"', '^', '{', '}', '|', '`', '[', ']', '<', '>', '\t', '\n', ' ', '\u007f', '\u00e9', '\u2215', '\\',
);
const nearPlainPath = fc
  .tuple(
    fc.array(NEAR_PLAIN_SEGMENT, { minLength: 1, maxLength: 6 }),
    fc.option(fc.array(NEAR_PLAIN_SEGMENT, { maxLength: 3 })),
    fc.option(fc.array(NEAR_PLAIN_SEGMENT, { maxLength: 3 })),
  )
  .map(([path, query, fragment]) => `/${path.join('/')}${query ? `?${query.join('/')}` : ''}${fragment ? `#${fragment.join('?')}` : ''}`);
const returnTo = fc.oneof(
  fc.array(RETURN_PIECES, { maxLength: 10 }).map((p) => p.join('')),
  fc.array(RETURN_PIECES, { maxLength: 10 }).map((p) => `/${p.join('')}`),
  fc.string({ maxLength: 60 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webPath(),
  nearPlainPath,
);

/** What the URL parser makes of `value` as a path on this site. */
function normalForm(value: string): string | undefined {
  try {
    const url = new URL(value, 'http://return-to.invalid');
    return url.pathname + url.search + url.hash;
  } catch {
    return undefined;
  }
}

// Characters the URL parser keeps as they are everywhere, and segments it does not rewrite.
const PLAIN = '[A-Za-z0-9\\-._~!$&()*+,;=:@]';
const plainSegment = fc.stringMatching(new RegExp(`^${PLAIN}{1,8}$`)).filter((s) => s !== '.' && s !== '..');
const plainPart = fc.stringMatching(new RegExp(`^(?:${PLAIN}|[/?]){1,12}$`));

function staysOnSite(result: string): boolean {
  const origin = 'https://app.example';
  return (
    result.startsWith('/') &&
    !result.startsWith('//') &&
    !result.includes('\\') &&
    // eslint-disable-next-line no-control-regex
    !/[\x00-\x20\x7f]/.test(result) &&
    new URL(result, origin).origin === origin &&
    new URL(result, 'http://other.test:8080/deep/path').host === 'other.test:8080'
  );
}

describe('sanitizeReturnTo', () => {
  test('the redirect target always stays on the site', () => {
    fc.assert(fc.property(returnTo, (value) => staysOnSite(sanitizeReturnTo(value))), RUNS);
  });

  test('is idempotent', () => {
    fc.assert(
      fc.property(returnTo, (value) => {
        const once = sanitizeReturnTo(value);
        return sanitizeReturnTo(once) === once;
      }),
      RUNS,
    );
  });

  // Found by the property above: normalising "/../" exposed a double-encoded "/" that the
  // first pass had decoded past, so a second pass refused what the first let through.
  test.each([['/../%252f'], ['/a/../%252f%252fevil.com'], ['/%2e%2e/%252f'], ['/./%25252f']])('is idempotent on %s', (value) => {
    const once = sanitizeReturnTo(value);
    expect(sanitizeReturnTo(once)).toBe(once);
    expect(staysOnSite(once)).toBe(true);
  });

  test('the result is what the URL parser makes of the value, or the fallback', () => {
    fc.assert(
      fc.property(returnTo, (value) => {
        const result = sanitizeReturnTo(value, '<refused>');
        return result === '<refused>' || result === normalForm(value);
      }),
      RUNS,
    );
  });

  test('a value with a "\\" or a character outside printable ASCII anywhere is refused', () => {
    fc.assert(
      fc.property(returnTo, (value) => !/[^\x21-\x7e]|\\/.test(value) || sanitizeReturnTo(value, '<refused>') === '<refused>'),
      RUNS,
    );
  });

  test('a path, query and fragment of plain characters, without dot segments, are kept', () => {
    fc.assert(
      fc.property(fc.array(plainSegment, { minLength: 1, maxLength: 5 }), fc.option(plainPart), fc.option(plainPart), (segments, query, fragment) => {
        const path = `/${segments.join('/')}${query === null ? '' : `?${query}`}${fragment === null ? '' : `#${fragment}`}`;
        return sanitizeReturnTo(path, '<refused>') === path;
      }),
      RUNS,
    );
  });

  // Not "never kept": Node 20's URL parser (ada 2.9) leaves "/a/.b/." as it is, and this
  // module follows the parser.
  test('a path with dot segments is what the URL parser makes of it', () => {
    fc.assert(
      fc.property(
        fc.array(plainSegment, { maxLength: 4 }),
        fc.array(plainSegment, { maxLength: 4 }),
        fc.constantFrom('.', '..', '%2e', '%2E.', '.%2e', '%2e%2e'),
        fc.constantFrom('', '/', '?x', '#x'),
        (before, after, dots, tail) => {
          const path = `/${[...before, dots, ...after].join('/')}${tail}`;
          return sanitizeReturnTo(path, '<refused>') === normalForm(path);
        },
      ),
      RUNS,
    );
  });

  test('a plain same-site path is kept', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), { minLength: 1, maxLength: 5 }), (segments) => {
        const path = `/${segments.join('/')}`;
        return sanitizeReturnTo(path) === path;
      }),
      RUNS,
    );
  });
});

const LIMITS: Record<string, number> = { code: 2048, state: 512, error: 128, domain: 512 };
const paramValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '\ufffd', 'a'.repeat(513), 'b'.repeat(2049), 'c'.repeat(129)),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
  fc.constant(undefined),
  fc.integer(),
);
const query = fc.oneof(
  fc.record(
    { code: paramValue, state: paramValue, error: paramValue, domain: paramValue, error_description: paramValue, other: paramValue },
    { requiredKeys: [] },
  ),
  fc.constantFrom(null, undefined, 'code=a', 42, []),
);

describe('parseCallbackParams', () => {
  test('single bounded printable strings copied from the query, or invalid_request', () => {
    fc.assert(
      fc.property(query, (q) => {
        let parsed: Record<string, string | undefined>;
        try {
          parsed = parseCallbackParams(q) as Record<string, string | undefined>;
        } catch (err) {
          return err instanceof EgnyteAuthError && err.code === 'invalid_request' && err.status === 400 && !err.message.includes('\n');
        }
        const source = (typeof q === 'object' && q !== null ? q : {}) as Record<string, unknown>;
        for (const [name, value] of Object.entries(parsed)) {
          if (!(name in LIMITS)) return false;
          if (typeof value !== 'string' || value === '' || value.length > LIMITS[name]!) return false;
          if (source[name] !== value) return false;
          if ((name === 'code' || name === 'state') && !/^[\x20-\x7e]+$/.test(value)) return false;
        }
        // Nothing readable was dropped silently: every non-empty string parameter is returned.
        for (const name of Object.keys(LIMITS)) {
          if (typeof source[name] === 'string' && source[name] !== '' && parsed[name] !== source[name]) return false;
        }
        return true;
      }),
      RUNS,
    );
  });
});
