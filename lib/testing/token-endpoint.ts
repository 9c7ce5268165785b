/**
 * The token endpoint (`POST /puboauth/token`): client authentication, then the authorization
 * code, refresh token and password grants, refused in Egnyte's shapes (`token-errors.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { isFormContentType, sendJson } from './http.js';
import { EMULATOR_USER_PASSWORD } from './seed.js';
import { newGrantIssueOptions, tokenAnswer } from './token-answer.js';
import { verifiesPkce } from './pkce.js';
import { refuseToken } from './token-errors.js';
import type { TokenRefusal } from './token-errors.js';
import type { EmulatorClient } from './types.js';

/** A decoded token request form. */
type TokenBody = Record<string, string>;

/** Answers a token request on `host`. */
export function handleToken(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, host: string, body: TokenBody): void {
  const refuse = (why: TokenRefusal): void => refuseToken(res, ctx.settings.tokenErrorShape, why);
  if (!ctx.directory.isKnownDomain(host)) return sendJson(res, 404, { errorMessage: `Domain ${host} not found` });
  if (!isFormContentType(req.headers['content-type'])) return refuse('not_form');
  if (ctx.settings.tokenRequestsPerHour > 0) {
    // Egnyte allows a key about 100 token requests an hour, then answers 409 (EGNYTE.md).
    const hit = ctx.tokenMeter.hit(body.client_id ?? '');
    if (!hit.allowed) return sendJson(res, 409, { errorMessage: 'Too many token requests. Try again later.' }, { 'Retry-After': String(hit.resetSeconds) });
  }
  const grantType = body.grant_type;
  const client = authenticateClient(ctx, req, host, body, grantType === 'password');
  if (typeof client === 'string') return refuse(client);
  if (grantType === undefined || grantType === '') return refuse('missing_grant_type');
  if (grantType === 'authorization_code') return redeemCode(ctx, res, host, client, body);
  if (grantType === 'refresh_token') return refresh(ctx, res, host, client, body);
  if (grantType === 'password') return passwordGrant(ctx, res, host, client, body);
  return refuse('unsupported_grant');
}

/**
 * The client of a token request, checked as Egnyte does: credentials in the form body only;
 * the password grant needs no secret (Egnyte's SDKs send none) but a given one must be right;
 * an uncertified key only on its registered domains. A refusal reason on failure.
 */
function authenticateClient(
  ctx: EmulatorContext,
  req: IncomingMessage,
  host: string,
  body: TokenBody,
  passwordGrant: boolean,
): EmulatorClient | TokenRefusal {
  if (body.client_id === undefined || body.client_id === '') {
    return /^basic\s/i.test(req.headers.authorization ?? '') ? 'basic_auth' : 'missing_client_id';
  }
  const client = ctx.directory.findClient(body.client_id);
  if (!client) return 'unknown_client';
  const secretNeeded = !passwordGrant || body.client_secret !== undefined;
  if (secretNeeded && client.clientSecret !== body.client_secret) {
    return body.client_secret === undefined && /^basic\s/i.test(req.headers.authorization ?? '') ? 'basic_auth' : 'bad_secret';
  }
  if (client.registeredDomains && !client.registeredDomains.includes(host)) {
    return 'key_domain_mismatch';
  }
  return client;
}

