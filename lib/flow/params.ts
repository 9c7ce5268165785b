/** Reading the query of the login and callback routes: one bounded string per parameter, or a clear refusal. Pure. */
import { EgnyteAuthError } from '../errors/errors.js';

/** The callback parameters the package reads. */
export interface CallbackParams {
  code?: string;
  state?: string;
  error?: string;
  domain?: string;
}

/** The login parameters the package reads. */
export interface LoginParams {
  returnTo?: string;
  domain?: string;
  region?: string;
}

const CALLBACK_LIMITS = { code: 2048, state: 512, error: 128, error_description: 2048, domain: 512 } as const;
const LOGIN_LIMITS = { returnTo: 4096, domain: 512, region: 8 } as const;

/**
 * Reads each named parameter as one string of at most its limit. Repeated or structured
 * parameters (`code=a&code=b`, `code[x]=`) and oversized values throw `invalid_request`;
 * values are never echoed. Empty values count as absent.
 */
function readParams<K extends string>(query: unknown, limits: Readonly<Record<K, number>>, where: string): Partial<Record<K, string>> {
  const source = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const out: Partial<Record<K, string>> = {};
  for (const name of Object.keys(limits) as K[]) {
    if (!Object.hasOwn(source, name)) continue;
    const value = source[name];
    if (typeof value !== 'string') {
      throw new EgnyteAuthError('invalid_request', `The ${where} has "${name}" more than once or in an unexpected form. Start the sign-in again.`);
    }
    if (value.length > limits[name]) {
      throw new EgnyteAuthError('invalid_request', `The ${where}'s "${name}" is too long. Start the sign-in again.`);
    }
    if (value !== '') out[name] = value;
  }
  return out;
}

// RFC 6749 appendix A: `code` and `state` are VSCHAR (printable ASCII). Anything else (a
// broken "%ff", NUL, CR/LF, non-ASCII) is junk or an attack, refused before Egnyte is asked.
const VSCHARS = /^[\x20-\x7e]+$/;

/** Reads `code`, `state`, `error` and `domain` from the callback's parsed query. */
export function parseCallbackParams(query: unknown): CallbackParams {
  const { code, state, error, domain } = readParams(query, CALLBACK_LIMITS, 'sign-in callback');
  for (const [name, value] of [['code', code], ['state', state]] as const) {
    if (value !== undefined && !VSCHARS.test(value)) {
      throw new EgnyteAuthError('invalid_request', `The sign-in callback's "${name}" contains characters a sign-in never has. Start the sign-in again.`);
    }
  }
  return { ...(code ? { code } : {}), ...(state ? { state } : {}), ...(error ? { error } : {}), ...(domain ? { domain } : {}) };
}

/** Reads `returnTo`, `domain` and `region` from the login route's parsed query. */
export function parseLoginParams(query: unknown): LoginParams {
  const params = readParams(query, LOGIN_LIMITS, 'sign-in link');
  const domain = params.domain?.trim();
  return {
    ...(params.returnTo ? { returnTo: params.returnTo } : {}),
    ...(domain ? { domain } : {}),
    ...(params.region ? { region: params.region } : {}),
  };
}
