/**
 * Egnyte's usage headers, read into one typed object. Egnyte's API gateway (Mashery) reports
 * the token's usage on every answer: `X-Accesstoken-Qps-*` and `X-Accesstoken-Quota-*`, and,
 * depending on the gateway's set-up, the plan's (`X-Plan-*`), the key's (`X-APIKey-*`) and a
 * reset time. Every field
 * is optional: which headers come depends on the gateway, and none is promised by Egnyte.
 */

/** A limit and how much of it is used, as one header pair reports it. */
export interface EgnyteUsage {
  /** The limit (`…-Allotted`), when sent. */
  allotted?: number;
  /** Calls counted against it so far (`…-Current`), when sent. */
  current?: number;
}

/** What Egnyte's answer said about the token's (and plan's) usage. See {@link egnyteQuota}. */
export interface EgnyteQuota {
  /** Calls per second for this token: `X-Accesstoken-Qps-Allotted` / `-Current`. */
  qps?: EgnyteUsage;
  /** Calls per day for this token: `X-Accesstoken-Quota-Allotted` / `-Current`. */
  daily?: EgnyteUsage;
  /** Calls per second for the API key's plan: `X-Plan-Qps-Allotted` / `-Current`. */
  planQps?: EgnyteUsage;
  /** Calls per period for the API key's plan: `X-Plan-Quota-Allotted` / `-Current`. */
  planQuota?: EgnyteUsage;
  /** Calls per second for the API key: `X-APIKey-Qps-Allotted` / `-Current`. */
  keyQps?: EgnyteUsage;
  /** Calls per period for the API key: `X-APIKey-Quota-Allotted` / `-Current`. */
  keyQuota?: EgnyteUsage;
  /** When the daily quota starts again (ms since epoch): `X-Plan-Quota-Reset` or `X-Quota-Reset`. */
  resetsAt?: number;
}

/** Anything with response headers: a `Response`, or the headers themselves. */
export type HeadersSource = Response | Headers;

// A count is a plain non-negative integer; anything else (a proxy's junk, a negative) is ignored.
function count(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

function usage(headers: Headers, prefix: string): EgnyteUsage | undefined {
  const allotted = count(headers.get(`${prefix}-allotted`));
  const current = count(headers.get(`${prefix}-current`));
  if (allotted === undefined && current === undefined) return undefined;
  return { ...(allotted !== undefined ? { allotted } : {}), ...(current !== undefined ? { current } : {}) };
}

/**
 * Reads a reset time. Mashery writes a date ("Thursday, September 20, 2018 12:00:00 AM GMT");
 * a number is taken as epoch seconds when it looks like one, else as seconds from `now`.
 */
function resetTime(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  const seconds = count(trimmed);
  if (seconds !== undefined) return seconds >= 1_000_000_000 ? seconds * 1000 : now + seconds * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date;
}

/**
 * The usage Egnyte reported in an answer's headers, or `undefined` when it sent none. Pure.
 *
 * @example
 * ```ts
 * import { egnyteQuota, requireEgnyteUser, withEgnyteUser } from 'express-egnyte-auth';
 *
 * app.get('/shared', requireEgnyteUser(), withEgnyteUser(async (req, res) => {
 *   const response = await req.egnyte.fetch('/pubapi/v1/fs/Shared');
 *   const quota = egnyteQuota(response);
 *   if (quota?.daily?.allotted && quota.daily.current! > quota.daily.allotted * 0.9) console.warn('90% of the daily quota used');
 *   res.status(response.status).json(await response.json());
 * }));
 * ```
 */
export function egnyteQuota(source: HeadersSource, now = Date.now()): EgnyteQuota | undefined {
  const headers = source instanceof Headers ? source : source.headers;
  const quota: EgnyteQuota = {};
  const qps = usage(headers, 'x-accesstoken-qps');
  const daily = usage(headers, 'x-accesstoken-quota');
  const planQps = usage(headers, 'x-plan-qps');
  const planQuota = usage(headers, 'x-plan-quota');
  const keyQps = usage(headers, 'x-apikey-qps');
  const keyQuota = usage(headers, 'x-apikey-quota');
  const resetsAt = resetTime(headers.get('x-plan-quota-reset') ?? headers.get('x-quota-reset'), now);
  if (qps) quota.qps = qps;
  if (daily) quota.daily = daily;
  if (planQps) quota.planQps = planQps;
  if (planQuota) quota.planQuota = planQuota;
  if (keyQps) quota.keyQps = keyQps;
  if (keyQuota) quota.keyQuota = keyQuota;
  if (resetsAt !== undefined) quota.resetsAt = resetsAt;
  return Object.keys(quota).length > 0 ? quota : undefined;
}
