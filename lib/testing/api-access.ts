/**
 * Who may call `/pubapi`: the bearer token check and the limits of Egnyte's API gateway
 * (Mashery): per-token calls per second and per day, with the gateway's answers (HTML,
 * `X-Mashery-Error-Code`, `Retry-After`) and its usage headers on every answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { sendInvalidAccessToken, sendQuotaViolation, sendSpikeArrest } from './apigee.js';
import { sendDeveloperInactive, sendOverQps } from './faults.js';
import { send, sendJson } from './http.js';
import type { SeededUser } from './options.js';

/** The token of an `Authorization: Bearer …` header, if there is one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

/**
 * The user behind the request's access token on `host`. The gateway refuses an unknown
 * token (403 Developer Inactive) before throttling; the API refuses an expired, revoked or
 * foreign one after it, with 401 or (option `deadTokenAnswer`) the gateway's 403. Answers
 * and returns undefined on failure.
 */
export function authenticateApi(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, host: string): SeededUser | undefined {
  const token = bearerToken(req);
  const record = token === undefined ? undefined : ctx.store.findAccessToken(token);
  if (token === undefined || !record) {
    if (ctx.settings.gateway === 'apigee') sendInvalidAccessToken(res);
    else sendDeveloperInactive(res, 403);
    return undefined;
  }
  if (!throttle(ctx, res, token, record.clientId)) return undefined;
  const user = ctx.directory.findUser(host, record.userId);
  if (!ctx.store.isAccessTokenUsable(record, host) || !user || user.active === false) {
    if (ctx.settings.gateway === 'apigee') sendInvalidAccessToken(res);
    else if (ctx.settings.deadTokenAnswer === 'developer_inactive' && record.host === host) sendDeveloperInactive(res, 403);
    else sendJson(res, 401, { errorMessage: 'Invalid token' });
    return undefined;
  }
  return user;
}

/** Midnight GMT after `now`, as Mashery writes its quota reset. */
function nextMidnight(now = Date.now()): string {
  const date = new Date(now);
  date.setUTCHours(24, 0, 0, 0);
  return date.toUTCString();
}

/**
 * Applies the per-token limits and sets Mashery's usage headers (`X-Accesstoken-*` for the
 * token, `X-Plan-*` and `X-APIKey-*` for the key, `X-Quota-Reset`). False when over a limit
 * (answered): the qps limit with `throttleStatus`, the daily quota with 403 `OVER_RATE`.
 */
export function throttle(ctx: EmulatorContext, res: ServerResponse, token: string, clientId = ''): boolean {
  const { qps, dailyQuota, throttleStatus } = ctx.settings;
  const perSecond = ctx.meter.hit(token);
  const perDay = perSecond.allowed ? ctx.quota.hit(token) : { allowed: true, current: 0, resetSeconds: 0 };
  const perKey = ctx.keyMeter.hit(clientId);
  const reset = nextMidnight();
  const headers: Record<string, string> = {
    ...(qps > 0 ? { 'X-Accesstoken-Qps-Allotted': String(qps), 'X-Accesstoken-Qps-Current': String(perSecond.current) } : {}),
    ...(dailyQuota > 0 ? { 'X-Accesstoken-Quota-Allotted': String(dailyQuota), 'X-Accesstoken-Quota-Current': String(perDay.current) } : {}),
    'X-Plan-QPS-Allotted': String(qps),
    'X-Plan-QPS-Current': String(perKey.current),
    'X-Plan-Quota-Allotted': String(dailyQuota),
    'X-Plan-Quota-Current': String(perDay.current),
    'X-Plan-Quota-Reset': reset,
    'X-APIKey-QPS-Allotted': String(qps),
    'X-APIKey-QPS-Current': String(perKey.current),
    'X-APIKey-Quota-Allotted': String(dailyQuota),
    'X-APIKey-Quota-Current': String(perDay.current),
    'X-Quota-Reset': reset,
  };
  if (ctx.settings.gateway === 'apigee') return apigeeThrottle(res, qps, throttleStatus, perSecond.allowed, perDay, headers);
  if (!perSecond.allowed) {
    if (throttleStatus === 429) sendJson(res, 429, { message: 'Too Many Requests' }, { ...headers, 'Retry-After': '1' });
    else sendOverQps(res, 1, headers);
    return false;
  }
  if (!perDay.allowed) {
    send(res, 403, '<h1>Developer Over Rate</h1>', 'text/html; charset=utf-8', {
      ...headers,
      'X-Mashery-Error-Code': 'ERR_403_DEVELOPER_OVER_RATE',
      'Retry-After': String(perDay.resetSeconds),
    });
    return false;
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  return true;
}

/**
 * The same limits as Apigee answers them (see `apigee.ts`): a JSON fault with `Retry-After`,
 * and none of Mashery's own headers (`X-Plan-*`, `X-APIKey-*`, `X-Quota-Reset`); the
 * per-token `X-Accesstoken-*` usage headers stay.
 */
function apigeeThrottle(
  res: ServerResponse,
  qps: number,
  status: 403 | 429,
  perSecondAllowed: boolean,
  perDay: { allowed: boolean; resetSeconds: number },
  headers: Record<string, string>,
): boolean {
  const usage = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('X-Accesstoken-')));
  if (!perSecondAllowed) {
    sendSpikeArrest(res, status, 1, qps, usage);
    return false;
  }
  if (!perDay.allowed) {
    sendQuotaViolation(res, status, perDay.resetSeconds, usage);
    return false;
  }
  for (const [name, value] of Object.entries(usage)) res.setHeader(name, value);
  return true;
}
