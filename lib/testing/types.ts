/**
 * Public types of the Egnyte emulator (`express-egnyte-auth/testing`).
 */
import type { EgnyteEndpoints } from '../types.js';
import type { EmulatorEndpointName, EmulatorFault } from './fault-types.js';

export type { EmulatorEndpointName, EmulatorFault, EmulatorFaultKind } from './fault-types.js';

/** A user of an emulated Egnyte domain. */
export interface EmulatorUser {
  /** Egnyte's numeric user id. */
  id: number;
  /** The user's Egnyte domain, `acme` or `acme.egnyte.com`; normalised internally to the host. */
  domain: string;
  /** Login name within the domain; also the `username` of the password grant. */
  username: string;
  /** Given name. */
  firstName: string;
  /** Family name. */
  lastName: string;
  /** Email address. */
  email: string;
  /** Egnyte user type. Default `'standard'`. */
  userType?: 'admin' | 'power' | 'standard';
  /** Free-text role shown by the Users API. */
  role?: string;
  /** Inactive users cannot sign in (not offered on the consent page). Default `true`. */
  active?: boolean;
}

/** An API key (OAuth client) known to the emulator. */
export interface EmulatorClient {
  /** The API key (`client_id`). */
  clientId: string;
  /** The key's secret. */
  clientSecret: string;
  /**
   * The redirect URIs registered for the key, matched exactly: codes go nowhere else.
   * Omitted: loopback only (http(s) on `localhost`, `127.0.0.1` or `[::1]`, any port and path),
   * where apps under test and the demo run. See also the emulator's `anyRedirectUri`.
   */
  redirectUris?: string[];
  /**
   * Domains the (uncertified) key may be used on. Omitted: the key is certified and every
   * domain works. Otherwise a token request for another domain is answered with
   * `400 {"errorMessage":"Invalid Egnyte domain configured in app profile."}`.
   */
  registeredDomains?: string[];
  /**
   * What the key is registered for, as at Egnyte, where each key serves one flow: `'partner'`
   * (default, a publicly available application: the browser step and the code grant) or
   * `'internal'` (an internal application: the password grant only; its browser step answers
   * `{"errorMessage":"Incorrect request type GET for resource owner flow..."}`).
   */
  type?: 'partner' | 'internal';
}

/** Which shape of token answer the emulator gives. */
export type EmulatorTokenGeneration = 'current' | 'legacy' | 'legacy-no-token-type';

