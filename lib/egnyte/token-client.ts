/**
 * The token endpoint, through openid-client: code exchange and refresh. Egnyte's answers
 * are normalised in openid-client's customFetch hook before the library validates them
 * (legacy tokens carry `expires_in: -1` and sometimes no `token_type`, which it rejects).
 * While Egnyte has paused the key's token endpoint (409 + `Retry-After`), neither sends a
 * request (token-pause.ts).
 */
import * as oidc from 'openid-client';
import type { EgnyteClientConfig } from './config.js';
import { EgnyteAuthError } from '../errors/errors.js';
import type { EgnyteTokenSet } from './token-set.js';
import { assertTokenEndpointOpen, notePause } from './token-pause.js';
import { classifyEgnyteAnswer, requestEgnyte } from './upstream.js';

/** Egnyte's token endpoint path, also its authorization endpoint (GET). */
export const TOKEN_PATH = '/puboauth/token';

function noAccessToken(): EgnyteAuthError {
  return new EgnyteAuthError('token_exchange_failed', 'Egnyte\'s token answer carried no access token. Try signing in again.');
}

/**
 * Makes an Egnyte token answer acceptable to openid-client: drops a negative or
 * non-numeric `expires_in` (legacy non-expiring tokens), fills in a missing `token_type`,
 * and refuses an answer without an access token. Pure.
 */
export function normalizeTokenResponse(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw noAccessToken();
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if (typeof out.access_token !== 'string' || out.access_token === '') throw noAccessToken();
  if (typeof out.token_type !== 'string' || out.token_type === '') out.token_type = 'bearer';
  if ('expires_in' in out) {
    const seconds = typeof out.expires_in === 'string' ? Number(out.expires_in) : out.expires_in;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) out.expires_in = Math.floor(seconds);
    else delete out.expires_in;
  }
  if (typeof out.refresh_token !== 'string' || out.refresh_token === '') delete out.refresh_token;
  if (typeof out.scope !== 'string') delete out.scope;
  return out;
}

/**
 * The normalised token answer as openid-client reads it (`response.json()`), already parsed.
 * A Response with a body (a stream to read, then the same JSON parsed a second time) cost more
 * than the rest of openid-client's exchange; the answer was read and parsed once already.
 */
class ParsedTokenAnswer extends Response {
  readonly #body: Record<string, unknown>;

  constructor(body: Record<string, unknown>) {
    super(null, { status: 200, headers: { 'content-type': 'application/json' } });
    this.#body = body;
  }

  override json(): Promise<Record<string, unknown>> {
    return Promise.resolve(this.#body);
  }

  override text(): Promise<string> {
    return Promise.resolve(JSON.stringify(this.#body));
  }
}

/** openid-client's fetch: our timeout and error mapping, then the normalised JSON. */
function tokenEndpointFetch(config: EgnyteClientConfig): oidc.CustomFetch {
  return async (url, options) => {
    const answer = await requestEgnyte(config, url, {
      method: options.method,
      headers: options.headers as HeadersInit,
      body: options.body as BodyInit | null,
      signal: options.signal,
    });
    const text = utf8.decode(answer.body);
    if (answer.status < 200 || answer.status > 299) throw classifyEgnyteAnswer(answer.status, answer.header, text, 'token');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new EgnyteAuthError('token_exchange_failed', 'Egnyte\'s token answer was not valid JSON. Try signing in again.', {
        upstreamStatus: answer.status,
      });
    }
    return new ParsedTokenAnswer(normalizeTokenResponse(body));
  };
}

const utf8 = new TextDecoder();

/** Configurations kept per domain: each costs as much to build as the exchange's own request does. */
const CLIENTS_KEPT = 256;
const clients = new WeakMap<EgnyteClientConfig, Map<string, oidc.Configuration>>();

/** The openid-client Configuration of `domain`, built once per `egnyteAuth()` and domain (the most recent 256). */
function clientFor(config: EgnyteClientConfig, domain: string): oidc.Configuration {
  let kept = clients.get(config);
  if (!kept) clients.set(config, (kept = new Map()));
  let client = kept.get(domain);
  if (client) {
    // Most recently used last, so the oldest goes first.
    kept.delete(domain);
  } else {
    client = newClient(config, domain);
    if (kept.size >= CLIENTS_KEPT) kept.delete(kept.keys().next().value as string);
  }
  kept.set(domain, client);
  return client;
}

/** An openid-client Configuration for one Egnyte domain. */
function newClient(config: EgnyteClientConfig, domain: string): oidc.Configuration {
  const base = config.domainBaseUrl(domain);
  const server: oidc.ServerMetadata = {
    issuer: base,
    authorization_endpoint: base + TOKEN_PATH,
    token_endpoint: base + TOKEN_PATH,
  };
  const client = new oidc.Configuration(
    server,
    config.clientId,
    { token_endpoint_auth_method: 'client_secret_post' },
    // Egnyte reads the credentials from the form body, not from Basic auth.
    oidc.ClientSecretPost(config.clientSecret),
  );
  client[oidc.customFetch] = tokenEndpointFetch(config);
  // Our fetch enforces timeoutMs. The library's own limit would be an AbortSignal.timeout per
  // call, whose timer outlives the call (until it fires or is collected): 0 turns it off.
  client.timeout = 0;
  // Only emulators configured through `endpoints` are plain http; real hosts are https.
  if (base.startsWith('http:')) oidc.allowInsecureRequests(client);
  return client;
}

/** Errors from openid-client carry ours as `cause`; anything else is reported by code only. */
function unwrap(err: unknown): EgnyteAuthError {
  if (err instanceof EgnyteAuthError) return err;
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof EgnyteAuthError) return cause;
  const code = (err as { code?: unknown })?.code;
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') {
    return new EgnyteAuthError('upstream_unavailable', 'Egnyte\'s token endpoint did not answer in time. Try again in a moment.', { retryAfter: 5 });
  }
  return new EgnyteAuthError(
    'token_exchange_failed',
    `Egnyte's token answer could not be used${typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? ` (${code})` : ''}. Try signing in again.`,
  );
}

