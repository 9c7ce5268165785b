/**
 * Who may call `/pubapi`: the bearer token check and the per-token qps limit of Egnyte's
 * API gateway, with the gateway's own answers (HTML, `X-Mashery-Error-Code`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { sendDeveloperInactive, sendOverQps } from './faults.js';
import { sendJson } from './http.js';
import type { SeededUser } from './options.js';

/** The token of an `Authorization: Bearer …` header, if there is one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

/**
 * The user behind the request's access token on `host`. The gateway refuses an unknown
 * token (403) before throttling, and the API refuses an expired, revoked or foreign one
 * (401) after. Answers and returns undefined on failure.
 */
export function authenticateApi(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, host: string): SeededUser | undefined {
  const token = bearerToken(req);
  const record = token === undefined ? undefined : ctx.store.findAccessToken(token);
  if (token === undefined || !record) {
    sendDeveloperInactive(res, 403);
    return undefined;
  }
  if (!throttle(ctx, res, token)) return undefined;
  const user = ctx.directory.findUser(host, record.userId);
  if (!ctx.store.isAccessTokenUsable(record, host) || !user || user.active === false) {
    sendJson(res, 401, { errorMessage: 'Invalid token' });
    return undefined;
  }
  return user;
}

/** Applies the per-token qps limit; sets the usage headers. False when over the limit (answered). */
export function throttle(ctx: EmulatorContext, res: ServerResponse, key: string): boolean {
  const { qps } = ctx.settings;
  const { allowed, current } = ctx.meter.hit(key);
  const headers: Record<string, string> =
    qps > 0 ? { 'X-Accesstoken-Qps-Allotted': String(qps), 'X-Accesstoken-Qps-Current': String(current) } : {};
  if (!allowed) {
    sendOverQps(res, 1, headers);
    return false;
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  return true;
}
