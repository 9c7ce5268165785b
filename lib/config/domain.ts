/**
 * Turning what people type into an Egnyte host, and refusing everything else before any
 * request is made: the client secret, codes and tokens only ever go to
 * `{one label}.{allowed suffix}`.
 */
import { EgnyteAuthError } from '../errors/errors.js';
import { isEgnyteServiceLabel } from './service-hosts.js';

/** Options of {@link normalizeEgnyteDomain}. */
export interface NormalizeDomainOptions {
  /** Allowed host suffixes; the first completes a bare name. Default `['egnyte.com']`. */
  hostSuffixes?: readonly string[];
}

/** The host suffixes used when none are configured. */
export const DEFAULT_HOST_SUFFIXES: readonly string[] = Object.freeze(['egnyte.com']);

const MAX_INPUT_LENGTH = 253;
// One DNS label: letters, digits, inner hyphens; no IDNA ("xx--") prefixes, so no punycode
// look-alikes of a customer's name.
const LABEL = /^(?!..--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SUFFIX = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** True when `suffix` is a syntactically valid host suffix such as `egnyte.com`. */
export function isValidHostSuffix(suffix: string): boolean {
  return SUFFIX.test(suffix);
}

function invalid(input: string, why: string): EgnyteAuthError {
  // The input is user-controlled: quote a bounded, printable excerpt only.
  const shown = input.length > 80 ? `${input.slice(0, 80)}…` : input;
  return new EgnyteAuthError(
    'invalid_domain',
    `"${shown.replace(/[^\x20-\x7e]/g, '?')}" is not an Egnyte domain: ${why}. ` +
      'Type your company\'s Egnyte name, e.g. "acme" or "acme.egnyte.com".',
  );
}

/** Takes the host part out of what a user typed: a bare name, a host, or a URL. */
function extractHost(input: string): string {
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//.exec(input);
  let rest = input;
  if (schemeMatch) {
    if (schemeMatch[1] !== 'https' && schemeMatch[1] !== 'http') throw invalid(input, 'only http(s) addresses are accepted');
    rest = input.slice(schemeMatch[0].length);
  }
  const end = rest.search(/[/?#]/);
  return end === -1 ? rest : rest.slice(0, end);
}

/**
 * Normalises a user-typed Egnyte domain to its host, e.g. `acme`, ` ACME.egnyte.com `,
 * `https://acme.egnyte.com/app/index.do` -> `acme.egnyte.com`.
 *
 * Pure; never makes a request. Refuses (throws {@link EgnyteAuthError} with code
 * `invalid_domain`) anything whose host is not exactly one label followed by an allowed
 * suffix: credentials (`@`), ports, IP literals, percent-encoding, backslashes, trailing
 * dots, non-ASCII and punycode labels, other hosts such as `acme.egnyte.com.evil.com`, and
 * Egnyte's own service hosts (`EGNYTE_SERVICE_LABELS`: `www`, `status`, the Enhanced
 * Auth Service hosts, ...), which are never a customer's domain.
 */
export function normalizeEgnyteDomain(input: string, options: NormalizeDomainOptions = {}): string {
  const suffixes = options.hostSuffixes ?? DEFAULT_HOST_SUFFIXES;
  if (typeof input !== 'string') throw invalid(String(input), 'expected text');
  const trimmed = input.trim().toLowerCase();
  if (trimmed === '') throw invalid(input, 'it is empty');
  if (trimmed.length > MAX_INPUT_LENGTH) throw invalid(input, 'it is too long');
  if (/[^\x21-\x7e]/.test(trimmed)) throw invalid(input, 'it contains spaces, control or non-ASCII characters');
  if (/[%\\@]/.test(trimmed)) throw invalid(input, 'it contains "%", "\\" or "@"');

  const host = extractHost(trimmed);
  if (host.includes(':')) throw invalid(input, 'ports and IP addresses are not accepted');
  if (host === '') throw invalid(input, 'it has no host name');
  const full = host.includes('.') ? host : `${host}.${suffixes[0] ?? 'egnyte.com'}`;

  // Longest suffix first, so "eu.egnyte.com" is tried before "egnyte.com" whatever the order.
  for (const suffix of [...suffixes].sort((a, b) => b.length - a.length)) {
    const tail = `.${suffix}`;
    if (full.endsWith(tail)) {
      const label = full.slice(0, -tail.length);
      if (!LABEL.test(label)) throw invalid(input, `"${label}" is not a single valid name before .${suffix}`);
      if (isEgnyteServiceLabel(label)) {
        throw invalid(input, `${full} is one of Egnyte's own service hosts (its sign-in service, website or help pages), not a company's Egnyte domain`);
      }
      return full;
    }
  }
  throw invalid(input, `the host must end in ${suffixes.map((s) => `.${s}`).join(' or ')}`);
}
