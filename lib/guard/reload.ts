/**
 * Re-reading a login's user from Egnyte (userinfo), once per login across every instance (the
 * `reloads` flight). It goes through the login's record like every use of a token
 * (login/access.ts): an ended, expired or disallowed login is ended there, not re-read, and a
 * token Egnyte refuses ends it unless another instance refreshed meanwhile. The outcome is plain
 * data and never a throw for Egnyte's answers.
 */
import { fetchEgnyteUser } from '../egnyte/api.js';
import { EgnyteAuthError, isEgnyteAuthError } from '../errors/errors.js';
import { type AccessContext, type LoginAccess, loginAccess, tokenRefused } from '../login/access.js';
import { loginEnded, outcomeOfError } from '../login/refresh.js';
import type { Runtime } from './runtime.js';
import type { EgnyteLogin, EgnyteUser } from '../types.js';
import type { ReloadOutcome } from './outcomes.js';

/** True when the session's user can be served without asking Egnyte. Pure. */
export function isFresh(login: EgnyteLogin, now: number, userCacheMs: number): boolean {
  return (
    (login.userinfo !== undefined || login.user !== undefined) &&
    login.userFetchedAt !== undefined &&
    now - login.userFetchedAt < userCacheMs &&
    now >= login.userFetchedAt
  );
}

/** Room a paced userinfo call may hold its lane beyond `timeoutMs`. */
const HOLD_MARGIN_MS = 2000;

/**
 * Reads the user through the login's pacer: Egnyte counts userinfo against the same per-token
 * limit as the app's own calls through `req.egnyte`. `firstUse`: the login was just created
 * (the sign-in's own call), so nothing of it can be waiting yet.
 */
export async function pacedUser(runtime: Runtime, loginId: string, domain: string, accessToken: string, firstUse = false): Promise<EgnyteUser> {
  const { config, pacer } = runtime;
  const slot = await pacer.acquire(loginId, { deadline: Date.now() + config.apiWaitMs, holdMs: config.timeoutMs + HOLD_MARGIN_MS, firstUse });
  try {
    return await fetchEgnyteUser(config, domain, accessToken);
  } finally {
    slot.release(true);
  }
}

/** True for Egnyte refusing a token it was sent (not a refusal of ours before any call). */
function refusedByEgnyte(err: unknown): boolean {
  return isEgnyteAuthError(err, 'login_required', 'developer_inactive') && err.upstreamStatus !== undefined;
}

/** Re-reads the user of the session's `login` with the record's current token (refreshed if due). Never throws. */
export async function reloadUser(runtime: Runtime, login: EgnyteLogin, context: AccessContext): Promise<ReloadOutcome> {
  const failed = (err: unknown): ReloadOutcome => outcomeOfError(err, 'Reading the user from Egnyte failed unexpectedly.');
  for (let attempt = 0; ; attempt++) {
    let access: LoginAccess;
    try {
      access = await loginAccess(runtime.logins, login.id, context);
    } catch (err) {
      return failed(err);
    }
    try {
      const user = await pacedUser(runtime, login.id, access.login.domain, access.tokens.accessToken);
      // A logout (another tab, another instance) while Egnyte answered: the login is over, not fresh.
      if ((await runtime.logins.records.read(login.id)).kind === 'ended') return failed(loginEnded());
      return { kind: 'fresh', user, fetchedAt: Date.now() };
    } catch (err) {
      if (!refusedByEgnyte(err)) return failed(err);
      // Newer tokens on the record (another instance refreshed) get one more try; else the login ends here.
      let newer: boolean;
      try {
        newer = await tokenRefused(runtime.logins, login.id, access.login.version, context);
      } catch (backendError) {
        return failed(backendError);
      }
      if (!newer) return failed(err);
      if (attempt > 0) return failed(new EgnyteAuthError('upstream_unavailable', 'Egnyte refused the sign-in\'s newest token too. Try again in a moment.', { retryAfter: 1 }));
    }
  }
}
