/**
 * Egnyte's Resource Owner Password Credentials grant, for internal applications of an Egnyte
 * customer (a partner key is refused): one POST to `/puboauth/token` with
 * `grant_type=password`, then a paced API client for the token. No client secret is sent
 * unless given, as Egnyte's own SDKs do. The password and the secret never appear in an
 * error or a log line, even when Egnyte's answer repeats them.
 */
import { createHash } from 'node:crypto';
import { resolveConfig } from '../config/options.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import type { EgnyteTokenSet } from '../egnyte/token-set.js';
import { parseEgnyteJson, readBoundedText } from '../egnyte/api-answers.js';
import { createEgnyteApiClient, type EgnyteApi } from '../egnyte/api-client.js';
import { createEgnytePacer } from '../egnyte/pacing.js';
import { resolvePasswordGrantOptions, type EgnytePasswordGrantOptions, type ResolvedPasswordGrant } from './options.js';
import type { EgnyteQuota } from '../egnyte/quota.js';
import { normalizeTokenResponse, TOKEN_PATH } from '../egnyte/token-client.js';
import { callEgnyte, classifyEgnyteAnswer, errorTextsOf } from '../egnyte/upstream.js';

/** What {@link egnytePasswordGrant} returns: the tokens and a paced client for them. */
export interface EgnytePasswordGrant {
  /** The token set Egnyte issued. Keep it server-side. */
  readonly tokens: EgnyteTokenSet;
  /** The normalised domain, e.g. `acme.egnyte.com`. */
  readonly domain: string;
  /** Paced `fetch(path, init)` on the domain with the token, as `req.egnyte.fetch`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Typed helpers, as `req.egnyte.api`. */
  readonly api: EgnyteApi;
  /** Egnyte's usage headers from the latest answer. */
  readonly quota: EgnyteQuota | undefined;
}

/** Largest token answer read, in bytes. */
const MAX_TOKEN_ANSWER = 64 * 1024;
/** OAuth error codes worth naming in a message: RFC 6749's, nothing Egnyte made up (it might be anything). */
const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);

