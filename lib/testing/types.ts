/**
 * Public types of the Egnyte emulator (`express-egnyte-auth/testing`).
 */
import type { EgnyteEndpoints } from '../types.js';

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
  /** Exact redirect URIs allowed. Omitted: any http(s) URI is accepted. */
  redirectUris?: string[];
  /**
   * Domains the (uncertified) key may be used on. Omitted: the key is certified and every
   * domain works. Otherwise a token request for another domain is answered with
   * `400 {"errorMessage":"Invalid Egnyte domain configured in app profile."}`.
   */
  registeredDomains?: string[];
}

/** Which shape of token answer the emulator gives. */
export type EmulatorTokenGeneration = 'current' | 'legacy' | 'legacy-no-token-type';

/** Options of {@link startEgnyteEmulator}. */
export interface EgnyteEmulatorOptions {
  /** Port to listen on (127.0.0.1). Default `0`: a free port. */
  port?: number;
  /** Known API keys. Default `[{ clientId: 'emulator-client', clientSecret: 'emulator-secret' }]`. */
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
   * Default `true`: the callback of a login that went through the Enhanced Auth Service
   * carries `domain={host}`.
   */
  easDomainParam?: boolean;
}

/** The emulated endpoints, as named in counters and faults. */
export type EmulatorEndpointName = 'enhancedAuth' | 'authorize' | 'token' | 'userinfo' | 'users' | 'revoke' | 'fs';

/** Failures the emulator can be told to produce. */
export type EmulatorFaultKind =
  /** 403, `X-Mashery-Error-Code: ERR_403_DEVELOPER_INACTIVE`, HTML `<h1>Developer Inactive</h1>`. */
  | 'developer_inactive'
  /** 401 with HTML `<h1>Developer Inactive</h1>`. */
  | 'developer_inactive_401'
  /** 400 `{"errorMessage":"Invalid Egnyte domain configured in app profile."}`. */
  | 'key_domain_mismatch'
  /** 409 with `Retry-After` (token endpoint throttling). */
  | 'conflict_409'
  /** 403, `X-Mashery-Error-Code: ERR_403_DEVELOPER_OVER_QPS`, `Retry-After`. */
  | 'over_qps'
  /** 403, `X-Mashery-Error-Code: ERR_403_DEVELOPER_OVER_RATE` (daily quota), `Retry-After`. */
  | 'over_rate'
  /** 429 with `Retry-After`. */
  | 'too_many_requests'
  /** 401 `{"errorMessage":"Invalid token"}`. */
  | 'unauthorized'
  /** 500 `{"message":"Internal error"}`. */
  | 'server_error'
  /** 502 `text/html` `<html>Bad Gateway</html>`. */
  | 'bad_gateway_html'
  /** 200 `application/json` with a truncated body `{"access_token": "abc`. */
  | 'malformed_json'
  /** 400 `{"error":"invalid_grant","error_description":...}`. */
  | 'invalid_grant'
  /** 200 `{"token_type":"bearer","expires_in":3600}`. */
  | 'no_access_token'
  /** The normal answer, after `delayMs`. */
  | 'slow'
  /** Never answers (until `close()`). */
  | 'hang'
  /** Destroys the socket without answering. */
  | 'reset';

/** A failure to inject, see {@link EgnyteEmulator.fault}. */
export interface EmulatorFault {
  /** Which endpoint fails, or `'all'`. */
  endpoint: EmulatorEndpointName | 'all';
  /** What happens. */
  kind: EmulatorFaultKind;
  /** How many matching requests fail. Default: every one until `clearFaults()`. */
  times?: number;
  /** Delay of `slow`, in ms. Default `1000`. */
  delayMs?: number;
  /** `Retry-After` seconds of the throttling kinds. Default `1`. */
  retryAfter?: number;
  /** Only requests for this domain (any form users type) fail. */
  domain?: string;
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
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
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
  /** Every access token issued so far now answers 401; refresh tokens still work. */
  expireAccessTokens(): void;
  /** Every access and refresh token issued so far is revoked. */
  revokeAll(): void;
  /** The users, domains normalised (a frozen copy: read-only at run time). */
  readonly users: EmulatorUser[];
  /** What the last token POST carried, for asserting how clients authenticate. */
  readonly lastTokenRequest?: EmulatorTokenRequest;
  /** Every request received, oldest first (a snapshot, bounded to the last 10,000). */
  readonly requests: EmulatorRequestLogEntry[];
  /** Stops the server and destroys every socket, hanging ones included. */
  close(): Promise<void>;
}