/** `grant_type=authorization_code`: a code is redeemed once, for the client, domain and redirect URI it was issued to. */
function redeemCode(ctx: EmulatorContext, res: ServerResponse, host: string, client: EmulatorClient, body: TokenBody): void {
  const refuse = (why: TokenRefusal): void => refuseToken(res, ctx.settings.tokenErrorShape, why);
  if (!body.code) return refuse('missing_param');
  const grant = ctx.store.findCode(body.code);
  if (!grant || grant.clientId !== client.clientId || grant.host !== host) return refuse('bad_code');
  if (grant.redeemed) {
    // A replayed code: refuse it and revoke what it gave (RFC 6749 section 4.1.2).
    ctx.store.revoke(grant.redeemed.refreshToken ?? grant.redeemed.accessToken);
    ctx.store.revoke(grant.redeemed.accessToken);
    return refuse('code_reused');
  }
  if (body.redirect_uri !== grant.redirectUri) {
    return refuse(hostnameOf(body.redirect_uri) === hostnameOf(grant.redirectUri) ? 'redirect_mismatch' : 'redirect_host_mismatch');
  }
  // Checked only when the authorization request had a challenge; a verifier alone is ignored.
  if (grant.pkce && !verifiesPkce(grant.pkce, body.code_verifier)) return refuse('pkce_mismatch');
  const user = ctx.directory.findUser(host, grant.userId);
  if (!user || user.active === false) return refuse('inactive_user');
  const tokens = ctx.store.issueTokens(
    { clientId: client.clientId, host, userId: user.id, scope: grant.scope },
    newGrantIssueOptions(ctx.settings),
  );
  grant.redeemed = tokens;
  sendJson(res, 200, tokenAnswer(ctx.settings, tokens));
}

function hostnameOf(uri: string | undefined): string | undefined {
  try {
    return uri === undefined ? undefined : new URL(uri).hostname;
  } catch {
    return undefined;
  }
}

/**
 * `grant_type=refresh_token`: a new access token for a live refresh token of an active user.
 * By default the refresh token is kept (the answer has none); with `rotateRefreshTokens`
 * each refresh answers a new one and the old one stops working.
 */
function refresh(ctx: EmulatorContext, res: ServerResponse, host: string, client: EmulatorClient, body: TokenBody): void {
  const refuse = (why: TokenRefusal): void => refuseToken(res, ctx.settings.tokenErrorShape, why);
  if (!body.refresh_token) return refuse('missing_param');
  const record = ctx.store.findRefreshToken(body.refresh_token);
  if (!record || record.revoked || record.clientId !== client.clientId || record.host !== host) return refuse('bad_refresh');
  const user = ctx.directory.findUser(host, record.userId);
  if (!user || user.active === false) return refuse('inactive_user');
  const binding = { clientId: client.clientId, host, userId: user.id, scope: record.scope };
  if (ctx.settings.rotateRefreshTokens) {
    record.revoked = true;
    const tokens = ctx.store.issueTokens(binding, { ttlSeconds: ctx.settings.ttlSeconds, withRefresh: true });
    return sendJson(res, 200, tokenAnswer(ctx.settings, tokens));
  }
  const tokens = ctx.store.issueTokens(binding, { ttlSeconds: ctx.settings.ttlSeconds, withRefresh: false, refreshToken: body.refresh_token });
  sendJson(res, 200, tokenAnswer(ctx.settings, { accessToken: tokens.accessToken }));
}

/**
 * `grant_type=password`: internal keys only; an active user of `host` (username
 * case-insensitive) with the shared emulator password.
 */
function passwordGrant(ctx: EmulatorContext, res: ServerResponse, host: string, client: EmulatorClient, body: TokenBody): void {
  const refuse = (why: TokenRefusal): void => refuseToken(res, ctx.settings.tokenErrorShape, why);
  if (client.type !== 'internal') return refuse('password_needs_internal_key');
  if (!body.username || body.password === undefined) return refuse('missing_param');
  const username = body.username.toLowerCase();
  const user = ctx.directory.activeUsersOf(host).find((u) => u.username.toLowerCase() === username);
  if (!user || body.password !== EMULATOR_USER_PASSWORD) return refuse('bad_password');
  const tokens = ctx.store.issueTokens(
    { clientId: client.clientId, host, userId: user.id, scope: body.scope ?? '' },
    newGrantIssueOptions(ctx.settings),
  );
  sendJson(res, 200, tokenAnswer(ctx.settings, tokens));
}
