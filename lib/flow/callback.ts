/**
 * `GET /egnyte/callback`: the state check, the code exchange and the new signed-in session.
 * A state is used once across every instance: concurrent callbacks with one state make one
 * code exchange, and the others answer with its outcome.
 */
import type { Request, Response } from 'express';
import { EgnyteAuthError, asEgnyteAuthError, errorFromData, errorToData } from '../errors/errors.js';
import { type LostSessionClues, lostSessionClues, lostSessionMessage } from '../errors/setup-mistakes.js';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { pacedUser } from '../guard/reload.js';
import { revokeTokens } from '../session/end-login.js';
import { adoptSession, regenerateSession, requireSession, saveSession } from '../session/express-session.js';
import { savingNewLogin } from '../session/write-guard.js';
import type { EgnyteLogin, EgnytePendingLogin, EgnyteUser } from '../types.js';
import { callbackDomain, checkAllowed } from './callback-domain.js';
import { decideSignIn, runHook } from './hooks.js';
import { askForDomain } from './domain-prompt.js';
import { exchangeForAttempt } from './exchange-limits.js';
import { parseCallbackParams } from './params.js';
import { atSignIn } from './sign-in-errors.js';
import { prunePending, takePending } from './pending-logins.js';
import { type SignInOutcome, newLoginId, stateKey } from './sign-in-outcome.js';
import { redirect } from '../web/redirect.js';

function stateRefusal(reason: 'no_session_data' | 'unknown' | 'expired', clues: LostSessionClues): EgnyteAuthError {
  if (reason === 'no_session_data') return new EgnyteAuthError('session_missing', lostSessionMessage(clues));
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
async function userAtSignIn(runtime: Runtime, loginId: string, domain: string, accessToken: string): Promise<EgnyteUser | undefined> {
  try {
    return await pacedUser(runtime, loginId, domain, accessToken, true);
  } catch (err) {
    if (err instanceof EgnyteAuthError && (err.code === 'rate_limited' || err.code === 'upstream_unavailable')) return undefined;
    throw atSignIn(err);
  }
}

/**
 * The other tabs' attempts end with this sign-in: their callbacks, when they come, go where
 * they were headed, signed in, without a second code exchange (best effort).
 */
async function supersede(runtime: Runtime, others: readonly EgnytePendingLogin[], sessionId: string): Promise<void> {
  await Promise.all(
    others.map((entry) => runtime.signIns.share(stateKey(entry.state), { kind: 'signed_in', sessionId, returnTo: entry.returnTo }).catch(() => undefined)),
  );
}

interface Attempt {
  domain: string;
  code: string;
  state: string;
  entry: EgnytePendingLogin;
}

/**
 * The sign-in proper: exchange, user, a regenerated session holding only the new login (no
 * attempts of other tabs), its shared token record, and an awaited save. Tokens obtained
 * are revoked when anything after the exchange fails, so a failed sign-in leaves no live token.
 */
async function signIn(req: Request, runtime: Runtime, attempt: Attempt): Promise<SignInOutcome> {
  const { domain } = attempt;
  const others = prunePending(requireSession(req).egnyte?.pending, Date.now());
  try {
    const tokens = await exchangeForAttempt(req, runtime, attempt);
    try {
      const { config } = runtime;
      const loginId = newLoginId();
      const hooked = config.afterCallback !== undefined || config.onLogin !== undefined;
      // The app's hooks are promised the user: without it (Egnyte throttling) the sign-in waits for another try.
      const user = hooked ? await pacedUser(runtime, loginId, domain, tokens.accessToken, true) : await userAtSignIn(runtime, loginId, domain, tokens.accessToken);
      const decided = user ? await decideSignIn(config.afterCallback, { req, user, domain }) : {};
      const now = Date.now();
      const login: EgnyteLogin = {
        id: loginId,
        domain,
        tokens,
        tokensVersion: 1,
        ...(user ? { userinfo: user.raw, userFetchedAt: now } : {}),
        ...(decided.user ? { userExtra: decided.user } : {}),
        ...(decided.data !== undefined ? { data: decided.data } : {}),
        loggedInAt: now,
      };
      // The login's shared record and the new session do not depend on each other: both at once.
      const recorded = runtime.logins.create(login.id, domain, tokens);
      let fresh;
      try {
        fresh = await regenerateSession(req);
      } catch (err) {
        await recorded.catch(() => undefined);
        throw err;
      }
      // Only the new login: attempts of other tabs stay behind with the anonymous session.
      fresh.egnyte = { login };
      try {
        await recorded;
        // Awaited so a store failure becomes a clear 503 rather than a redirect into a lost login.
        savingNewLogin(fresh);
        await saveSession(req);
      } catch (err) {
        // express-session writes once more at the end of the response, even after a failed
        // save: that write must sign no one in, and should keep the other tabs' attempts.
        fresh.egnyte = others.length > 0 ? { pending: others } : {};
        throw err;
      }
      log.callback('signed in on %s', domain);
      await supersede(runtime, others, req.sessionID);
      if (user) await runHook('onLogin', config.onLogin, { req, user: { ...decided.user, ...user }, domain, loginId: login.id });
      return { kind: 'signed_in', sessionId: req.sessionID, returnTo: attempt.entry.returnTo };
    } catch (err) {
      await revokeTokens(runtime, domain, tokens);
      throw err;
    }
  } catch (err) {
    return { kind: 'failed', error: errorToData(asEgnyteAuthError(err, 'Signing in failed unexpectedly.')) };
  }
}

/** The callback route. */
export function callbackHandler(runtime: Runtime) {
  const { config } = runtime;
  return async (req: Request, res: Response): Promise<void> => {
    const session = requireSession(req);
    const params = parseCallbackParams(req.query);
    if (!params.state) {
      // Egnyte may leave `state` off a decline. Answering "you declined" changes nothing and
      // sends nothing anywhere, so it needs no state to be safe.
      if (params.error) throw refusalOfAuthorizationError(params.error);
      throw new EgnyteAuthError('state_missing', 'The sign-in callback has no "state" parameter, so it cannot be matched to a sign-in. Start the sign-in again.');
    }
    const key = stateKey(params.state);
    const taken = takePending(session.egnyte, params.state, Date.now());
    if (!taken.ok) {
      log.callback('refused callback: %s', taken.reason);
      // A callback that already signed this browser in (a reload, a restored tab): go where it went.
      const earlier = await runtime.signIns.peek(key);
      if (earlier?.kind === 'signed_in') return redirect(res, earlier.returnTo);
      if (session.egnyte?.login) return redirect(res, config.homePath);
      throw stateRefusal(taken.reason, lostSessionClues(req, config.baseUrl));
    }
    if (params.error) throw refusalOfAuthorizationError(params.error);
    if (!params.code) throw new EgnyteAuthError('missing_code', 'The sign-in callback has no "code" parameter. Start the sign-in again.');

    const domain = callbackDomain(req, config, taken.entry.domain, params.domain);
    if (domain === undefined) return askForDomain(req, res, config, taken.entry.returnTo);
    checkAllowed(config, domain);
    const attempt: Attempt = { domain, code: params.code, state: params.state, entry: taken.entry };
    const { result, ran } = await runtime.signIns.join(key, () => signIn(req, runtime, attempt));
    if (result.kind === 'failed') throw errorFromData(result.error);
    // This request lost the race to a twin of the same browser: continue in the winner's session.
    if (!ran && result.sessionId !== req.sessionID) await adoptSession(req, result.sessionId);
    redirect(res, result.returnTo);
  };
}
