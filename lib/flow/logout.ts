/** `POST|GET /egnyte/logout`: revoke at Egnyte (best effort), then end the session. */
import type { Request, Response } from 'express';
import { revokeToken } from '../egnyte/api.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { endSession, requireSession } from '../session/express-session.js';

/** The logout route. */
export function logoutHandler(runtime: Runtime) {
  const { config } = runtime;
  return async (req: Request, res: Response): Promise<void> => {
    const session = requireSession(req);
    const login = session.egnyte?.login;
    if (login && config.revokeOnLogout) {
      try {
        await revokeToken(config, login.domain, login.tokens.accessToken);
      } catch (err) {
        // Signing out of this app must not depend on Egnyte answering.
        log.login('token revocation failed: %s', err instanceof EgnyteAuthError ? err.code : 'error');
      }
    }
    runtime.reloads.forget(req.sessionID);
    runtime.endedSessions.add(req.sessionID);
    await endSession(req);
    res.redirect(config.postLogoutRedirect);
  };
}

