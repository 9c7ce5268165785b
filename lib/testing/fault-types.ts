/**
 * Public types of the emulator's injected failures.
 */

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
  /** Apigee (2025-26): 429 `{"fault":{...,"detail":{"errorcode":"policies.ratelimit.SpikeArrestViolation"}}}`, `Retry-After`. */
  | 'spike_arrest'
  /** Apigee (2025-26): 429 `{"fault":{...,"detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}` (daily quota), `Retry-After`. */
  | 'quota_violation'
  /** Apigee (2025-26): 401 `{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}`. */
  | 'invalid_access_token'
  /** 403 HTML `<h1>Developer Over Qps</h1>` with `Retry-After` and no `X-Mashery-Error-Code`. */
  | 'over_qps_page'
  /** 403 `{"message":"Forbidden"}` with `Retry-After`: throttling told by the header alone. */
  | 'forbidden_retry_after'
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
  /**
   * The request is handled at once (a token issued, a token revoked), and its answer is held back
   * `delayMs`: Egnyte did the work, the answer is slow on its way back.
   */
  | 'slow_answer'
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
  /** Delay of `slow` and `slow_answer`, in ms. Default `1000`. */
  delayMs?: number;
  /** `Retry-After` seconds of the throttling kinds. Default `1`. */
  retryAfter?: number;
  /** Only requests for this domain (any form users type) fail. */
  domain?: string;
}
