/**
 * The login of a request, kept alive. The session holds a reference to the login's record and
 * cached copies of its user and times; the record (login/record.ts) is the truth.
 * - Served from the session with no I/O while the user is fresh, the cached times say the login
 *   goes on, and no activity needs recording (the hot path: `resolveLoginNow`).
 * - Otherwise, in order: a 0.1.0 session is migrated; cached times that say "over" are put to the
 *   record, which decides (a request of this session may have recorded activity this copy
 *   missed); this request's activity is recorded (once per interval per login in this process);
 *   a stale user is re-read once per login across every instance (guard/reload.ts).
 * Only the request whose re-read ran writes its outcome into its session, so N requests sharing
 * one re-read cause one session write.
 */
import type { Request } from 'express';
import type { EgnyteAuthError } from '../errors/errors.js';
import { errorFromData } from '../errors/errors.js';
import { log } from '../log.js';
import { type AccessContext, liveLogin } from '../login/access.js';
import { activityWindowMs, endsAtOf, needsTouch, timeVerdict, touchIntervalMs } from '../login/lifetime.js';
import { isLegacyLogin, migrateLegacyLogin } from '../login/migrate.js';
import type { Runtime } from './runtime.js';
import type { EgnyteSession } from '../session/express-session.js';
import { storedUser } from '../session/stored-user.js';
import type { EgnyteLogin, EgnyteUser } from '../types.js';
import { type LoginView, contextFor } from './context.js';
import { isFresh, reloadUser } from './reload.js';

/** What the guard found for a request. */
export type Resolution =
  | { kind: 'signed_in' }
  /** No login, or it just ended; `error` says why when the user should be told more than "sign in". */
  | { kind: 'anonymous'; error?: EgnyteAuthError }
  /** Egnyte could not be asked and there is no cached user to serve. */
  | { kind: 'failed'; error: EgnyteAuthError };

const SIGNED_IN: Resolution = Object.freeze({ kind: 'signed_in' });
const ANONYMOUS: Resolution = Object.freeze({ kind: 'anonymous' });

function ended(error: EgnyteAuthError): Resolution {
  // A dead token (401 or Developer Inactive after it worked) means: sign in again.
  return error.code === 'login_required' || error.code === 'developer_inactive' ? ANONYMOUS : { kind: 'anonymous', error };
}

function windowOf(session: EgnyteSession, runtime: Runtime): number {
  return activityWindowMs(runtime.config, session.cookie?.originalMaxAge);
}

/** What the session knows of its login, for the paths that may end it. */
function accessContext(req: Request, login: EgnyteLogin): AccessContext {
  return { req, user: storedUser(login), domain: login.domain, times: login };
}

/**
 * The common cases without a promise: no login, or a fresh one (sets `req.egnyte`).
 * `undefined` when the login needs work: see {@link resolveLoginLater}.
 */
export function resolveLoginNow(req: Request, session: EgnyteSession, runtime: Runtime): Resolution | undefined {
  const login = session.egnyte?.login;
  if (!login) return ANONYMOUS;
  if (isLegacyLogin(login)) return undefined;
  const { config } = runtime;
  const now = Date.now();
  if (timeVerdict(login, now, config) || !isFresh(login, now, config.userCacheMs)) return undefined;
  // Activity to record, unless another request of this login in this process is recording it.
  if (needsTouch(login, now, windowOf(session, runtime)) && !runtime.touches.isHeld(login.id, now)) return undefined;
  const user = storedUser(login);
  if (!user) return undefined;
  req.egnyte = contextFor(req, runtime, login, user, false);
  return SIGNED_IN;
}

/**
 * Records this request's activity on the record and copies the record's times into the session.
 * A backend that fails here does not fail the request: the next one tries again.
 */
