/**
 * Random values (states, PKCE verifiers, login ids) as base64url. Each value is cut from a
 * pool that the CSPRNG refills 4 KiB at a time, as Node's own randomUUID does: one call into
 * it per hundred values instead of one each, which cost more than the rest of making a login
 * URL. Every byte is handed out once and zeroed when taken.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` (at most 4096) fresh random bytes, base64url-encoded. */
export function randomValue(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const value = pool.toString('base64url', offset, offset + bytes);
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return value;
}
