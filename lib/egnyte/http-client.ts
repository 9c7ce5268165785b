/**
 * The package's default HTTP client to Egnyte: undici's `Agent.request()` over one keep-alive
 * Agent, which keeps a connection pool per Egnyte host (and drops a host's pool once its
 * idle connections close). A profile of sign-ins put about a sixth of the server's CPU in
 * Node's WHATWG `fetch` (its Request, Headers and stream layers); `request()` skips them, and
 * the answer's headers are read as undici hands them over, a `Headers` made only when asked.
 * An injected `fetch` option replaces all of this; requests `request()` cannot send exactly
 * as `fetch` would (stream, Blob or FormData bodies, redirects followed, compressed answers
 * asked for) go to `globalThis.fetch`.
 */
import type { EventEmitter } from 'node:events';
import { Agent, request } from 'undici';
import { type BodySource, continuedStream, headersOf, nodeBody, responseOf } from './http-body.js';

/** An answer whose headers have arrived, its body not yet read. */
export interface RawAnswer {
  status: number;
  /** One header's value (repeated ones joined with ", "), or null: without building a Headers. */
  header(name: string): string | null;
  /** All headers, as fetch has them (made on first use). */
  headers(): Headers;
  body: BodySource;
  /** The Response an injected fetch returned, to hand back untouched when nothing needs adding. */
  original?: Response;
}

let agent: Agent | undefined;

/** The shared Agent, made on first use so that importing the package opens nothing. */
function sharedAgent(): Agent {
  agent ??= new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 });
  return agent;
}

type Body = string | Uint8Array | ArrayBuffer | undefined;

/** The body as `request()` takes it with fetch's default content type, or null when only fetch can send it. */
function simpleBody(body: RequestInit['body']): { body: Body; type?: string } | null {
  if (body === undefined || body === null) return { body: undefined };
  if (typeof body === 'string') return { body, type: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) return { body: body.toString(), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (body instanceof ArrayBuffer) return { body };
  if (ArrayBuffer.isView(body)) return { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  return null;
}

/** Headers as the flat `[name, value, ...]` list `request()` takes, without building a Headers first. */
function flatHeaders(init: HeadersInit | undefined): string[] {
  const flat: string[] = [];
  if (!init) return flat;
  if (init instanceof Headers) init.forEach((value, name) => flat.push(name, value));
  else if (Array.isArray(init)) for (const [name, value] of init) flat.push(String(name), String(value));
  else for (const name of Object.keys(init)) flat.push(name, String(init[name]));
  return flat;
}

function hasHeader(flat: readonly string[], lowerName: string): boolean {
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === lowerName) return true;
  return false;
}

/** The request as `request()` sends it, or null when it needs fetch's own semantics. */
function directRequest(init: RequestInit): { method: string; headers: string[]; body: Body } | null {
  if (init.redirect !== 'manual') return null; // request() never follows redirects
  const body = simpleBody(init.body);
  if (!body) return null;
  const headers = flatHeaders(init.headers);
  // fetch decompresses what it asked to be compressed; request() hands over the raw bytes.
  if (hasHeader(headers, 'accept-encoding')) return null;
  if (body.type && !hasHeader(headers, 'content-type')) headers.push('content-type', body.type);
  return { method: (init.method ?? 'GET').toUpperCase(), headers, body: body.body };
}

/**
 * `url` as the origin and the path `Agent.request()` takes, or undefined for anything but a
 * plain `http(s)://host[:port]/path?query` (the package's own URLs are), which is left to
 * undici's own URL parsing. Splitting here skips a WHATWG URL parse per call.
 */
export function splitUrl(url: string): { origin: string; path: string } | undefined {
  const start = url.startsWith('https://') ? 8 : url.startsWith('http://') ? 7 : -1;
  if (start < 0) return undefined;
  let slash = url.length;
  for (let i = start; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 0x2f /* / */) {
      slash = i;
      break;
    }
    // userinfo, a query or fragment right after the host, upper case, or anything unusual: undici decides.
    if (!((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2d || code === 0x3a)) return undefined;
  }
  if (slash === start || url.includes('#', slash)) return undefined;
  return { origin: url.slice(0, slash), path: slash === url.length ? '/' : url.slice(slash) };
}

function answerOf(status: number, raw: Record<string, string | string[] | undefined>, body: BodySource): RawAnswer {
  let headers: Headers | undefined;
  return {
    status,
    header(name) {
      const value = raw[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    headers: () => (headers ??= headersOf(raw)),
    body,
  };
}

/**
 * Sends with undici when it can do so exactly as fetch would; resolves when the headers
 * arrive. Returns undefined when the request must go through fetch instead. `signal` may be an
 * EventEmitter that emits `abort`: undici takes one, at a small fraction of an AbortSignal's cost.
 */
export async function sendDirect(url: string, init: RequestInit, signal: AbortSignal | EventEmitter | undefined): Promise<RawAnswer | undefined> {
  const direct = directRequest(init);
  if (!direct) return undefined;
  const options = {
    method: direct.method as 'GET',
    headers: direct.headers,
    ...(direct.body !== undefined ? { body: direct.body as string } : {}),
    ...(signal ? { signal } : {}),
  };
  const split = splitUrl(url);
  const answer = split ? await sharedAgent().request({ ...options, ...split }) : await request(url, { ...options, dispatcher: sharedAgent() });
  return answerOf(answer.statusCode, answer.headers, nodeBody(answer.body));
}

/**
 * The default of the `fetch` option: fetch-compatible (the package always calls it with a URL
 * string and `redirect: 'manual'`), sent with undici's `request()` where it can be.
 */
export async function egnyteFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const answer = await sendDirect(url, init, init.signal ?? undefined);
  if (!answer) return globalThis.fetch(url, init);
  const response = responseOf(answer.status, answer.headers(), continuedStream([], answer.body, noop, (err) => err));
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

function noop(): void {}

/** Closes the default client's idle connections (tests and graceful shutdowns). */
export async function closeEgnyteConnections(): Promise<void> {
  const closing = agent;
  agent = undefined;
  await closing?.close();
}
