/**
 * `req.egnyte`: the user, and a paced client that carries the login's token, server-side.
 * The client is made on first use, so requests that never call Egnyte pay nothing for it. A
 * token Egnyte refuses is checked against the shared record first (another instance may have
 * refreshed it, or a stale session write put an older copy back) before the login ends.
 */
import type { Request } from 'express';
import { type EgnyteApiClient, createEgnyteApiClient } from '../egnyte/api-client.js';
import { EgnyteAuthError } from '../errors/errors.js';
import type { Runtime } from '../runtime.js';
import type { EgnyteLogin, EgnyteRequestContext, EgnyteUser } from '../types.js';
import { isExpired } from './reload.js';

/** The login as this request sees it: the session's copy, or a shared outcome applied to it. */
export type LoginView = Pick<EgnyteLogin, 'id' | 'domain' | 'tokens' | 'tokensVersion' | 'userFetchedAt' | 'data'> & { user: EgnyteUser };

function clientFor(req: Request, runtime: Runtime, view: LoginView): EgnyteApiClient {
  let tokens = view.tokens;
  let version = view.tokensVersion ?? 0;
  return createEgnyteApiClient({
    config: runtime.config,
    domain: view.domain,
    pacer: runtime.pacer,
    paceKey: view.id,
    accessToken() {
      if (!req.session?.egnyte?.login) throw new EgnyteAuthError('login_required', 'The Egnyte sign-in ended. Sign in again.');
      // The guard could not refresh an expired token (Egnyte unreachable or throttling): Egnyte
      // would answer 401, which would end a login whose refresh token is still good.
      if (isExpired(tokens, Date.now())) {
        throw new EgnyteAuthError('upstream_unavailable', 'The Egnyte sign-in needs refreshing and Egnyte could not be reached to refresh it. Try again in a moment.', {
          retryAfter: 5,
        });
      }
      return tokens.accessToken;
    },
    async onTokenRefused() {
      const state = await runtime.logins.state(view.id).catch(() => undefined);
      if (state?.kind === 'live' && state.record.version > version && !isExpired(state.record.tokens, Date.now())) {
        tokens = state.record.tokens;
        version = state.record.version;
        const login = req.session.egnyte?.login;
        if (login?.id === view.id) Object.assign(login, { tokens, tokensVersion: version });
        return true;
      }
      delete req.session.egnyte?.login;
      return false;
    },
  });
}

/** Builds `req.egnyte` for a signed-in request. */
export function contextFor(req: Request, runtime: Runtime, view: LoginView, stale: boolean): EgnyteRequestContext {
  let client: EgnyteApiClient | undefined;
  const lazyClient = (): EgnyteApiClient => (client ??= clientFor(req, runtime, view));
  return {
    loginId: view.id,
    user: view.user,
    domain: view.domain,
    stale,
    userFetchedAt: view.userFetchedAt ?? 0,
    data: view.data,
    // The app may stream a large answer: the client's timeout covers waiting for the headers only.
    fetch: (path, init) => lazyClient().fetch(path, init),
    get api() {
      return lazyClient().api;
    },
    get quota() {
      return client?.quota;
    },
  };
}
