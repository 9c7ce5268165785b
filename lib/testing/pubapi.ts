/**
 * The public API endpoints a sign-in uses: userinfo (`/pubapi/v1/userinfo`), one user of the
 * Users API (`/pubapi/v2/users/{id}`) and token revocation (`/pubapi/v1/tokens/revoke`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateApi, bearerToken, throttle } from './api-access.js';
import type { EmulatorContext } from './context.js';
import { sendJson } from './http.js';
import type { SeededUser } from './options.js';

/** Runs `run` only on a known domain; otherwise answers 404 as Egnyte does for a missing domain. */
export function onKnownDomain(ctx: EmulatorContext, res: ServerResponse, host: string, run: () => void): void {
  if (!ctx.directory.isKnownDomain(host)) return sendJson(res, 404, { errorMessage: `Domain ${host} not found` });
  run();
}

/** `GET /pubapi/v1/userinfo`: the token's user. */
export function handleUserinfo(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, host: string): void {
  const user = authenticateApi(ctx, req, res, host);
  if (!user) return;
  sendJson(res, 200, userinfoBody(user));
}

/** `GET /pubapi/v2/users/{id}`: any user of the domain, for any valid token of it. */
export function handleUsers(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, host: string, rawId: string): void {
  if (!authenticateApi(ctx, req, res, host)) return;
  const user = /^\d{1,15}$/.test(rawId) ? ctx.directory.findUser(host, Number(rawId)) : undefined;
  if (!user) return sendJson(res, 404, { errorMessage: 'User does not exist.' });
  sendJson(res, 200, usersApiBody(user));
}

/**
 * `POST /pubapi/v1/tokens/revoke`: revokes the form's `token` on `host`. The bearer header is
 * optional (only throttled when present), and an unknown token still answers 200.
 */
export function handleRevoke(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  host: string,
  form: Record<string, string>,
): void {
  const bearer = bearerToken(req);
  if (bearer !== undefined && !throttle(ctx, res, bearer)) return;
  if (!form.token) return sendJson(res, 400, { errorMessage: 'token is required.' });
  ctx.store.revoke(form.token, host);
  sendJson(res, 200, {});
}

/** The userinfo answer of a user (snake_case, as Egnyte's v1 API). */
export function userinfoBody(user: SeededUser): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
    user_type: user.userType ?? 'standard',
  };
}

/** The Users API v2 answer of a user (SCIM-like camelCase). */
export function usersApiBody(user: SeededUser): Record<string, unknown> {
  return {
    id: user.id,
    userName: user.username,
    externalId: `emulator-${user.domain.split('.')[0] ?? ''}-${user.id}`,
    email: user.email,
    name: { formatted: `${user.firstName} ${user.lastName}`, givenName: user.firstName, familyName: user.lastName },
    active: user.active !== false,
    locked: false,
    authType: 'egnyte',
    userType: user.userType ?? 'standard',
    role: user.role ?? null,
  };
}
