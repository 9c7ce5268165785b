/**
 * How a login's token set is kept inside its record: sealed on the way in, opened only where a
 * token is used (a call to Egnyte, a refresh, a revocation, a background job), never on a
 * guarded request that does not call Egnyte. The seal is bound to its login: a sealed value
 * opens only for the login id it was sealed for.
 */
import type { EgnyteTokenSet } from '../session/types.js';

/** Seals and opens token sets for one `egnyteAuth()`. */
export interface TokenSeal {
  /** The stored form of `tokens` for `loginId`. */
  seal(loginId: string, tokens: EgnyteTokenSet): string;
  /** The token set of `loginId` back; throws when `sealed` was not sealed for it, or is damaged. */
  open(loginId: string, sealed: string): EgnyteTokenSet;
}

function isTokenSet(value: unknown): value is EgnyteTokenSet {
  const tokens = value as Partial<EgnyteTokenSet> | null;
  return typeof tokens === 'object' && tokens !== null && typeof tokens.accessToken === 'string' && typeof tokens.tokenType === 'string';
}

/** Checks what an opened value holds: a token set, or a clear failure. */
export function asTokenSet(value: unknown): EgnyteTokenSet {
  if (!isTokenSet(value)) throw new TypeError('the sealed value holds no token set');
  return value;
}

/** JSON with the login id alongside: the seal before encryption at rest. */
export const plainTokenSeal: TokenSeal = {
  seal: (loginId, tokens) => JSON.stringify({ l: loginId, t: tokens }),
  open: (loginId, sealed) => {
    const parsed = JSON.parse(sealed) as { l?: unknown; t?: unknown };
    if (parsed.l !== loginId) throw new TypeError('the sealed value belongs to another login');
    return asTokenSet(parsed.t);
  },
};
