/**
 * `POST /egnyte/logout` (one that is not cross-site: logout-page.ts checks it, and answers a
 * `GET`): the login ended everywhere (login/end.ts: its record becomes a tombstone, its tokens
 * are revoked at Egnyte, `onLogout` is told once), then the session ended. The tombstone comes
 * before the session is destroyed: that order is what lets logout win over writes still in
 * flight (session/write-guard.ts). All or nothing: when the coordination backend cannot record
 * the end, the answer is 503 and the user is still signed in, so trying again signs them out
 * everywhere rather than only here.
 */
import type { Request, Response } from 'express';
import { EgnyteAuthError, isEgnyteAuthError } from '../errors/errors.js';
import { endLogin } from '../login/end.js';
import { isLegacyLogin, migrateLegacyLogin } from '../login/migrate.js';
import type { Runtime } from '../guard/runtime.js';
import { endSession, requireSession } from '../session/express-session.js';
import { storedUser } from '../session/stored-user.js';
import { redirect } from '../web/redirect.js';

function notSignedOut(): EgnyteAuthError {
  return new EgnyteAuthError(
    'coordination_unavailable',
    'You are still signed in: the app cannot reach its coordination store (Redis) to end your sign-in everywhere right now. Try signing out again in a moment.',
    { retryAfter: 5 },
  );
}

/** The logout route. */
export function logoutHandler(runtime: Runtime) {
  const { config } = runtime;
  return async (req: Request, res: Response): Promise<void> => {
    const session = requireSession(req);
    const stored = session.egnyte?.login;
    // A session 0.1.0 stored has its tokens with it: moved to a record first, so they are revoked too.
    const login = stored && isLegacyLogin(stored) ? await migrateLegacyLogin(runtime.logins, req, stored) : stored;
    if (login) {
      try {
        await endLogin(runtime.logins, login.id, 'logout', { req, user: storedUser(login), domain: login.domain });
      } catch (err) {
        throw isEgnyteAuthError(err, 'coordination_unavailable') ? notSignedOut() : err;
      }
    }
    await endSession(req);
    redirect(res, config.postLogoutRedirect);
  };
}
