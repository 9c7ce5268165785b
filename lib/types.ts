/**
 * Public types: the options, the user, what the guard puts on `req.egnyte`, and what the
 * package keeps in the express-session. The module augmentations at the bottom make
 * `req.egnyte` and `req.session.egnyte` typed in every app that imports the package.
 */
import type { Request } from 'express';
import type {} from 'express-session';
import type { EgnyteCoordination } from './coordination/types.js';
import type { EgnyteApi } from './egnyte/api-client.js';
import type { EgnyteQuota } from './egnyte/quota.js';
import type { EgnyteSessionData } from './session/types.js';
import type { EgnyteUser } from './egnyte/user.js';

export type { EgnyteLogin, EgnytePendingLogin, EgnyteSessionData } from './session/types.js';
export type { EgnyteTokenSet } from './egnyte/token-set.js';
export type { EgnyteUser } from './egnyte/user.js';

/** Egnyte's data centres that host the Enhanced Auth Service. */
export type EgnyteRegion = 'us' | 'eu';

/** Where to reach Egnyte. Only for emulators and tests: production uses Egnyte's own hosts. */
export interface EgnyteEndpoints {
  /** Enhanced Auth Service URLs (full URL of `/services/oauth/code`) per region. */
  enhancedAuth?: { us?: string; eu?: string };
  /**
   * Base URL (origin plus optional path prefix) for an Egnyte domain, e.g.
   * `(host) => 'http://127.0.0.1:4000/d/' + host`. Egnyte's paths (`/puboauth/token`,
   * `/pubapi/v1/userinfo`, ...) are appended to it.
   */
  domainBaseUrl?: (host: string) => string;
  /**
   * Maps the Referer of a callback to the Egnyte domain whose page it names, for emulators
   * whose domains are not on https hosts of their own (e.g. `http://acme.egnyte.com.localhost:4000/`
   * -> `acme.egnyte.com`); return undefined for anything else. Its answer is validated exactly
   * like a domain a user typed, and https Egnyte Referers are read as always.
   */
  domainFromReferer?: (referer: URL) => string | undefined;
}