function toTokenSet(response: oidc.TokenEndpointResponse, now: number, previousRefreshToken?: string): EgnyteTokenSet {
  const refreshToken = response.refresh_token ?? previousRefreshToken;
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    ...(refreshToken ? { refreshToken } : {}),
    ...(typeof response.expires_in === 'number' ? { expiresAt: now + response.expires_in * 1000 } : {}),
    ...(typeof response.scope === 'string' ? { scope: response.scope } : {}),
  };
}

/** Exchanges an authorization code for tokens on `domain`, with the attempt's PKCE verifier when it has one. */
export async function exchangeCode(config: EgnyteClientConfig, domain: string, code: string, state: string, codeVerifier?: string): Promise<EgnyteTokenSet> {
  // The callback URL openid-client checks the answer against, from strings: parsing it once is cheaper than setting two params.
  const separator = config.redirectUri.includes('?') ? '&' : '?';
  const callbackUrl = new URL(`${config.redirectUri}${separator}code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
  // No request while Egnyte has paused the key's token endpoint (token-pause.ts).
  await assertTokenEndpointOpen(config);
  try {
    const checks = { expectedState: state, ...(codeVerifier ? { pkceCodeVerifier: codeVerifier } : {}) };
    const response = await oidc.authorizationCodeGrant(clientFor(config, domain), callbackUrl, checks);
    return toTokenSet(response, Date.now());
  } catch (err) {
    const error = unwrap(err);
    await notePause(config, error);
    throw error;
  }
}

/** Refreshes the tokens; keeps the old refresh token when Egnyte sends none. */
export async function refreshTokens(config: EgnyteClientConfig, domain: string, tokens: EgnyteTokenSet): Promise<EgnyteTokenSet> {
  if (!tokens.refreshToken) throw new EgnyteAuthError('login_required', 'The Egnyte token expired and cannot be refreshed. Sign in again.');
  await assertTokenEndpointOpen(config);
  try {
    const response = await oidc.refreshTokenGrant(clientFor(config, domain), tokens.refreshToken);
    return toTokenSet(response, Date.now(), tokens.refreshToken);
  } catch (err) {
    const error = unwrap(err);
    await notePause(config, error);
    // Only a 4xx is Egnyte refusing the refresh token; a garbled 200 is a glitch like a 5xx,
    // so the session keeps its login (and its cached user) instead of being signed out.
    const refused = error.upstreamStatus !== undefined && error.upstreamStatus >= 400 && error.upstreamStatus < 500;
    // A refused key ends the login too: the sign-in that follows shows what to fix.
    if ((error.code === 'token_exchange_failed' || error.code === 'invalid_config') && refused) {
      throw new EgnyteAuthError('login_required', 'Egnyte refused to refresh the sign-in. Sign in again.', { upstreamStatus: error.upstreamStatus });
    }
    throw error;
  }
}
