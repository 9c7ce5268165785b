/**
 * `POST|GET /egnyte/logout`: the login ended everywhere (tombstone first, then revocation at
 * Egnyte, best effort), then the session ended. The tombstone comes before the session is
 * destroyed: that order is what lets logout win over writes still in flight.
 */
import type { Request, Response } from 'express';
import type { Runtime } from '../runtime.js';
import { endLoginEverywhere } from '../session/end-login.js';
import { endSession, requireSession } from '../session/express-session.js';
import { redirect } from '../web/redirect.js';

/** The logout route. */
export function logoutHandler(runtime: Runtime) {
  const { config } = runtime;
  return async (req: Request, res: Response): Promise<void> => {
    const session = requireSession(req);
    const login = session.egnyte?.login;
    if (login) await endLoginEverywhere(req, runtime, login, 'logout', config.revokeOnLogout);
    await endSession(req);
    redirect(res, config.postLogoutRedirect);
  };
}
