/**
 * Validating `egnytePasswordGrant()` options: every problem is collected and thrown together
 * (like `egnyteAuth()`'s), and no problem ever quotes the password or the secret.
 */
import { DEFAULT_HOST_SUFFIXES, isValidHostSuffix, normalizeEgnyteDomain } from '../config/domain.js';
import type { FetchLike } from '../egnyte/config.js';
import { EgnyteAuthError } from '../errors/errors.js';
import type { EgnyteTokenSet } from '../egnyte/token-set.js';
import type { EgnyteEndpoints } from '../types.js';
import type { EgnyteLimiterFactory, EgnytePacer } from '../egnyte/pacing.js';

/**
 * Options of `egnytePasswordGrant()`: the user's `username` and `password`, or the `tokens` an
 * earlier grant returned (or both: the tokens while they last, then a new grant). Egnyte allows
 * an internal application 10 token requests per user per hour: keep the tokens and reuse them.
 */
export type EgnytePasswordGrantOptions = EgnytePasswordGrantCommonOptions &
  (
    | {
        /** The user's Egnyte username. */
        username: string;
        /** The user's Egnyte password. Sent to Egnyte's token endpoint only; never logged or quoted. */
        password: string;
        /** Tokens of an earlier grant, used instead of a new token request until they expire. */
        tokens?: EgnyteTokenSet;
      }
    | {
        username?: undefined;
        password?: undefined;
        /**
         * The `tokens` an earlier grant returned (e.g. stored as JSON): the client is built on
         * them without a token request. Expired ones throw `login_required` (no credentials to renew them).
         */
        tokens: EgnyteTokenSet;
      }
  );

/** The options of `egnytePasswordGrant()` besides the credentials or tokens. */
export interface EgnytePasswordGrantCommonOptions {
  /** The user's Egnyte domain, as typed (`acme`, `acme.egnyte.com`, `https://acme.egnyte.com/`). */
  domain: string;
  /** The API key of an internal application (a partner key cannot use this grant). */
  clientId: string;
  /** Scopes to ask for, as an array or a space-separated string. None: all the key allows. */
  scope?: string | readonly string[];
  /** The key's secret. Egnyte's SDKs send none for this grant; sent only when given. */
  clientSecret?: string;
  /** Where to reach Egnyte, for emulators and tests only (as for `egnyteAuth`). */
  endpoints?: EgnyteEndpoints;
  /** Accepted Egnyte host suffixes. Default `['egnyte.com']`. */
  hostSuffixes?: readonly string[];
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Timeout of every request to Egnyte, in ms. Default `10000`. */
  timeoutMs?: number;
  /** Where the pacing counts live, e.g. Redis to share them between instances. Default: this process. */
  limiter?: EgnyteLimiterFactory;
  /** Calls per second for the token. Default `2`. */
  perSecond?: number;
  /** Calls per day for the token; `0` turns the count off. Default `1000`. */
  perDay?: number;
  /** Longest wait for a pacing slot, in ms. Default `10000`. */
  apiWaitMs?: number;
  /** An existing pacer to share (instead of `limiter`, `perSecond`, `perDay`, `apiWaitMs`). */
  pacer?: EgnytePacer;
}

/** The options after validation. */
export interface ResolvedPasswordGrant {
  domain: string;
  clientId: string;
  /** Absent when only `tokens` were given. */
  credentials: { username: string; password: string } | undefined;
  /** Stored tokens to use instead of a token request. */
  tokens: EgnyteTokenSet | undefined;
  scope: string | undefined;
  clientSecret: string | undefined;
  endpoints: EgnyteEndpoints | undefined;
  hostSuffixes: readonly string[];
  fetch: FetchLike | undefined;
  timeoutMs: number | undefined;
  pacing: Pick<EgnytePasswordGrantCommonOptions, 'limiter' | 'perSecond' | 'perDay' | 'apiWaitMs' | 'pacer'>;
}

const KNOWN = new Set([
  'domain', 'clientId', 'username', 'password', 'tokens', 'scope', 'clientSecret', 'endpoints', 'hostSuffixes', 'fetch', 'timeoutMs',
  'limiter', 'perSecond', 'perDay', 'apiWaitMs', 'pacer',
]);
const PACING = ['limiter', 'perSecond', 'perDay', 'apiWaitMs'] as const;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function integer(value: unknown, min: number): boolean {
  return value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= min);
}

function scopeOf(value: unknown, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  const tokens = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (!tokens || !tokens.every((t) => typeof t === 'string' && SCOPE_TOKEN.test(t))) {
    problems.push('scope must be an array of scope names or a space-separated string, e.g. ["Egnyte.filesystem"].');
    return undefined;
  }
  return tokens.length > 0 ? tokens.join(' ') : undefined;
}

function suffixesOf(value: unknown, problems: string[]): readonly string[] {
  if (value === undefined) return DEFAULT_HOST_SUFFIXES;
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => typeof s === 'string' && isValidHostSuffix(s.toLowerCase()))) {
    problems.push('hostSuffixes must be a non-empty array of host suffixes, e.g. ["egnyte.com", "qa-egnyte.com"].');
    return DEFAULT_HOST_SUFFIXES;
  }
  return value.map((s: string) => s.toLowerCase());
}

