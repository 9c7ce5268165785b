/**
 * The public API endpoints a sign-in uses: userinfo (`/pubapi/v1/userinfo`), the Users API
 * (`/pubapi/v2/users/{id}` and `/pubapi/v2/users?filter=userName eq "x"`, SCIM-like, with
 * SCIM error bodies) and token revocation (`/pubapi/v1/tokens/revoke`).
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
  if (!user) return scimError(res, 404, 'User does not exist.');
  sendJson(res, 200, usersApiBody(user));
}

/** A SCIM error body, `{"Errors":[{"description","code"}]}`, the code being the status. */
export function scimError(res: ServerResponse, status: number, description: string): void {
  sendJson(res, status, { Errors: [{ description, code: String(status) }] });
}

/** `attribute eq "value"`, the only filter Egnyte's SDKs send. */
const EQ_FILTER = /^\s*(userName|email|externalId)\s+eq\s+"([^"]*)"\s*$/i;

/**
 * `GET /pubapi/v2/users`: the domain's users as a SCIM list (`resources`, `totalResults`,
 * `itemsPerPage`, `startIndex`), optionally filtered by `userName`, `email` or `externalId`
 * (`eq`, case-insensitive). No match is an empty list, as egnyte-js-sdk `getByName` expects.
 */
export function handleUsersList(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, host: string, query: Record<string, string>): void {
  if (!authenticateApi(ctx, req, res, host)) return;
  let users = ctx.directory.allUsers.filter((u) => u.domain === host);
  if (query.filter !== undefined) {
    const match = EQ_FILTER.exec(query.filter);
    if (!match) return scimError(res, 400, 'Invalid filter.');
    const attribute = (match[1] ?? '').toLowerCase();
    const value = (match[2] ?? '').toLowerCase();
    users = users.filter((u) => String(usersApiBody(u)[attribute === 'username' ? 'userName' : attribute === 'email' ? 'email' : 'externalId']).toLowerCase() === value);
  }
  const startIndex = Math.max(1, Number.parseInt(query.startIndex ?? '1', 10) || 1);
  const count = Math.min(100, Math.max(0, Number.parseInt(query.count ?? '100', 10) || 100));
  const page = users.slice(startIndex - 1, startIndex - 1 + count);
  sendJson(res, 200, { totalResults: users.length, itemsPerPage: page.length, startIndex, resources: page.map(usersApiBody) });
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
