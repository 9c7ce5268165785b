/**
 * Talking to Egnyte: every request goes through {@link callEgnyte} (`http-call.ts`: timeout,
 * capped reads, network failures as `upstream_unavailable`), and every non-2xx answer is read by
 * {@link classifyEgnyteFailure}, which understands Egnyte's many error shapes. Messages never
 * quote Egnyte's free text: an echoed token or code must not reach a page or a log.
 */
import { EgnyteAuthError } from '../errors/errors.js';
import { isApigeeBadToken, markDailyQuota, throttlingOf } from './throttling.js';
import { classifyTokenRefusal } from './token-refusal.js';
import { MAX_ERROR_BODY_BYTES, joinChunks, readCapped, webBody } from './http-body.js';

export { callEgnyte, requestEgnyte, type EgnyteAnswer } from './http-call.js';

const SAFE_WORD = /^[A-Za-z0-9_.-]{1,64}$/;

/** Which Egnyte endpoint answered, for messages and status choices. */
export type EgnyteEndpointKind = 'token' | 'api';

/** Seconds from a `Retry-After` header (delta-seconds or HTTP date), or `fallback`. */
export function parseRetryAfter(value: string | null, fallback: number, now = Date.now()): number {
  if (value) {
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return Math.max(1, Math.min(Number(trimmed), 86_400));
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(1, Math.min(Math.ceil((date - now) / 1000), 86_400));
  }
  return fallback;
}

/** Reads at most `MAX_ERROR_BODY_BYTES` of an error body, then lets go of it; errors reading it give ''. */
async function readErrorBody(response: Response): Promise<string> {
  const body = webBody(response.body);
  try {
    const read = await readCapped(body, MAX_ERROR_BODY_BYTES);
    if (!read.ended) body.cancel();
    return new TextDecoder().decode(joinChunks(read.chunks, MAX_ERROR_BODY_BYTES));
  } catch {
    return '';
  }
}

/**
 * A tag: `<`, then anything but `<` or `>`, then `>`. Excluding `<` inside keeps the match
 * linear: each character can only be scanned from the one `<` before it, where `<[^>]*>`
 * rescanned the whole rest of the text from every `<` (64 KiB of `<` took seconds).
 */
const TAG = /<[^<>]*>/g;

/** The messages Egnyte put in an error body, whatever its shape. Pure. */
export function errorTextsOf(body: string): { texts: string[]; oauthError?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // HTML or plain text: tags dropped.
    return { texts: [body.replace(TAG, ' ').replace(/\s+/g, ' ').trim()] };
  }
  const texts: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 4) return;
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.slice(0, 20).forEach((v) => visit(v, depth + 1));
    else if (value && typeof value === 'object') Object.values(value).slice(0, 20).forEach((v) => visit(v, depth + 1));
  };
  visit(parsed, 0);
  const oauthError = (parsed as { error?: unknown })?.error;
  return typeof oauthError === 'string' && SAFE_WORD.test(oauthError) ? { texts, oauthError } : { texts };
}

/**
 * Turns a non-2xx answer from Egnyte into an {@link EgnyteAuthError} with the right code,
 * status and `retryAfter`. Consumes the body.
 */
export async function classifyEgnyteFailure(response: Response, endpoint: EgnyteEndpointKind): Promise<EgnyteAuthError> {
  return classifyEgnyteAnswer(response.status, (name) => response.headers.get(name), await readErrorBody(response), endpoint);
}

/** The same for an answer already read: its status, a header lookup and the body's text. Pure. */
export function classifyEgnyteAnswer(status: number, header: (name: string) => string | null, body: string, endpoint: EgnyteEndpointKind): EgnyteAuthError {
  const mashery = (header('x-mashery-error-code') ?? '').toUpperCase();
  const retryAfterHeader = header('retry-after');
  const { texts, oauthError } = errorTextsOf(body);
  const said = (pattern: RegExp): boolean => texts.some((t) => pattern.test(t));
  const upstreamStatus = status;

  if (said(/invalid egnyte domain configured in app profile/i)) {
    return new EgnyteAuthError(
      'key_domain_mismatch',
      'Egnyte refused this domain for the API key ("Invalid Egnyte domain configured in app profile"). ' +
        'Until an integration is certified by Egnyte, its key works on the one domain it was registered for. ' +
        'Sign in with that domain, or ask Egnyte to certify the key for all domains.',
      { upstreamStatus },
    );
  }
  // Mashery's and Apigee's throttling answers alike (see throttling.ts).
  const throttling = throttlingOf(status, header, texts, mashery, endpoint);
  if (throttling) {
    const { daily } = throttling;
    const retryAfter = parseRetryAfter(throttling.retryAfterHeader, throttling.fallbackSeconds);
    const error = new EgnyteAuthError(
      'rate_limited',
      daily
        ? 'Egnyte\'s daily API quota for this user is used up. Try again later.'
        : `Egnyte is throttling requests${endpoint === 'token' ? ' to its sign-in service' : ''}. Try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
      { retryAfter, upstreamStatus },
    );
    return daily ? markDailyQuota(error) : error;
  }
  // The token endpoint's own refusals (Egnyte's shapes: the grant vs the app's configuration) live in token-refusal.ts.
  const tokenRefusal = endpoint === 'token' ? classifyTokenRefusal({ status, texts, oauthError, mashery }) : undefined;
  if (tokenRefusal) return tokenRefusal;
  if (mashery.includes('DEVELOPER_INACTIVE') || said(/developer inactive/i)) {
    return new EgnyteAuthError(
      'developer_inactive',
      'Egnyte answered "Developer Inactive": the token is missing or invalid, or the API key does not match this ' +
        'environment (a key issued for *.qa-egnyte.com used against *.egnyte.com, or the reverse). Sign in again; ' +
        'if it persists, check the API key and hostSuffixes.',
      { upstreamStatus },
    );
  }
  if (status === 401 || (endpoint === 'api' && isApigeeBadToken(texts))) {
    return new EgnyteAuthError('login_required', 'Egnyte no longer accepts this sign-in (token revoked, expired or password changed). Sign in again.', {
      upstreamStatus,
    });
  }
  if (status >= 500) {
    return new EgnyteAuthError('upstream_unavailable', `Egnyte answered with an error (HTTP ${status}). Try again in a moment.`, {
      retryAfter: parseRetryAfter(retryAfterHeader, 5),
      upstreamStatus,
    });
  }
  if (endpoint === 'token') {
    const detail = oauthError ? ` (${oauthError})` : '';
    return new EgnyteAuthError(
      'token_exchange_failed',
      oauthError === 'invalid_grant'
        ? 'Egnyte refused the sign-in code (invalid_grant): it expired, was already used, or was issued for another redirect URI. Sign in again.'
        : `Egnyte refused the token request (HTTP ${status}${detail}). Check the API key, its secret and the registered redirect URI.`,
      { status: oauthError === 'invalid_grant' ? 400 : 502, upstreamStatus },
    );
  }
  return new EgnyteAuthError('upstream_error', `Egnyte answered HTTP ${status}${oauthError ? ` (${oauthError})` : ''}.`, { upstreamStatus });
}
