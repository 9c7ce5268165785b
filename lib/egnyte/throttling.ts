/**
 * Is an answer from Egnyte throttling, and for how long? Egnyte moved its API gateway from
 * Mashery to Apigee in 2025-26 (EGNYTE.md, "Changes seen in 2025-26", citing Egnyte's helpdesk
 * article 39833196166797), and no public Egnyte source shows the throttling answers after the
 * move. So throttling is judged by what any of the gateways say, never by one header name:
 *
 * - Mashery: `X-Mashery-Error-Code: ERR_403_DEVELOPER_OVER_QPS` (per second) or
 *   `..._OVER_RATE` (the daily quota), often with an HTML `<h1>Developer Over Qps</h1>` page,
 *   which is recognised without the header too;
 * - Apigee (its documented defaults): a JSON `fault` whose `detail.errorcode` is
 *   `policies.ratelimit.SpikeArrestViolation` (per second) or `policies.ratelimit.QuotaViolation`
 *   (a quota), whatever the status (429 by default, 500 on older Apigee, 403 if Egnyte keeps it);
 * - any gateway: 429; a 403 that carries `Retry-After` (a refusal for lack of permission has
 *   no time after which it would change); and the token endpoint's 409.
 *
 * Also here: Apigee's answer to a bad token (`oauth.v2.InvalidAccessToken`), which means the
 * same as a 401: sign in again. Pure.
 */
import type { EgnyteAuthError } from '../errors/errors.js';

/** What a throttling answer says. */
export interface Throttling {
  /** A daily quota is used up (Mashery's `OVER_RATE`, Apigee's `QuotaViolation`): not worth a quick retry. */
  daily: boolean;
  /** Seconds to wait: the answer's `Retry-After`, else a default for its kind. */
  retryAfterHeader: string | null;
  /** The default wait when `Retry-After` is absent or unreadable. */
  fallbackSeconds: number;
}

const SPIKE_ARREST = /^policies\.ratelimit\.spikearrestviolation$/i;
const QUOTA = /^policies\.ratelimit\.quotaviolation$/i;
const OVER_QPS_PAGE = /\bdeveloper over qps\b/i;
const OVER_RATE_PAGE = /\bdeveloper over rate\b/i;
/** Apigee's codes for a missing, unknown, expired or revoked access token (OAuthV2 and key management policies). */
const APIGEE_BAD_TOKEN = /^(?:oauth\.v2\.(?:invalidaccesstoken|accesstokenexpired|invalidtoken)|keymanagement\.service\.(?:invalid_access_token|access_token_expired))$/i;

/**
 * The throttling an answer carries, or undefined when it is not throttling. `texts` are the
 * strings of its body (`errorTextsOf`), `mashery` its `X-Mashery-Error-Code` in upper case.
 */
export function throttlingOf(
  status: number,
  header: (name: string) => string | null,
  texts: readonly string[],
  mashery: string,
  endpoint: 'token' | 'api',
): Throttling | undefined {
  const said = (pattern: RegExp): boolean => texts.some((t) => pattern.test(t));
  const retryAfterHeader = header('retry-after');
  const daily = mashery.includes('OVER_RATE') || said(QUOTA) || said(OVER_RATE_PAGE);
  const perSecond = mashery.includes('OVER_QPS') || said(SPIKE_ARREST) || said(OVER_QPS_PAGE);
  const throttled =
    daily ||
    perSecond ||
    status === 429 ||
    (status === 403 && retryAfterHeader !== null && retryAfterHeader.trim() !== '') ||
    (status === 409 && endpoint === 'token');
  if (!throttled || status < 400) return undefined;
  return { daily, retryAfterHeader, fallbackSeconds: daily ? 3600 : status === 409 ? 60 : 1 };
}

/** True when the body names Apigee's refusal of the access token: sign in again, as for a 401. */
export function isApigeeBadToken(texts: readonly string[]): boolean {
  return texts.some((t) => APIGEE_BAD_TOKEN.test(t));
}

/** The `rate_limited` errors that mean a used-up daily quota, which the API client never retries. */
const dailyQuotaErrors = new WeakSet<EgnyteAuthError>();

/** Marks `error` as a used-up daily quota. */
export function markDailyQuota<E extends EgnyteAuthError>(error: E): E {
  dailyQuotaErrors.add(error);
  return error;
}

/** True for a `rate_limited` error that reports a used-up daily quota. */
export function isDailyQuota(error: EgnyteAuthError): boolean {
  return dailyQuotaErrors.has(error);
}
