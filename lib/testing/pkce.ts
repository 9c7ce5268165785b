/**
 * PKCE (RFC 7636) as the emulator checks it. No public source shows Egnyte implementing PKCE
 * (EGNYTE.md): a server that does not know it ignores the parameters, which is why sending them
 * is always safe. The emulator checks them whenever a challenge was given, so the specs prove
 * the package sends the right verifier, and ignores them otherwise, as Egnyte does.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** A code challenge of an authorization request. */
export interface PkceChallenge {
  challenge: string;
  method: 'S256' | 'plain';
}

// RFC 7636 section 4.1/4.2: 43 to 128 unreserved characters.
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * Reads `code_challenge` and `code_challenge_method`. Pure. `undefined` without a challenge;
 * an error message for a malformed one or an unknown method (the method defaults to `plain`).
 */
export function readPkceChallenge(params: Record<string, string>): PkceChallenge | undefined | { error: string } {
  const challenge = params.code_challenge;
  if (challenge === undefined || challenge === '') return undefined;
  const method = params.code_challenge_method ?? 'plain';
  if (method !== 'S256' && method !== 'plain') return { error: 'code_challenge_method must be S256 or plain.' };
  if (!PKCE_VALUE.test(challenge)) return { error: 'code_challenge must be 43 to 128 unreserved characters.' };
  return { challenge, method };
}

/** True when `verifier` answers `pkce`. Pure. */
export function verifiesPkce(pkce: PkceChallenge, verifier: string | undefined): boolean {
  if (verifier === undefined || !PKCE_VALUE.test(verifier)) return false;
  const expected = pkce.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  const a = Buffer.from(expected);
  const b = Buffer.from(pkce.challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
