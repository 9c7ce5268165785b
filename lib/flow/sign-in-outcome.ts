/**
 * What a callback's sign-in ended with, as plain data shared by every request that brings
 * the same `state` (a reload of a slow callback, a restored tab), on any instance.
 */
import { createHash } from 'node:crypto';
import type { EgnyteAuthErrorData } from '../errors/errors.js';

/**
 * The outcome of one sign-in attempt. It names no session: a twin or a superseded attempt learns
 * where to go, never which session signed in (that would hand the session to whoever brings the
 * state).
 */
export type SignInOutcome = { kind: 'signed_in'; returnTo: string } | { kind: 'failed'; error: EgnyteAuthErrorData };

/** The key a state is known by in the coordination backend: a hash, so the backend never holds a usable state. */
export function stateKey(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}
