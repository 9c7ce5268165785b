/**
 * `GET /egnyte/callback`: the state check, the code exchange and the new signed-in session.
 * A state is used once across every instance: concurrent callbacks with one state make one
 * code exchange, and the others answer with its outcome.
 *
 * No hand-over: only the request that signed in gets a session cookie, for the session it
 * created. A twin of it (a reload, a restored tab), or the callback of another tab's attempt that
 * this sign-in superseded, gets a plain redirect and no cookie at all (its own session is not
 * written either): the browser that signed in already holds its cookie, and anyone else who
 * brings the same state, or the pre-login session id, gets nothing of the login.
 */
import type { Request, Response } from 'express';
import type { ResolvedConfig } from '../config/options.js';
import { Flights } from '../coordination/flight.js';
import { RELOAD_GRACE_MS } from '../guard/outcomes.js';
import { EgnyteAuthError, asEgnyteAuthError, errorFromData, errorToData } from '../errors/errors.js';
import { type LostSessionClues, lostSessionClues, lostSessionMessage } from '../errors/setup-mistakes.js';
import { log } from '../log.js';
import type { Runtime } from '../guard/runtime.js';
import { pacedUser } from '../guard/reload.js';
import { endLogin, revokeTokens } from '../login/end.js';
import { runHook } from '../login/hook.js';
import { activityWindowMs, endsAtOf } from '../login/lifetime.js';
import { isLegacyLogin } from '../login/migrate.js';
import { newLoginId } from '../login/record.js';
import { regenerateSession, requireSession, saveSession } from '../session/express-session.js';
import { storedUser } from '../session/stored-user.js';
import type { LegacyEgnyteLogin } from '../session/types.js';
import { savingNewLogin } from '../login/write-guard.js';
import type { EgnyteLogin, EgnytePendingLogin, EgnyteTokenSet, EgnyteUser } from '../types.js';
import { callbackDomain, checkAllowed } from './callback-domain.js';
import { decideSignIn } from './hooks.js';
import { askForDomain } from './domain-prompt.js';
import { type ExchangeLimits, createExchangeLimits, exchangeForAttempt } from './exchange-limits.js';
import { parseCallbackParams } from './params.js';
import { atSignIn } from './sign-in-errors.js';
import { PENDING_TTL_MS, prunePending, takePending } from './pending-logins.js';
import { type SignInOutcome, stateKey } from './sign-in-outcome.js';
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
 * The callbacks' own state, kept by the router: one sign-in per `state` across instances (its
 * lock and its shared outcome), and the limits on code exchanges.
 */
export interface SignIns {
  /** Callbacks, one per `state` across instances: a state is used once. */
  outcomes: Flights<SignInOutcome>;
  /** Each client's budget of code exchanges (exchange-limits.ts). */
  limits: ExchangeLimits;
}

/** The callbacks' state of one `egnyteAuth()`. */
export function createSignIns(config: ResolvedConfig): SignIns {
  const { coordination, timeoutMs } = config;
  return {
    // Exchange, userinfo and the session save: two upstream calls and a store write; renewed while it runs.
    outcomes: new Flights<SignInOutcome>(coordination, { name: 'state', lockMs: 2 * timeoutMs + 5000, shareMs: () => PENDING_TTL_MS, localMaxMs: RELOAD_GRACE_MS }),
    limits: createExchangeLimits(coordination),
  };
}

/**
 * The other tabs' attempts end with this sign-in: their callbacks, when they come, go where
 * they were headed (the browser holds the signed-in cookie), without a second code exchange
 * (best effort).
 */
async function supersede(signIns: SignIns, others: readonly EgnytePendingLogin[]): Promise<void> {
  await Promise.all(others.map((entry) => signIns.outcomes.share(stateKey(entry.state), { kind: 'signed_in', returnTo: entry.returnTo }).catch(() => undefined)));
}

/**
 * The login this browser had before signing in again: it ends, everywhere (its tokens revoked,
 * `onLogout` told). A login a session stored by 0.1.0 keeps its tokens with it: revoked from there.
 */
async function endPrevious(req: Request, runtime: Runtime, previous: EgnyteLogin | LegacyEgnyteLogin): Promise<void> {
  const context = { req, user: storedUser(previous), domain: previous.domain };
  if (!isLegacyLogin(previous)) {
    await endLogin(runtime.logins, previous.id, 'signed_in_again', context);
    return;
  }
  if (previous.id) await endLogin(runtime.logins, previous.id, 'signed_in_again', context);
  if (runtime.config.revokeOnLogout) await revokeTokens(runtime.logins, previous.domain, previous.tokens);
}

interface Attempt {
  domain: string;
  code: string;
  state: string;
  entry: EgnytePendingLogin;
}

/**
 * The sign-in proper: exchange, user, a regenerated session, the login's record, the end of the
 * login this browser had, and an awaited save of the session holding only the new login (no
 * attempts of other tabs). When anything after the exchange fails, nothing of this sign-in stays
 * (its record ended, its tokens revoked) and the browser keeps what it had.
 */
