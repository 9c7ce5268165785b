/**
 * PKCE (RFC 7636) with S256, on node:crypto. openid-client's helpers hash through WebCrypto's
 * asynchronous digest, which cost a login about a tenth of a millisecond for a few microseconds
 * of hashing.
 */
import { createHash } from 'node:crypto';
import { randomValue } from '../random.js';

/** The S256 challenge of `verifier`: base64url(SHA-256(verifier)). Pure. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh verifier (32 random bytes: 43 characters, RFC 7636's minimum length) and its challenge. */
export function pkcePair(): { codeVerifier: string; codeChallenge: string } {
  const codeVerifier = randomValue(32);
  return { codeVerifier, codeChallenge: pkceChallenge(codeVerifier) };
}