/** Removes every secret from a message (belt and braces: messages are ours, but codes come from Egnyte). */
function scrub(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

/** Why Egnyte refused the grant, told from its codes and words (matched, never quoted). */
function refusalReason(texts: readonly string[], known: string | undefined): 'credentials' | 'key_type' | 'other' {
  const said = (pattern: RegExp): boolean => texts.some((t) => pattern.test(t));
  if (known === 'invalid_grant' || said(/user ?name or password/i)) return 'credentials';
  if (known === 'unauthorized_client' || said(/resource owner|internal application/i)) return 'key_type';
  return 'other';
}

/** The error for a refused password grant, with wording for this grant and nothing Egnyte wrote but a known code. */
async function grantFailure(response: Response, secrets: readonly string[]): Promise<EgnyteAuthError> {
  const text = await readBoundedText(response, MAX_TOKEN_ANSWER).catch(() => '');
  const { texts, oauthError } = errorTextsOf(text);
  const known = oauthError !== undefined && OAUTH_ERRORS.has(oauthError) ? oauthError : undefined;
  const classified = classifyEgnyteAnswer(response.status, (name) => response.headers.get(name), text, 'token');
  const upstreamStatus = response.status;
  const said = `HTTP ${upstreamStatus}${known ? `, ${known}` : ''}`;
  let error = classified;
  if (classified.code === 'rate_limited' && upstreamStatus === 409) error = tooManyTokenRequests(classified.retryAfter ?? 60);
  // invalid_config: the token endpoint refused the key (see token-refusal.ts); reworded for this grant.
  if (classified.code === 'token_exchange_failed' || classified.code === 'login_required' || classified.code === 'invalid_config') {
    const reason = refusalReason(texts, known);
    error = new EgnyteAuthError(
      'token_exchange_failed',
      reason === 'credentials'
        ? `Egnyte refused the sign-in: the username or password was refused (${said}). Check them; the account may also be locked or inactive.`
        : reason === 'key_type'
          ? `Egnyte refused the password grant: this API key is not an internal-application key (${said}). Egnyte allows the ` +
            'password grant only for internal applications; register one, or sign users in through the browser with egnyteAuth().'
          : `Egnyte refused the password grant (${said}). Check the API key (clientId), and clientSecret if your key requires one.`,
      { status: reason === 'credentials' ? 401 : 502, upstreamStatus },
    );
  }
  return new EgnyteAuthError(error.code, scrub(error.message, secrets), {
    status: error.status,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    ...(error.upstreamStatus !== undefined ? { upstreamStatus: error.upstreamStatus } : {}),
  });
}

/**
 * Egnyte's 409 at the token endpoint: for an internal application, more than 10 token requests
 * for one user in an hour (Egnyte's Best Practices page, EGNYTE.md "Changes seen in 2025-26").
 */
function tooManyTokenRequests(retryAfter: number): EgnyteAuthError {
  return new EgnyteAuthError(
    'rate_limited',
    'Egnyte refused the password grant: too many token requests for this user (HTTP 409). Egnyte allows an internal ' +
      'application 10 token requests per user per hour. Keep the tokens a grant returns (egnyte.tokens, e.g. as JSON) and ' +
      'hand them back as egnytePasswordGrant({ domain, clientId, tokens }), which makes no token request. ' +
      `Try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
    { retryAfter, upstreamStatus: 409 },
  );
}

/**
 * The stored tokens to reuse, when given and not expired; a new grant is needed otherwise. Expired
 * tokens without credentials to renew them are `login_required`, before any request.
 */
function reusableTokens(grant: ResolvedPasswordGrant, now = Date.now()): EgnyteTokenSet | undefined {
  const { tokens } = grant;
  if (!tokens) return undefined;
  if (tokens.expiresAt === undefined || tokens.expiresAt > now) return tokens;
  if (grant.credentials) return undefined;
  throw new EgnyteAuthError(
    'login_required',
    `The stored tokens expired at ${new Date(tokens.expiresAt).toISOString()}. Run egnytePasswordGrant() with username and password ` +
      'for new ones (and store those).',
  );
}

/** POSTs the grant and reads the token set. */
async function requestTokens(config: ReturnType<typeof resolveConfig>, grant: ResolvedPasswordGrant, credentials: { username: string; password: string }): Promise<EgnyteTokenSet> {
  const form = new URLSearchParams({ grant_type: 'password', client_id: grant.clientId, username: credentials.username, password: credentials.password });
  if (grant.scope !== undefined) form.set('scope', grant.scope);
  if (grant.clientSecret !== undefined) form.set('client_secret', grant.clientSecret);
  const secrets = [credentials.password, ...(grant.clientSecret !== undefined ? [grant.clientSecret] : [])];
  const response = await callEgnyte(config, config.domainBaseUrl(grant.domain) + TOKEN_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  });
  if (!response.ok) {
    const error = await grantFailure(response, secrets);
    log.upstream('password grant on %s refused: %s', grant.domain, error.code);
    throw error;
  }
  let body: unknown;
  try {
    body = parseEgnyteJson(await readBoundedText(response, MAX_TOKEN_ANSWER), response.status);
  } catch {
    throw new EgnyteAuthError('token_exchange_failed', 'Egnyte\'s answer to the password grant was not valid JSON.', { upstreamStatus: response.status });
  }
  const answer = normalizeTokenResponse(body);
  const now = Date.now();
  return {
    accessToken: answer.access_token as string,
    tokenType: answer.token_type as string,
    ...(typeof answer.refresh_token === 'string' ? { refreshToken: answer.refresh_token } : {}),
    ...(typeof answer.expires_in === 'number' ? { expiresAt: now + answer.expires_in * 1000 } : {}),
    ...(typeof answer.scope === 'string' ? { scope: answer.scope } : {}),
  };
}

/**
 * Signs in with Egnyte's password grant (internal applications only) and returns the tokens
 * with a client paced to Egnyte's per-token limits, like `req.egnyte.fetch`.
 *
 * Egnyte allows an internal application **10 token requests per user per hour** (Egnyte's Best
 * Practices page): keep the `tokens` a grant returns (as JSON, server-side) and hand them back
 * as `egnytePasswordGrant({ domain, clientId, tokens })`, which builds the same client without
 * a token request. With `username` and `password` too, the tokens are used while they last and
 * a new grant runs once they expired.
 *
 * Throws {@link EgnyteAuthError}: `invalid_config` listing every bad option (before any
 * request), `token_exchange_failed` when Egnyte refuses, `key_domain_mismatch`,
 * `rate_limited` (Egnyte's 409: too many token requests), `upstream_unavailable`, and
 * `login_required` for stored tokens that expired with no credentials to renew them.
 *
 * @example
 * ```ts
 * import { readFile, writeFile } from 'node:fs/promises';
 * import { egnytePasswordGrant, type EgnyteTokenSet } from 'express-egnyte-auth';
 *
 * const stored = await readFile('egnyte-tokens.json', 'utf8').then((t) => JSON.parse(t) as EgnyteTokenSet, () => undefined);
 * const egnyte = stored
 *   ? await egnytePasswordGrant({ domain: 'acme', clientId: process.env.EGNYTE_KEY!, tokens: stored })
 *   : await egnytePasswordGrant({ domain: 'acme', clientId: process.env.EGNYTE_KEY!, username: 'svc-reports', password: process.env.EGNYTE_PASSWORD! });
 * if (!stored) await writeFile('egnyte-tokens.json', JSON.stringify(egnyte.tokens), { mode: 0o600 });
 * const shared = await egnyte.api.listFolder('/Shared');
 * ```
 */
export async function egnytePasswordGrant(options: EgnytePasswordGrantOptions): Promise<EgnytePasswordGrant> {
  const grant = resolvePasswordGrantOptions(options);
  // The options are valid, so this only fills in defaults (fetch, timeout, domainBaseUrl) the
  // way egnyteAuth() does; the placeholder secret and baseUrl are never sent anywhere.
  const config = resolveConfig({
    clientId: grant.clientId,
    clientSecret: grant.clientSecret ?? 'unused-by-the-password-grant',
    baseUrl: 'http://localhost',
    hostSuffixes: grant.hostSuffixes,
    ...(grant.endpoints ? { endpoints: grant.endpoints } : {}),
    ...(grant.fetch ? { fetch: grant.fetch } : {}),
    ...(grant.timeoutMs !== undefined ? { timeoutMs: grant.timeoutMs } : {}),
  });
  const stored = reusableTokens(grant);
  // Checked by the options' validation: without tokens to reuse there are credentials.
  const tokens = Object.freeze(stored ?? (await requestTokens(config, grant, grant.credentials!)));
  const { pacer, ...pacing } = grant.pacing;
  const client = createEgnyteApiClient({
    config,
    domain: grant.domain,
    accessToken: () => tokens.accessToken,
    pacer: pacer ?? createEgnytePacer(pacing),
    // Pacing is per token (as Egnyte counts); a hash, so the token never becomes a store key.
    paceKey: `token:${createHash('sha256').update(tokens.accessToken).digest('base64url').slice(0, 32)}`,
  });
  return {
    tokens,
    domain: grant.domain,
    fetch: client.fetch,
    api: client.api,
    get quota() {
      return client.quota;
    },
  };
}
