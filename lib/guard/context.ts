/**
 * `req.egnyte`: the user and a fetch that carries the login's token, server-side. A token
 * Egnyte refuses is checked against the shared record first (another instance may have
 * refreshed it, or a stale session write put an older copy back) before the login ends.
 */
import type { Request } from 'express';
import { callEgnyteApi } from '../egnyte/api.js';
import { EgnyteAuthError } from '../errors/errors.js';
import type { Runtime } from '../runtime.js';
import type { EgnyteLogin, EgnyteRequestContext, EgnyteUser } from '../types.js';
import { isExpired } from './reload.js';

/** The login as this request sees it: the session's copy, or a shared outcome applied to it. */
export type LoginView = Pick<EgnyteLogin, 'id' | 'domain' | 'tokens' | 'tokensVersion' | 'userFetchedAt'> & { user: EgnyteUser };

function isRefusal(err: unknown): err is EgnyteAuthError {
  return err instanceof EgnyteAuthError && (err.code === 'login_required' || err.code === 'developer_inactive');
}

/** Builds `req.egnyte` for a signed-in request. */
export function contextFor(req: Request, runtime: Runtime, view: LoginView, stale: boolean): EgnyteRequestContext {
  const { config, logins } = runtime;
  let tokens = view.tokens;
  let version = view.tokensVersion ?? 0;
  const call = (path: string, init?: RequestInit): Promise<Response> =>
    // The app may stream a large answer: the timeout covers waiting for the headers only.
    callEgnyteApi(config, view.domain, tokens.accessToken, path, init, 'headers');
  return {
    loginId: view.id,
    user: view.user,
    domain: view.domain,
    stale,
    userFetchedAt: view.userFetchedAt ?? 0,
    async fetch(path, init) {
      if (!req.session?.egnyte?.login) throw new EgnyteAuthError('login_required', 'The Egnyte sign-in ended. Sign in again.');
      // The guard could not refresh an expired token (Egnyte unreachable or throttling): Egnyte
      // would answer 401, which would end a login whose refresh token is still good.
      if (isExpired(tokens, Date.now())) {
        throw new EgnyteAuthError('upstream_unavailable', 'The Egnyte sign-in needs refreshing and Egnyte could not be reached to refresh it. Try again in a moment.', {
          retryAfter: 5,
        });
      }
      try {
        return await call(path, init);
      } catch (err) {
        if (!isRefusal(err)) throw err;
        const state = await logins.state(view.id).catch(() => undefined);
        const replayable = init?.body === undefined || init.body === null || typeof init.body === 'string';
        if (replayable && state?.kind === 'live' && state.record.version > version && !isExpired(state.record.tokens, Date.now())) {
          tokens = state.record.tokens;
          version = state.record.version;
          const login = req.session.egnyte?.login;
          if (login?.id === view.id) Object.assign(login, { tokens, tokensVersion: version });
          return call(path, init);
        }
        delete req.session.egnyte?.login;
        throw err;
      }
    },
  };
}
