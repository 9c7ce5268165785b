/**
 * `req.egnyte`: the user, and a paced client that carries the login's token, server-side.
 * The client is made on first use, so requests that never call Egnyte pay nothing for it. A
 * token Egnyte refuses is checked against the shared record first (another instance may have
 * refreshed it, or a stale session write put an older copy back) before the login ends.
 */
import type { Request } from 'express';
import { type EgnyteApi, type EgnyteApiClient, createEgnyteApiClient } from '../egnyte/api-client.js';
import { EgnyteAuthError } from '../errors/errors.js';
import type { Runtime } from '../runtime.js';
import type { EgnyteQuota } from '../egnyte/quota.js';
import type { EgnyteLogin, EgnyteRequestContext, EgnyteUser } from '../types.js';
import { isExpired } from './reload.js';

/** The login as this request sees it: the session's copy, or a shared outcome applied to it. */
export type LoginView = Pick<EgnyteLogin, 'id' | 'domain' | 'tokens' | 'tokensVersion' | 'userFetchedAt' | 'data'>;

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

/**
 * `req.egnyte` for a signed-in request. A class, not an object literal: every guarded request
 * makes one, and a literal with getters and closures cost more to build than the rest of the
 * guard. `fetch` is a getter so that `const { fetch } = req.egnyte` still works.
 */
class RequestContext implements EgnyteRequestContext {
  readonly loginId: string;
  readonly user: EgnyteUser;
  readonly domain: string;
  readonly stale: boolean;
  readonly userFetchedAt: number;
  readonly data: EgnyteRequestContext['data'];
  readonly #req: Request;
  readonly #runtime: Runtime;
  readonly #view: LoginView;
  #client: EgnyteApiClient | undefined;
  #fetch: EgnyteRequestContext['fetch'] | undefined;

  constructor(req: Request, runtime: Runtime, view: LoginView, user: EgnyteUser, stale: boolean) {
    this.loginId = view.id;
    this.user = user;
    this.domain = view.domain;
    this.stale = stale;
    this.userFetchedAt = view.userFetchedAt ?? 0;
    this.data = view.data as EgnyteRequestContext['data']; // what afterCallback returned, typed by the app's EgnyteLoginData
    this.#req = req;
    this.#runtime = runtime;
    this.#view = view;
  }

  #lazyClient(): EgnyteApiClient {
    return (this.#client ??= clientFor(this.#req, this.#runtime, this.#view));
  }

  // The app may stream a large answer: the client's timeout covers waiting for the headers only.
  get fetch(): EgnyteRequestContext['fetch'] {
    return (this.#fetch ??= (path, init) => this.#lazyClient().fetch(path, init));
  }

  get api(): EgnyteApi {
    return this.#lazyClient().api;
  }

  get quota(): EgnyteQuota | undefined {
    return this.#client?.quota;
  }
}

/** Builds `req.egnyte` for a signed-in request. */
export function contextFor(req: Request, runtime: Runtime, view: LoginView, user: EgnyteUser, stale: boolean): EgnyteRequestContext {
  return new RequestContext(req, runtime, view, user, stale);
}

const kContext = Symbol('express-egnyte-auth.context');
type Locals = Record<symbol, unknown>;

/**
 * `req.egnyte` as an accessor on the app's request prototype, its value kept in `res.locals`:
 * assigning a property to the request itself reshaped Node's large request object on every
 * guarded request (see attachRuntime in runtime.ts), a few percent of the request.
 */
const egnyteAccessor: PropertyDescriptor & ThisType<Request> = {
  configurable: true,
  enumerable: false,
  get(): unknown {
    return (this.res?.locals as Locals | undefined)?.[kContext];
  },
  set(value: unknown) {
    const locals = this.res?.locals as Locals | undefined;
    if (locals) locals[kContext] = value;
    else Object.defineProperty(this, 'egnyte', { value, writable: true, configurable: true, enumerable: true });
  },
};

/** Puts the `req.egnyte` accessor on the prototype of `req` (once per prototype: express makes one per app). */
export function installEgnyteAccessor(req: Request): void {
  const prototype = Object.getPrototypeOf(req) as Record<symbol, unknown> | null;
  if (!prototype || prototype[kContext] === true) return;
  Object.defineProperty(prototype, 'egnyte', egnyteAccessor);
  Object.defineProperty(prototype, kContext, { value: true });
}