/** Options of {@link startEgnyteEmulator}. */
export interface EgnyteEmulatorOptions {
  /** Port to listen on (127.0.0.1). Default `0`: a free port. */
  port?: number;
  /**
   * Known API keys. Default: a partner key `emulator-client` / `emulator-secret` and an
   * internal key `emulator-internal-client` / `emulator-internal-secret` (see `DEFAULT_EMULATOR_CLIENTS`).
   */
  clients?: EmulatorClient[];
  /** Users, and through them the known domains. Default {@link DEFAULT_EMULATOR_USERS}. */
  users?: EmulatorUser[];
  /**
   * Skip the consent page: the authorize step redirects straight back with a code, as the
   * domain's first active user (`true`) or as the named user when they belong to that domain.
   */
  autoApprove?: boolean | { username: string };
  /**
   * `current` (default): `{access_token, refresh_token, token_type: 'bearer', expires_in}`.
   * `legacy`: `{access_token, token_type: 'bearer', expires_in: -1}`, no refresh token.
   * `legacy-no-token-type`: `{access_token, expires_in: -1}`.
   */
  tokenGeneration?: EmulatorTokenGeneration;
  /** Lifetime of access tokens of the current generation, in seconds. Default `2592000` (30 days). */
  accessTokenTtlSeconds?: number;
  /** Calls per second allowed per token on `/pubapi/*`. Default `2`; `0` disables throttling. */
  qps?: number;
  /** Accepted Egnyte host suffixes; the first completes a bare name. Default `['egnyte.com']`. */
  hostSuffixes?: string[];
  /**
   * `true`: the callback of a login that went through the Enhanced Auth Service carries
   * `domain={host}`. Default `false`, as no public source shows Egnyte sending it: the
   * application learns the domain from the Referer of the domain's page (or asks).
   */
  easDomainParam?: boolean;
  /**
   * A `Referrer-Policy` sent on every answer, e.g. `'no-referrer'` to play a domain whose
   * pages (or a privacy extension, or an SSO hop) leave the callback without a usable
   * Referer. Default: none, so browsers apply their default, `strict-origin-when-cross-origin`.
   */
  referrerPolicy?: string;
  /**
   * Shape of the token endpoint's refusals. `'egnyte'` (default): Egnyte's own,
   * `{"errorMessage": ...}` or `{"formErrors":[{"code","msg"}],"inputErrors":{}}`; `'rfc'`:
   * RFC 6749 `{"error","error_description"}`, which no public source shows Egnyte sending.
   */
  tokenErrorShape?: 'egnyte' | 'rfc';
  /**
   * Each refresh answers a new refresh token and the old one stops working. Default `false`
   * (the answer carries none and the old one stays): whether Egnyte rotates is undocumented.
   */
  rotateRefreshTokens?: boolean;
  /**
   * How `/pubapi` answers a token that was revoked or expired. `'unauthorized'` (default):
   * 401 `{"errorMessage":"Invalid token"}`; `'developer_inactive'`: 403 with
   * `X-Mashery-Error-Code: ERR_403_DEVELOPER_INACTIVE` and `<h1>Developer Inactive</h1>`.
   */
  deadTokenAnswer?: 'unauthorized' | 'developer_inactive';
  /**
   * Status of the throttling answers: `403` (Mashery's `Developer Over Qps`/`Over Rate`) or `429`.
   * Default `403`, or `429` with `gateway: 'apigee'`.
   */
  throttleStatus?: 403 | 429;
  /**
   * Which API gateway's answers `/pubapi` gives. `'mashery'` (default): the answers documented
   * before 2025 (`X-Mashery-Error-Code`, HTML `Developer Over Qps`/`Developer Inactive`, Mashery's
   * usage headers). `'apigee'`: Egnyte's gateway since its 2025-26 move, with Apigee's defaults:
   * throttling as a JSON `fault` (`policies.ratelimit.SpikeArrestViolation`, the daily quota
   * `policies.ratelimit.QuotaViolation`) with `Retry-After` and no Mashery header, and a bad or
   * dead token as 401 `oauth.v2.InvalidAccessToken`.
   */
  gateway?: 'mashery' | 'apigee';
  /** `/pubapi` calls allowed per token per day (403 `ERR_403_DEVELOPER_OVER_RATE` past it). Default `1000`; `0`: no limit. */
  dailyQuota?: number;
  /** Token requests allowed per API key per hour (409 with `Retry-After` past it). Default `0`: no limit (Egnyte's is about 100). */
  tokenRequestsPerHour?: number;
  /** Send JSON answers as `text/plain`, as Egnyte sometimes does. Default `false`. */
  jsonAsText?: boolean;
  /**
   * Every key accepts any absolute http(s) redirect URI, registered or not: for tests whose app
   * is not on loopback. Default `false`: a key sends codes only to its registered `redirectUris`
   * (loopback for keys without), as Egnyte does.
   */
  anyRedirectUri?: boolean;
}

/** Which tokens {@link EgnyteEmulator.expireAccessTokens} expires: a domain, and within it a user. */
export interface EmulatorTokenFilter {
  /** The domain, any form users type. */
  domain?: string;
  /** The user's username or id (with `domain`). */
  user?: string | number;
}

/** Counters of token requests per `grant_type`. */
export interface EmulatorTokenGrantCounts {
  /** `grant_type=authorization_code` requests. */
  authorization_code: number;
  /** `grant_type=refresh_token` requests. */
  refresh_token: number;
  /** `grant_type=password` requests. */
  password: number;
}