async function touch(req: Request, session: EgnyteSession, runtime: Runtime, login: EgnyteLogin, now: number): Promise<Resolution | undefined> {
  const { config, touches } = runtime;
  const { records } = runtime.logins;
  const windowMs = windowOf(session, runtime);
  if (!needsTouch(login, now, windowMs) || !touches.claim(login.id, now, touchIntervalMs(windowMs))) return undefined;
  let state;
  try {
    state = await records.update(login.id, (live) => ({ ...live, lastSeenAt: now, endsAt: endsAtOf(live.loggedInAt, now, windowMs, config) }), now);
  } catch (err) {
    touches.release(login.id);
    log.guard('could not record activity: %s', (err as EgnyteAuthError).code ?? 'error');
    return undefined;
  }
  if (state.kind === 'live') {
    login.lastSeenAt = state.login.lastSeenAt;
    login.endsAt = state.login.endsAt;
    return undefined;
  }
  // Ended elsewhere, or gone: the record's rules say what it was (liveLogin ends a gone one once).
  return liveLogin(runtime.logins, login.id, accessContext(req, login)).then(
    () => ANONYMOUS,
    (err: EgnyteAuthError) => ended(err),
  );
}

/** The work {@link resolveLoginNow} leaves: see the module comment. Sets `req.egnyte` when signed in. */
export async function resolveLoginLater(req: Request, session: EgnyteSession, runtime: Runtime): Promise<Resolution> {
  const stored = session.egnyte?.login;
  if (!stored) return ANONYMOUS;
  const login = isLegacyLogin(stored) ? await migrateLegacyLogin(runtime.logins, req, stored) : stored;
  if (!login) return ANONYMOUS;
  const { config } = runtime;
  const now = Date.now();

  if (timeVerdict(login, now, config)) {
    // Over by this copy's times: the record decides, and ends it if so.
    let live;
    try {
      live = await liveLogin(runtime.logins, login.id, accessContext(req, login));
    } catch (err) {
      if ((err as EgnyteAuthError).code === 'coordination_unavailable') throw err;
      return ended(err as EgnyteAuthError);
    }
    login.lastSeenAt = live.lastSeenAt;
    login.endsAt = live.endsAt;
  }
  const touched = await touch(req, session, runtime, login, now);
  if (touched) return touched;

  const cached = storedUser(login);
  if (cached && isFresh(login, Date.now(), config.userCacheMs)) return serve(req, runtime, login, cached, false);

  const { result, ran } = await runtime.reloads.join(login.id, () => reloadUser(runtime, login, accessContext(req, login)));
  switch (result.kind) {
    case 'fresh': {
      const fresh: LoginView = { ...login, userFetchedAt: result.fetchedAt };
      if (ran && session.egnyte?.login === login) {
        login.userinfo = result.user.raw;
        login.userFetchedAt = result.fetchedAt;
        delete login.user;
      }
      return serve(req, runtime, fresh, { ...login.userExtra, ...result.user }, false);
    }
    case 'signed_out':
      // The re-read ended the login (end.ts, once); this session lets go of it too.
      if (session.egnyte?.login?.id === login.id) delete session.egnyte.login;
      return ended(errorFromData(result.error));
    case 'unavailable':
      log.guard('Egnyte unavailable for %s (%s); %s', login.domain, result.error.code, cached ? 'serving cached user' : 'no cached user');
      return cached ? serve(req, runtime, login, cached, true) : { kind: 'failed', error: errorFromData(result.error) };
  }
}

/** Finds and keeps alive the request's login; sets `req.egnyte` when signed in. */
export function resolveLogin(req: Request, session: EgnyteSession, runtime: Runtime): Promise<Resolution> {
  const now = resolveLoginNow(req, session, runtime);
  return now ? Promise.resolve(now) : resolveLoginLater(req, session, runtime);
}

function serve(req: Request, runtime: Runtime, view: LoginView, user: EgnyteUser, stale: boolean): Resolution {
  req.egnyte = contextFor(req, runtime, view, user, stale);
  return SIGNED_IN;
}
