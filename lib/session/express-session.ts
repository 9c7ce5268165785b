/** express-session access as promises, with store failures reported as `session_store_failed`. */
import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import { EgnyteAuthError } from '../errors/errors.js';
import { noSessionError } from '../errors/setup-mistakes.js';

/** The session of a request, with the package's data typed. */
export type EgnyteSession = Session & Partial<SessionData>;

/** The request's session, or `invalid_config` when express-session is not mounted before this package. */
export function requireSession(req: Request): EgnyteSession {
  if (!req.session) throw noSessionError();
  return req.session;
}

function storeFailure(action: string): EgnyteAuthError {
  return new EgnyteAuthError('session_store_failed', `The session store failed to ${action} the session. Try again in a moment.`, { retryAfter: 5 });
}

/** A new session id for the request (no fixation); the old session is destroyed. */
export function regenerateSession(req: Request): Promise<EgnyteSession> {
  return new Promise((resolve, reject) => {
    requireSession(req).regenerate((err: unknown) => (err ? reject(storeFailure('regenerate')) : resolve(requireSession(req))));
  });
}

/** Writes the session to its store now, so async stores hold it before the browser comes back. */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    requireSession(req).save((err: unknown) => (err ? reject(storeFailure('save')) : resolve()));
  });
}

/**
 * Ends the session at logout: a new id, and the old record destroyed. When the store cannot
 * destroy it, the old record is overwritten without the package's data instead, so the old
 * cookie signs no one in; only when that fails too is the logout reported as failed.
 */
export async function endSession(req: Request): Promise<void> {
  const old = requireSession(req);
  try {
    await regenerateSession(req);
  } catch (err) {
    delete old.egnyte;
    await new Promise<void>((resolve, reject) => old.save((saveErr: unknown) => (saveErr ? reject(err) : resolve())));
  }
}