/** What the last token POST carried. */
export interface EmulatorTokenRequest {
  /** The form body, decoded (empty when the body was not form-encoded). */
  body: Record<string, string>;
  /** The `Content-Type` header, as sent (`''` when absent). */
  contentType: string;
  /** The `Authorization` header, when one was sent. */
  authorizationHeader?: string;
}

/** One entry of {@link EgnyteEmulator.requests}. Never contains tokens, codes or secrets. */
export interface EmulatorRequestLogEntry {
  /** HTTP method. */
  method: string;
  /**
   * The path as the emulated host sees it, without the query: `/puboauth/token`,
   * `/pubapi/v1/userinfo`, `/services/oauth/code` (Enhanced Auth Service), ...
   */
  path: string;
  /** The emulated domain (`acme.egnyte.com`), `'eas'` for the Enhanced Auth Service, `''` otherwise. */
  host: string;
  /** For the Enhanced Auth Service: which region's URL was used. */
  region?: 'us' | 'eu';
  /** When the request arrived (ms since epoch), for rate assertions such as "at most 2 per second". */
  at: number;
}

/** A running emulator, see {@link startEgnyteEmulator}. */
export interface EgnyteEmulator {
  /** Base URL, `http://127.0.0.1:PORT`: the Enhanced Auth Service and the path-based domains. */
  readonly url: string;
  /**
   * The browser-facing origin of an emulated domain, `http://{host}.localhost:PORT`, where the
   * Enhanced Auth Service sends browsers. Chromium resolves it to loopback by itself; a Node
   * client must connect to 127.0.0.1 and send it as the `Host` header.
   */
  domainUrl(host: string): string;
  /** Hand to `egnyteAuth({ endpoints })`. */
  readonly endpoints: Required<EgnyteEndpoints>;
  /** `client_id` of the first (default) client. */
  readonly clientId: string;
  /** `client_secret` of the first (default) client. */
  readonly clientSecret: string;
  /** Live request counters per endpoint (faulted requests included). */
  readonly calls: Record<EmulatorEndpointName, number>;
  /** Live counters of token requests per grant type. */
  readonly tokenGrants: EmulatorTokenGrantCounts;
  /** Sets every counter to zero and empties {@link requests}. */
  resetCalls(): void;
  /** Injects a failure. Faults are tried in the order added; the first matching one applies. */
  fault(f: EmulatorFault): void;
  /** Removes every injected failure. */
  clearFaults(): void;
  /**
   * Access tokens issued so far (all, or those of one domain or user) expire now: they answer
   * as expired tokens do, while refresh tokens still work.
   */
  expireAccessTokens(filter?: EmulatorTokenFilter): void;
  /**
   * How many tokens (all, or those of one domain or user) still work at this moment: access
   * tokens not revoked or expired, refresh tokens not revoked. For asserting that signing out
   * left nothing usable behind: `expect(egnyte.liveTokens({ domain: 'acme', user: 'jsmith' })).toEqual({ access: 0, refresh: 0 })`.
   */
  liveTokens(filter?: EmulatorTokenFilter): { access: number; refresh: number };
  /** Every access and refresh token issued so far is revoked. */
  revokeAll(): void;
  /** Revokes every token of one user (a password change, an admin's revocation). */
  revokeUserTokens(domain: string, user: string | number): void;
  /** Adds a user at run time (e.g. a new domain); refused like the `users` option refuses one. */
  addUser(user: EmulatorUser): void;
  /** The users, domains normalised (a frozen copy: read-only at run time). */
  readonly users: EmulatorUser[];
  /** What the last token POST carried, for asserting how clients authenticate. */
  readonly lastTokenRequest?: EmulatorTokenRequest;
  /** Every request received, oldest first (a snapshot, bounded to the last 10,000). */
  readonly requests: EmulatorRequestLogEntry[];
  /** Stops the server and destroys every socket, hanging ones included. */
  close(): Promise<void>;
}