/** Options of {@link egnyteAuth}. */
export interface EgnyteAuthOptions {
  /** The API key (OAuth `client_id`) of your Egnyte integration. */
  clientId: string;
  /**
   * The key's secret. Only ever sent to Egnyte's token endpoint, in the form body. Without
   * `tokenKeys`, the key that encrypts stored tokens is derived from it (never stored).
   */
  clientSecret: string;
  /**
   * Your app's public origin (plus optional path prefix), e.g. `https://app.example.com`.
   * `redirect_uri` is `baseUrl` + the callback route. Must be https, except on localhost.
   */
  baseUrl: string;
  /** Scopes to ask for, as an array or a space-separated string. None means all the key allows. */
  scope?: string | readonly string[];
  /** Region of the Enhanced Auth Service, or a function choosing it per request. Default `'us'`. */
  region?: EgnyteRegion | ((req: Request) => EgnyteRegion);
  /** A fixed Egnyte domain (`acme` or `acme.egnyte.com`): login skips the Enhanced Auth Service. */
  domain?: string;
  /** Which Egnyte domains may sign in: a list (any form users type) or a predicate of the normalised host. */
  allowedDomains?: readonly string[] | ((host: string) => boolean);
  /** Host suffixes accepted for Egnyte domains. Default `['egnyte.com']`; the first one completes a bare name. */
  hostSuffixes?: readonly string[];
  /**
   * Paths of the routes this router mounts; `false` turns a route off (serve the path
   * yourself, e.g. a login page of your own that calls `res.egnyteLogin()`).
   */
  routes?: { login?: string | false; callback?: string | false; logout?: string | false };
  /**
   * Where logout sends the browser: a same-site path, as the browser sees it (prefix included).
   * Default: the app's home, `baseUrl`'s path + `/` (`/` for an app at the root).
   */
  postLogoutRedirect?: string;
  /** How long the user from Egnyte's userinfo is served from the session, in seconds. Default 300. */
  userCacheSeconds?: number;
  /** Timeout for every request to Egnyte, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /** Revoke the access token at Egnyte on logout (best effort). Default `true`. */
  revokeOnLogout?: boolean;
  /**
   * The fetch implementation to use for every request to Egnyte. Default: undici's `request()`
   * over a keep-alive connection pool per Egnyte host (fetch-compatible, and several times
   * cheaper than `globalThis.fetch`). It is always called with a URL string, so
   * `globalThis.fetch` and plain wrappers `(url: string, init) => fetch(url, init)` both fit.
   */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /** Where to reach Egnyte, for emulators and tests only. */
  endpoints?: EgnyteEndpoints;
  /**
   * How instances agree on logins, logouts, refreshes and limits. Default
   * `memoryCoordination()` (one process). With several instances use
   * `redisCoordination({ client })` from `express-egnyte-auth/redis`.
   */
  coordination?: EgnyteCoordination;
  /** Absolute lifetime of a login, in seconds from sign-in. Default: none (the session's own). */
  maxSessionAge?: number;
  /** A login ends after this many seconds without a request. Default: none. */
  idleTimeout?: number;
  /**
   * PKCE (S256, RFC 7636) on every authorization request, as RFC 9700 recommends for
   * confidential clients too: a code stolen on its way back is useless without the verifier
   * kept in this browser's session. Servers that do not know PKCE ignore it. Default `true`;
   * `false` only for a server that refuses requests carrying it (see TROUBLESHOOTING).
   */
  pkce?: boolean;
  /**
   * Secrets of your own that Egnyte's tokens are encrypted with wherever the package keeps them
   * (the coordination backend's login records, the session's copy): AES-256-GCM under a key
   * derived (HKDF) from each. The first encrypts; every one decrypts, so adding a new key in
   * front rotates keys without signing anyone out, and a key removed signs out only the logins
   * still encrypted with it (`onLogout` reason `token_unreadable`). Each at least 32 characters
   * (e.g. `openssl rand -base64 32`), or the `clientSecret` itself. Default: a key derived from
   * `clientSecret`, so changing the secret signs everyone out; with keys of your own it does not.
   * Give every instance the same list. See README, "What is stored where".
   */
  tokenKeys?: readonly string[];
  /**
   * How fast `req.egnyte.fetch`/`api` and `egnyteApiFor` may call Egnyte per login: Egnyte's
   * per-token defaults, 2 calls a second and 1,000 a day (`perDay: 0` stops counting days).
   * Counted across instances with `redisCoordination`.
   */
  apiLimits?: { perSecond?: number; perDay?: number };
  /** The longest a call waits for its turn, in ms (then `rate_limited`); also bounds one retry after Egnyte's `Retry-After`. Default 10000. */
  apiWaitMs?: number;
  /**
   * Runs once per sign-in, after the code exchange and before the session is saved. Return
   * `{ user }` to add fields to `req.egnyte.user` (kept across re-reads; Egnyte's own fields
   * always come fresh from Egnyte) and `{ data }` to keep anything with the login for its
   * life (`req.egnyte.data`). Throw to refuse the sign-in: 403 `sign_in_refused` with your
   * error's message, the tokens revoked, nobody signed in.
   */
  afterCallback?: (context: { req: Request; user: EgnyteUser; domain: string }) => void | AfterCallbackResult | Promise<void | AfterCallbackResult>;
  /** Called once per sign-in, after the session is saved (audit logs). Its errors are logged and ignored. */
  onLogin?: (event: EgnyteLoginEvent) => void | Promise<void>;
  /**
   * Called once per ended login, on whichever instance ended it, with the reason
   * ({@link EgnyteLogoutReason}): logout, a new sign-in in the same browser, `maxSessionAge`,
   * `idleTimeout`, a token Egnyte refused (on any call, background jobs' included), a domain no
   * longer allowed, a login the coordination backend lost, stored tokens that do not decrypt.
   * Never for a logout with no login.
   * Errors are logged and ignored.
   */
  onLogout?: (event: EgnyteLogoutEvent) => void | Promise<void>;
}

/** What `afterCallback` may return. */
export interface AfterCallbackResult {
  /**
   * Fields added to `req.egnyte.user`: the ones your app merged into {@link EgnyteUser}
   * (Egnyte's own fields always come from Egnyte, so they are not accepted here).
   */
  user?: Partial<Omit<EgnyteUser, EgnyteOwnUserField>>;
  /** Kept with the login for its life as `req.egnyte.data` (typed by merging into {@link EgnyteLoginData}). Must survive `JSON.stringify`. */
  data?: EgnyteLoginData;
}

/** The fields of {@link EgnyteUser} that come from Egnyte's userinfo, which `afterCallback` cannot set. */
type EgnyteOwnUserField = 'subject' | 'id' | 'username' | 'firstName' | 'lastName' | 'email' | 'userType' | 'raw';

/**
 * What `afterCallback` keeps with a login as `data` (`req.egnyte.data`). Empty here: type it by
 * declaration merging, as {@link EgnyteUser}:
 * `declare module 'express-egnyte-auth' { interface EgnyteLoginData { accountId: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the app's declaration merging
export interface EgnyteLoginData {}

/** What `onLogin` is told. */
export interface EgnyteLoginEvent {
  req: Request;
  user: EgnyteUser;
  domain: string;
  loginId: string;
}

