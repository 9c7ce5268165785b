/**
 * `req.egnyte`: the user, and a paced client that calls Egnyte with the login's token,
 * server-side. The client is made on first use, so requests that never call Egnyte pay nothing
 * for it. Every call reads the token from the login's record through the one rulebook
 * (login/access.ts): an ended or expired login is refused there, an expired token refreshed, and
 * a token Egnyte refuses ends the login unless another instance refreshed it meanwhile.
 */
import type { Request } from 'express';
import { type EgnyteApi, type EgnyteApiClient, createEgnyteApiClient } from '../egnyte/api-client.js';
import { type AccessContext, loginAccess, tokenRefused } from '../login/access.js';
import type { Runtime } from './runtime.js';
import type { EgnyteQuota } from '../egnyte/quota.js';
import { storedUser } from '../session/stored-user.js';
import type { EgnyteLogin, EgnyteRequestContext, EgnyteUser } from '../types.js';

/** The login as this request sees it: the session's copy, or a shared outcome applied to it. */
export type LoginView = Pick<EgnyteLogin, 'id' | 'domain' | 'userFetchedAt' | 'data'> & Partial<Pick<EgnyteLogin, 'loggedInAt' | 'lastSeenAt' | 'endsAt' | 'userinfo' | 'user' | 'userExtra'>>;

/** What the request knows of its login, for the rulebook when it must end it. */
function accessContextOf(req: Request, view: LoginView): AccessContext {
  const times = view.loggedInAt !== undefined && view.lastSeenAt !== undefined && view.endsAt !== undefined
    ? { loggedInAt: view.loggedInAt, lastSeenAt: view.lastSeenAt, endsAt: view.endsAt }
    : undefined;
  return { req, user: storedUser(view), domain: view.domain, times };
}

function clientFor(req: Request, runtime: Runtime, view: LoginView): EgnyteApiClient {
  const context = accessContextOf(req, view);
  let version = 0;
  return createEgnyteApiClient({
    config: runtime.config,
    domain: view.domain,
    pacer: runtime.pacer,
    paceKey: view.id,
    async accessToken() {
      const access = await loginAccess(runtime.logins, view.id, context);
      version = access.login.version;
      return access.tokens.accessToken;
    },
    onTokenRefused: () => tokenRefused(runtime.logins, view.id, version, context),
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
  #accessToken: EgnyteRequestContext['accessToken'] | undefined;

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

  // A getter for the same reason as fetch: `const { accessToken } = req.egnyte` works.
  get accessToken(): EgnyteRequestContext['accessToken'] {
    return (this.#accessToken ??= async () => (await loginAccess(this.#runtime.logins, this.#view.id, accessContextOf(this.#req, this.#view))).tokens.accessToken);
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