async function signIn(req: Request, runtime: Runtime, signIns: SignIns, attempt: Attempt): Promise<SignInOutcome> {
  const { domain } = attempt;
  const { config } = runtime;
  const before = requireSession(req).egnyte;
  const others = prunePending(before?.pending, Date.now());
  const previous = before?.login;
  let tokens: EgnyteTokenSet;
  try {
    tokens = await exchangeForAttempt(req, config, signIns.limits, attempt);
  } catch (err) {
    return { kind: 'failed', error: errorToData(asEgnyteAuthError(err, 'Signing in failed unexpectedly.')) };
  }
  const loginId = newLoginId();
  let recorded = false;
  let previousEnded = false;
  try {
    const hooked = config.afterCallback !== undefined || config.onLogin !== undefined;
    // The app's hooks are promised the user: without it (Egnyte throttling) the sign-in waits for another try.
    const user = hooked ? await pacedUser(runtime, loginId, domain, tokens.accessToken, true) : await userAtSignIn(runtime, loginId, domain, tokens.accessToken);
    const decided = user ? await decideSignIn(config.afterCallback, { req, user, domain }) : {};
    const fresh = await regenerateSession(req);
    const now = Date.now();
    const windowMs = activityWindowMs(config, fresh.cookie?.originalMaxAge);
    const endsAt = endsAtOf(now, now, windowMs, config);
    const sealed = runtime.logins.seal.seal({ loginId, domain }, tokens);
    await runtime.logins.records.create(loginId, { version: 1, domain, tokens: sealed, loggedInAt: now, lastSeenAt: now, endsAt }, now);
    recorded = true;
    if (previous) {
      await endPrevious(req, runtime, previous);
      previousEnded = true;
    }
    const login: EgnyteLogin = {
      id: loginId,
      domain,
      ...(user ? { userinfo: user.raw, userFetchedAt: now } : {}),
      ...(decided.user ? { userExtra: decided.user } : {}),
      ...(decided.data !== undefined ? { data: decided.data } : {}),
      loggedInAt: now,
      lastSeenAt: now,
      endsAt,
      recovery: { version: 1, tokens: sealed },
    };
    // Only the new login: attempts of other tabs stay behind with the pre-login session.
    fresh.egnyte = { login };
    // Awaited so a store failure becomes a clear 503 rather than a redirect into a lost login.
    savingNewLogin(fresh);
    await saveSession(req);
    log.callback('signed in on %s', domain);
    await supersede(signIns, others);
    if (user) await runHook('onLogin', config.onLogin, { req, user: { ...decided.user, ...user }, domain, loginId });
    return { kind: 'signed_in', returnTo: attempt.entry.returnTo };
  } catch (err) {
    if (recorded) await runtime.logins.records.end(loginId, 'sign_in_failed').catch(() => undefined);
    await revokeTokens(runtime.logins, domain, tokens);
    // express-session writes the request's session once more at the end of the response, even
    // after a failed save: it keeps what the browser had (its login, unless it was ended; the
    // other tabs' attempts), and signs in no one new.
    const kept = { ...(previous && !previousEnded ? { login: previous as EgnyteLogin } : {}), ...(others.length > 0 ? { pending: others } : {}) };
    if (req.session) req.session.egnyte = kept;
    return { kind: 'failed', error: errorToData(asEgnyteAuthError(err, 'Signing in failed unexpectedly.')) };
  }
}

/** This request gets no session of its own: express-session then neither writes one nor sets a cookie. */
function withoutSession(req: Request): void {
  (req as { session?: unknown }).session = undefined;
}

/** The callback route. */
export function callbackHandler(runtime: Runtime, signIns: SignIns) {
  const { config } = runtime;
  return async (req: Request, res: Response): Promise<void> => {
    // This URL holds the code: neither the redirect that follows nor any page shown sends it on as a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
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
      const earlier = await signIns.outcomes.peek(key);
      if (earlier?.kind === 'signed_in') {
        // Signed in already (a reload, another tab's attempt this sign-in superseded): where it was going, and nothing else.
        withoutSession(req);
        return redirect(res, earlier.returnTo);
      }
      if (session.egnyte?.login) return redirect(res, config.homePath);
      throw stateRefusal(taken.reason, lostSessionClues(req, config.baseUrl));
    }
    if (params.error) throw refusalOfAuthorizationError(params.error);
    if (!params.code) throw new EgnyteAuthError('missing_code', 'The sign-in callback has no "code" parameter. Start the sign-in again.');

    const domain = callbackDomain(req, config, taken.entry.domain, params.domain);
    if (domain === undefined) return askForDomain(req, res, config, taken.entry.returnTo);
    checkAllowed(config, domain);
    const attempt: Attempt = { domain, code: params.code, state: params.state, entry: taken.entry };
    const { result, ran } = await signIns.outcomes.join(key, () => signIn(req, runtime, signIns, attempt));
    if (result.kind === 'failed') throw errorFromData(result.error);
    // A twin of the request that signed in: a plain redirect, no cookie (see the module comment).
    if (!ran) withoutSession(req);
    redirect(res, result.returnTo);
  };
}