/**
 * Why a login ended, as `onLogout` is told:
 * - `logout`: the user signed out (the logout route);
 * - `signed_in_again`: the same browser signed in again, which replaces its login;
 * - `max_session_age`: older than `maxSessionAge`;
 * - `idle_timeout`: no request of the user for longer than `idleTimeout`, or than the session
 *   cookie's `maxAge` (a day with neither);
 * - `token_refused`: Egnyte refused the login's token or its refresh (revoked, password changed);
 * - `domain_not_allowed`: `allowedDomains` no longer allows the login's domain;
 * - `login_lost`: the coordination backend no longer knows the login (it lost its data): the
 *   user signs in again;
 * - `token_unreadable`: the login's stored tokens cannot be used: they do not decrypt (their key
 *   was removed from `tokenKeys`, or `clientSecret` changed without `tokenKeys`), or what the
 *   stores hold of the login was altered (the tokens, their domain) or copied from another login.
 *   The user signs in again.
 */
export type EgnyteLogoutReason =
  | 'logout'
  | 'signed_in_again'
  | 'max_session_age'
  | 'idle_timeout'
  | 'token_refused'
  | 'domain_not_allowed'
  | 'login_lost'
  | 'token_unreadable';

/** What `onLogout` is told: once per login, on whichever instance, request or job ended it. */
export interface EgnyteLogoutEvent {
  /** The request that ended the login; `undefined` when a job (`egnyteApiFor`) found it over. */
  req: Request | undefined;
  /** The user as last read; `undefined` when the ender had not read it (a job, or Egnyte never answered userinfo). */
  user: EgnyteUser | undefined;
  domain: string;
  loginId: string;
  /** Why the login ended. */
  reason: EgnyteLogoutReason;
}

/** Options of `res.egnyteLogin()`, the login route's parameters. */
export interface EgnyteLoginOptions {
  /** Where to go once signed in: a path on this site (anything else becomes `/`). */
  returnTo?: string;
  /** The user's Egnyte domain, when known: skips the Enhanced Auth Service. */
  domain?: string;
  /** The Enhanced Auth Service's region for this attempt. */
  region?: EgnyteRegion;
}

/** Options of {@link requireEgnyteUser}. */
export interface RequireEgnyteUserOptions {
  /**
   * How to answer a request with no login: `'redirect'` to the login route, `'status'` with
   * 401 JSON, or (default) `'auto'`: content negotiation that prefers JSON, so only requests
   * that ask for HTML (browsers) are redirected.
   */
  onUnauthenticated?: 'auto' | 'redirect' | 'status';
}


/** What {@link requireEgnyteUser} puts on `req.egnyte`. The access token is not on it. */
export interface EgnyteRequestContext {
  /** Opaque id of this login, stable for its life; the same on every instance. */
  loginId: string;
  /** The signed-in user. */
  user: EgnyteUser;
  /** The user's Egnyte domain, e.g. `acme.egnyte.com`. */
  domain: string;
  /** True when Egnyte could not be reached or throttled us and a cached user is served. */
  stale: boolean;
  /** When the user was last read from Egnyte (ms since epoch). */
  userFetchedAt: number;
  /**
   * Calls Egnyte's API on the user's domain with the user's token, e.g.
   * `req.egnyte.fetch('/pubapi/v2/users/' + req.egnyte.user.id)`. Throws
   * `EgnyteAuthError` for throttling, unreachable Egnyte and a token Egnyte refused
   * (`login_required`, which also signs the user out of this session).
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Typed, paced helpers for the calls apps make first: `req.egnyte.api.get('/pubapi/v1/userinfo')`. */
  readonly api: EgnyteApi;
  /**
   * The login's current access token, refreshed first when it is due, for a library of the
   * app's choosing (Egnyte's own SDK, a streaming upload client). Calls made with it are outside
   * the package's pacing (`apiLimits`) and its handling of refused tokens: prefer `fetch`/`api`
   * where they fit. Throws `login_required` once the login is over. Keep the token server-side.
   */
  accessToken(): Promise<string>;
  /** Egnyte's usage headers (`X-Accesstoken-Qps-*`, `-Quota-*`) from this request's latest call, if any. */
  readonly quota: EgnyteQuota | undefined;
  /** What `afterCallback` returned as `data` at sign-in, if anything (typed by merging into {@link EgnyteLoginData}). */
  data: EgnyteLoginData | undefined;
}

/** The request type of handlers behind `requireEgnyteUser()`: `req.egnyte` is set. */
export type EgnyteRequest = Request & { egnyte: EgnyteRequestContext };

declare module 'express-session' {
  interface SessionData {
    /** express-egnyte-auth's state: pending logins and the current login. */
    egnyte?: EgnyteSessionData;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The signed-in Egnyte user and helpers, set by `requireEgnyteUser()` (always) and
       * `attachEgnyteUser()` (when signed in). Behind the guard, type handlers with
       * `EgnyteRequest`, where it is not optional.
       */
      egnyte?: EgnyteRequestContext;
    }
    interface Response {
      /**
       * Starts a sign-in from the app's own handler: like a visit to the login route, with
       * these parameters. Set on every request that passed through `egnyteAuth()`.
       */
      egnyteLogin?: (options?: EgnyteLoginOptions) => Promise<void>;
    }
  }
}