function checkPacing(given: Record<string, unknown>, problems: string[]): void {
  if (given.limiter !== undefined && typeof given.limiter !== 'function') problems.push('limiter must be a function ({ keyPrefix, points, duration }) => limiter.');
  if (!integer(given.perSecond, 1)) problems.push('perSecond must be an integer >= 1.');
  if (!integer(given.perDay, 0)) problems.push('perDay must be an integer >= 0 (0 turns the daily count off).');
  if (!integer(given.apiWaitMs, 0)) problems.push('apiWaitMs must be an integer >= 0.');
  if (given.pacer !== undefined) {
    if (typeof (given.pacer as { acquire?: unknown } | null)?.acquire !== 'function') problems.push('pacer must be made by createEgnytePacer().');
    if (PACING.some((k) => given[k] !== undefined)) problems.push('pass either pacer or limiter/perSecond/perDay/apiWaitMs, not both.');
  }
}

/**
 * The stored `tokens`, checked for the shape a grant returns (they usually come back from JSON).
 * A problem never quotes them: they are credentials.
 */
function tokensOf(value: unknown, problems: string[]): EgnyteTokenSet | undefined {
  if (value === undefined) return undefined;
  const t = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const optional = (name: string, type: 'string' | 'number'): boolean => t[name] === undefined || typeof t[name] === type;
  if (!nonEmpty(t.accessToken) || !nonEmpty(t.tokenType) || !optional('refreshToken', 'string') || !optional('scope', 'string') ||
    !(t.expiresAt === undefined || (typeof t.expiresAt === 'number' && Number.isFinite(t.expiresAt)))) {
    problems.push('tokens must be the tokens a grant returned: { accessToken, tokenType, refreshToken?, expiresAt?, scope? } (e.g. JSON.parse of the stored egnyte.tokens).');
    return undefined;
  }
  return {
    accessToken: t.accessToken as string,
    tokenType: t.tokenType as string,
    ...(t.refreshToken !== undefined ? { refreshToken: t.refreshToken as string } : {}),
    ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt as number } : {}),
    ...(t.scope !== undefined ? { scope: t.scope as string } : {}),
  };
}

/**
 * Validates `egnytePasswordGrant()` options. Throws one `invalid_config`
 * {@link EgnyteAuthError} listing every problem.
 */
export function resolvePasswordGrantOptions(options: EgnytePasswordGrantOptions): ResolvedPasswordGrant {
  if (typeof options !== 'object' || options === null) {
    throw new EgnyteAuthError('invalid_config', 'egnytePasswordGrant(options): options must be an object with domain, clientId, and username and password or tokens.', {
      problems: ['options must be an object'],
    });
  }
  const given = options as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(given)) {
    if (!KNOWN.has(key)) problems.push(`unknown option "${key.slice(0, 40)}" (known: ${[...KNOWN].join(', ')}).`);
  }
  const hostSuffixes = suffixesOf(given.hostSuffixes, problems);
  let domain = '';
  if (!nonEmpty(given.domain)) problems.push('domain is required: the user\'s Egnyte domain, e.g. "acme" or "acme.egnyte.com".');
  else {
    try {
      domain = normalizeEgnyteDomain(given.domain, { hostSuffixes });
    } catch (err) {
      problems.push(`domain: ${(err as Error).message}`);
    }
  }
  if (!nonEmpty(given.clientId)) problems.push('clientId is required: the API key of your internal Egnyte application.');
  const tokens = tokensOf(given.tokens, problems);
  const credentialsGiven = given.username !== undefined || given.password !== undefined;
  if (!credentialsGiven && given.tokens === undefined) {
    problems.push('give username and password, or tokens (the tokens an earlier grant returned, to reuse them).');
  } else if (credentialsGiven) {
    if (!nonEmpty(given.username)) problems.push('username is required (a non-empty string).');
    if (typeof given.password !== 'string' || given.password === '') problems.push('password is required (a non-empty string).');
  }
  if (given.clientSecret !== undefined && !nonEmpty(given.clientSecret)) problems.push('clientSecret, when given, must be a non-empty string.');
  const scope = scopeOf(given.scope, problems);
  const endpoints = given.endpoints as EgnyteEndpoints | undefined;
  if (endpoints !== undefined && (typeof endpoints !== 'object' || endpoints === null || (endpoints.domainBaseUrl !== undefined && typeof endpoints.domainBaseUrl !== 'function'))) {
    problems.push('endpoints must be an object { domainBaseUrl?: (host) => string }.');
  }
  if (given.fetch !== undefined && typeof given.fetch !== 'function') problems.push('fetch must be a fetch-compatible function.');
  if (given.timeoutMs !== undefined && (typeof given.timeoutMs !== 'number' || !Number.isFinite(given.timeoutMs) || given.timeoutMs < 1)) {
    problems.push('timeoutMs must be a number >= 1.');
  }
  checkPacing(given, problems);
  if (problems.length > 0) {
    throw new EgnyteAuthError(
      'invalid_config',
      `egnytePasswordGrant(options) has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { problems },
    );
  }
  return {
    domain,
    clientId: (given.clientId as string).trim(),
    credentials: credentialsGiven ? { username: (given.username as string).trim(), password: given.password as string } : undefined,
    tokens,
    scope,
    clientSecret: given.clientSecret as string | undefined,
    endpoints,
    hostSuffixes,
    fetch: given.fetch as FetchLike | undefined,
    timeoutMs: given.timeoutMs as number | undefined,
    pacing: { limiter: options.limiter, perSecond: options.perSecond, perDay: options.perDay, apiWaitMs: options.apiWaitMs, pacer: options.pacer },
  };
}
