/**
 * `GET /egnyte/callback`: the state check, the code exchange and the new signed-in session.
 */
import type { Request, Response } from 'express';
import type { ResolvedConfig } from '../config/options.js';
import { fetchEgnyteUser } from '../egnyte/api.js';
import { exchangeCode } from '../egnyte/token-client.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { regenerateSession, requireSession, saveSession } from '../session/express-session.js';
import type { EgnyteUser } from '../types.js';
import { callbackDomain, checkAllowed } from './callback-domain.js';
import { askForDomain } from './domain-prompt.js';
import { parseCallbackParams } from './params.js';
import { prunePending, takePending } from './pending-logins.js';

function stateRefusal(reason: 'no_session_data' | 'unknown' | 'expired', sentCookies: boolean): EgnyteAuthError {
  if (reason === 'no_session_data') {
    return new EgnyteAuthError(
      'session_missing',
      'This browser session has no sign-in in progress: ' +
        (sentCookies
          ? 'the session cookie (connect.sid unless express-session was given another `name`) came back, but its session holds no sign-in: it expired, the store lost it, or the sign-in started in another instance that shares no store. '
          : 'the browser sent no cookies with the callback. Likely causes: the session cookie is sameSite "strict", or "secure" while the app runs on http, or the app was opened on another host than baseUrl (localhost vs 127.0.0.1). ') +
        'Start the sign-in again.',
    );
  }
  return new EgnyteAuthError(
    'state_mismatch',
    reason === 'expired'
      ? 'This sign-in attempt expired (older than 10 minutes). Start the sign-in again.'
      : 'The sign-in callback does not match any sign-in started in this browser (forged, already used, or from another browser). Start the sign-in again.',
  );
}

function refusalOfAuthorizationError(error: string): EgnyteAuthError {
  if (error === 'access_denied') {
    return new EgnyteAuthError('access_denied', 'You declined to let this app use your Egnyte account, so you are not signed in.');
  }
  const safe = /^[a-z_]{1,64}$/.test(error) ? error : 'unknown';
  return new EgnyteAuthError('authorization_failed', `Egnyte did not sign you in (${safe}). Start the sign-in again.`);
}

/** Loads the user once at sign-in; throttling or an unreachable Egnyte leave it for the guard. */
async function userAtSignIn(config: ResolvedConfig, domain: string, accessToken: string): Promise<EgnyteUser | undefined> {
  try {
    return await fetchEgnyteUser(config, domain, accessToken);
  } catch (err) {
    if (err instanceof EgnyteAuthError && (err.code === 'rate_limited' || err.code === 'upstream_unavailable')) return undefined;
    throw err;
  }
}

/** The callback route. */
export function callbackHandler(config: ResolvedConfig) {
  return async (req: Request, res: Response): Promise<void> => {
    const session = requireSession(req);
    const params = parseCallbackParams(req.query);
    if (!params.state) {
      // Egnyte may leave `state` off a decline. Answering "you declined" changes nothing and
      // sends nothing anywhere, so it needs no state to be safe.
      if (params.error) throw refusalOfAuthorizationError(params.error);
      throw new EgnyteAuthError('state_missing', 'The sign-in callback has no "state" parameter, so it cannot be matched to a sign-in. Start the sign-in again.');
    }
    const taken = takePending(session.egnyte, params.state, Date.now());
    if (!taken.ok) {
      log.callback('refused callback: %s', taken.reason);
      throw stateRefusal(taken.reason, Boolean(req.headers.cookie));
    }
    if (params.error) throw refusalOfAuthorizationError(params.error);
    if (!params.code) throw new EgnyteAuthError('missing_code', 'The sign-in callback has no "code" parameter. Start the sign-in again.');

    const domain = callbackDomain(req, config, taken.entry.domain, params.domain);
    if (domain === undefined) return askForDomain(req, res, config, taken.entry.returnTo);
    checkAllowed(config, domain);
    const tokens = await exchangeCode(config, domain, params.code, params.state);
    const user = await userAtSignIn(config, domain, tokens.accessToken);
    const now = Date.now();
    const otherAttempts = prunePending(session.egnyte?.pending, now);

    const fresh = await regenerateSession(req);
    fresh.egnyte = {
      ...(Object.keys(otherAttempts).length > 0 ? { pending: otherAttempts } : {}),
      login: { domain, tokens, ...(user ? { user, userFetchedAt: now } : {}), loggedInAt: now },
    };
    // Awaited so a store failure becomes a clear 503 rather than a redirect into a lost login.
    // express-session writes the regenerated session once more at the end of the response
    // (it cannot know this save happened): one extra write per sign-in, off the hot path.
    // That end-of-response write also runs after a failed save, so the login is dropped first:
    // a 503 that says the sign-in was not saved must not leave the browser signed in.
    try {
      await saveSession(req);
    } catch (err) {
      delete fresh.egnyte.login;
      throw err;
    }
    log.callback('signed in on %s', domain);
    res.redirect(taken.entry.returnTo);
  };
}

