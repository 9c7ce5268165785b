/**
 * The token endpoint (`POST /d/{host}/puboauth/token`): client authentication, then the
 * authorization code, refresh token and password grants, with Egnyte's error answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { KEY_DOMAIN_MISMATCH_MESSAGE } from './faults.js';
import { isFormContentType, sendJson } from './http.js';
import { EMULATOR_USER_PASSWORD } from './seed.js';
import { newGrantIssueOptions, tokenAnswer } from './token-answer.js';
import type { EmulatorClient } from './types.js';

/** A decoded token request form. */
type TokenBody = Record<string, string>;

/** Writes an RFC 6749 error answer. */
function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

/** Answers a token request on `host`. */
export function handleToken(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, host: string, body: TokenBody): void {
  if (!ctx.directory.isKnownDomain(host)) return sendJson(res, 404, { errorMessage: `Domain ${host} not found` });
  if (!isFormContentType(req.headers['content-type'])) {
    return oauthError(res, 400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  const client = authenticateClient(ctx, req, res, host, body);
  if (!client) return;
  const grantType = body.grant_type;
  if (grantType === undefined || grantType === '') return oauthError(res, 400, 'invalid_request', 'grant_type is required.');
  if (grantType === 'authorization_code') return redeemCode(ctx, res, host, client, body);
  if (grantType === 'refresh_token') return refresh(ctx, res, host, client, body);
  if (grantType === 'password') return passwordGrant(ctx, res, host, client, body);
  return oauthError(res, 400, 'unsupported_grant_type', `grant_type "${grantType}" is not supported.`);
}

/**
 * The client of a token request, checked as Egnyte does: credentials in the form body only,
 * and an uncertified key only on its registered domains. Answers and returns undefined on failure.
 */
function authenticateClient(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  host: string,
  body: TokenBody,
): EmulatorClient | undefined {
  const client = ctx.directory.findClient(body.client_id);
  if (body.client_id === undefined || body.client_secret === undefined) {
    const basic = /^basic\s/i.test(req.headers.authorization ?? '');
    oauthError(
      res,
      401,
      'invalid_client',
      basic
        ? 'HTTP Basic client authentication is not supported: send client_id and client_secret in the form body.'
        : 'client_id and client_secret are required in the form body.',
    );
    return undefined;
  }
  if (!client || client.clientSecret !== body.client_secret) {
    oauthError(res, 401, 'invalid_client', 'Unknown client_id or wrong client_secret.');
    return undefined;
  }
  if (client.registeredDomains && !client.registeredDomains.includes(host)) {
    sendJson(res, 400, { errorMessage: KEY_DOMAIN_MISMATCH_MESSAGE });
    return undefined;
  }
  return client;
}

/** `grant_type=authorization_code`: a code is redeemed once, for the client, domain and redirect URI it was issued to. */
function redeemCode(ctx: EmulatorContext, res: ServerResponse, host: string, client: EmulatorClient, body: TokenBody): void {
  if (!body.code) return oauthError(res, 400, 'invalid_request', 'code is required.');
  const grant = ctx.store.findCode(body.code);
  if (!grant || grant.clientId !== client.clientId || grant.host !== host) {
    return oauthError(res, 400, 'invalid_grant', 'The authorization code is invalid or expired.');
  }
  if (grant.redeemed) {
    // A replayed code: refuse it and revoke what it gave (RFC 6749 section 4.1.2).
    ctx.store.revoke(grant.redeemed.refreshToken ?? grant.redeemed.accessToken);
    ctx.store.revoke(grant.redeemed.accessToken);
    return oauthError(res, 400, 'invalid_grant', 'The authorization code has already been used.');
  }
  if (body.redirect_uri !== grant.redirectUri) {
    return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match the one of the authorization request.');
  }
  const user = ctx.directory.findUser(host, grant.userId);
  if (!user || user.active === false) return oauthError(res, 400, 'invalid_grant', 'The user is not active.');
  const tokens = ctx.store.issueTokens(
    { clientId: client.clientId, host, userId: user.id, scope: grant.scope },
    newGrantIssueOptions(ctx.settings),
  );
  grant.redeemed = tokens;
  sendJson(res, 200, tokenAnswer(ctx.settings, tokens));
}

/** `grant_type=refresh_token`: a new access token for a live refresh token of an active user. */
function refresh(ctx: EmulatorContext, res: ServerResponse, host: string, client: EmulatorClient, body: TokenBody): void {
  if (!body.refresh_token) return oauthError(res, 400, 'invalid_request', 'refresh_token is required.');
  const record = ctx.store.findRefreshToken(body.refresh_token);
  if (!record || record.revoked || record.clientId !== client.clientId || record.host !== host) {
    return oauthError(res, 400, 'invalid_grant', 'The refresh token is invalid or revoked.');
  }
  const user = ctx.directory.findUser(host, record.userId);
  if (!user || user.active === false) return oauthError(res, 400, 'invalid_grant', 'The user is not active.');
  // Egnyte keeps the refresh token: the answer carries a new access token only.
  const tokens = ctx.store.issueTokens(
    { clientId: client.clientId, host, userId: user.id, scope: record.scope },
    { ttlSeconds: ctx.settings.ttlSeconds, withRefresh: false, refreshToken: body.refresh_token },
  );
  sendJson(res, 200, tokenAnswer(ctx.settings, { accessToken: tokens.accessToken }));
}

/** `grant_type=password`: an active user of `host` (username case-insensitive) with the shared emulator password. */
function passwordGrant(ctx: EmulatorContext, res: ServerResponse, host: string, client: EmulatorClient, body: TokenBody): void {
  if (!body.username || body.password === undefined) {
    return oauthError(res, 400, 'invalid_request', 'username and password are required.');
  }
  const username = body.username.toLowerCase();
  const user = ctx.directory.activeUsersOf(host).find((u) => u.username.toLowerCase() === username);
  if (!user || body.password !== EMULATOR_USER_PASSWORD) {
    return oauthError(res, 400, 'invalid_grant', 'Invalid username or password.');
  }
  const tokens = ctx.store.issueTokens(
    { clientId: client.clientId, host, userId: user.id, scope: body.scope ?? '' },
    newGrantIssueOptions(ctx.settings),
  );
  sendJson(res, 200, tokenAnswer(ctx.settings, tokens));
}
