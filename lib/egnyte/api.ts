/**
 * Egnyte's public API as a protected resource: userinfo (not OIDC: no `sub`, so
 * openid-client's fetchUserInfo does not apply), revocation, and calls on the user's behalf.
 */
import type { EgnyteHttpConfig } from './config.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { type EgnyteUser, parseEgnyteUser } from './user.js';
import { type EgnyteAnswer, callEgnyte, classifyEgnyteAnswer, classifyEgnyteFailure, requestEgnyte } from './upstream.js';

/** Egnyte's current-user endpoint. */
export const USERINFO_PATH = '/pubapi/v1/userinfo';
/** Egnyte's token revocation endpoint. */
export const REVOKE_PATH = '/pubapi/v1/tokens/revoke';

const THROTTLE_OR_AUTH = new Set([401, 403, 429]);


/**
 * A path on the Egnyte domain: one leading `/` (not `//`: another host) and no backslash (URL
 * parsers read it as `/`).
 */
const API_PATH = /^\/(?![/\\])[^\\]*$/;

/** True when `path` has a control character: URL parsers drop or encode them, so the path sent would not be the one checked. */
function hasControlCharacter(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function invalidPath(): EgnyteAuthError {
  return new EgnyteAuthError('invalid_request', 'req.egnyte.fetch(path) takes a path on the Egnyte domain, such as "/pubapi/v1/userinfo".', { status: 500 });
}

/** How many layers of percent-encoding a segment is decoded through when looking for dots. */
const DECODE_LAYERS = 3;

/** `segment` with up to {@link DECODE_LAYERS} layers of percent-encoding removed (as far as it decodes). */
function decodedSegment(segment: string): string {
  let current = segment;
  for (let i = 0; i < DECODE_LAYERS && current.includes('%'); i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      break;
    }
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * True when a segment of the path (before its query) is `.` or `..`, literally or
 * percent-encoded (`%2e%2e`, `.%2E`, ...), or holds one behind an encoded slash (`..%2f`). URL
 * parsing resolves the first kind, and a server that decodes slashes the second, into another
 * API path than the one the app wrote; no Egnyte file or folder is named `.` or `..`. Pure.
 */
export function hasDotSegment(path: string): boolean {
  const end = path.search(/[?#]/);
  const pathname = end === -1 ? path : path.slice(0, end);
  for (const segment of pathname.split('/')) {
    if (!segment.includes('.') && !segment.includes('%')) continue;
    if (decodedSegment(segment).split(/[/\\]/).some((part) => part === '.' || part === '..')) return true;
  }
  return false;
}

function dotSegments(): EgnyteAuthError {
  return new EgnyteAuthError(
    'invalid_request',
    'req.egnyte.fetch(path) and api.get(path) do not accept "." or ".." segments, literal or percent-encoded: URL parsing would resolve them into another API path. ' +
      'Encode each folder or file name with encodeURIComponent, or use api.listFolder(path).',
    { status: 500 },
  );
}

/**
 * The URL of `path` under `base`, checked before anything is built from it: a malformed path
 * (`":99999"`, `"//evil.com"`, `"/../"`, `"/%2e%2e/"`) must neither throw a raw TypeError nor
 * move the bearer token to another host, prefix or API path.
 */
function apiUrl(base: string, path: unknown): URL {
  if (typeof path !== 'string' || !API_PATH.test(path) || hasControlCharacter(path)) throw invalidPath();
  if (hasDotSegment(path)) throw dotSegments();
  let url: URL;
  try {
    url = new URL(base + path);
  } catch {
    throw invalidPath();
  }
  if (url.origin !== new URL(base).origin || !url.href.startsWith(base + '/')) throw invalidPath();
  return url;
}

/**
 * Calls `path` on the user's Egnyte domain with the user's token. Throttling and refused
 * tokens throw. `until` says what the timeout covers (see {@link callEgnyte}).
 */
export async function callEgnyteApi(
  config: EgnyteHttpConfig,
  domain: string,
  accessToken: string,
  path: string,
  init: RequestInit = {},
  until: 'body' | 'headers' = 'body',
): Promise<Response> {
  const url = apiUrl(config.domainBaseUrl(domain), path);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${accessToken}`);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  const response = await callEgnyte(config, url.href, { ...init, headers }, until);
  if (THROTTLE_OR_AUTH.has(response.status)) {
    const error = await classifyEgnyteFailure(response.clone(), 'api');
    if (error.code !== 'upstream_error') throw error;
  } else if (response.status >= 500) {
    // Older Apigee answers its throttling faults with 500: only that is taken from a 5xx; the rest is the app's to read.
    const error = await classifyEgnyteFailure(response.clone(), 'api');
    if (error.code === 'rate_limited') throw error;
  }
  return response;
}

const utf8 = new TextDecoder();

function failed(answer: EgnyteAnswer): boolean {
  return answer.status < 200 || answer.status > 299;
}

function failureOf(answer: EgnyteAnswer): EgnyteAuthError {
  return classifyEgnyteAnswer(answer.status, answer.header, utf8.decode(answer.body), 'api');
}

/** Reads the current user from Egnyte's userinfo endpoint (on every sign-in and re-read: no Response is built). */
export async function fetchEgnyteUser(config: EgnyteHttpConfig, domain: string, accessToken: string): Promise<EgnyteUser> {
  const answer = await requestEgnyte(config, config.domainBaseUrl(domain) + USERINFO_PATH, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
  });
  if (failed(answer)) throw failureOf(answer);
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(answer.body));
  } catch {
    throw new EgnyteAuthError('upstream_error', 'Egnyte\'s userinfo answer was not valid JSON.');
  }
  return parseEgnyteUser(body, domain);
}

/**
 * Revokes `token` (the access token, or the refresh token) at Egnyte, authenticated with the
 * access token. Revoking an access token also revokes its refresh token at Egnyte; revoking
 * the refresh token as well covers servers that do not.
 */
export async function revokeToken(config: EgnyteHttpConfig, domain: string, accessToken: string, token = accessToken): Promise<void> {
  const answer = await requestEgnyte(config, config.domainBaseUrl(domain) + REVOKE_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${accessToken}` },
    body: new URLSearchParams({ token }).toString(),
  });
  if (failed(answer)) throw failureOf(answer);
}
