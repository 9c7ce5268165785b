/**
 * Reading Egnyte API answers: JSON whatever the content type says (Egnyte sometimes labels
 * JSON `text/plain`), bounded in size, and every error shape turned into an
 * {@link EgnyteAuthError}. Like `classifyEgnyteAnswer`, messages never quote Egnyte's free
 * text (it may echo a token or a password); only Egnyte's machine codes are kept.
 */
import { EgnyteAuthError } from '../errors/errors.js';
import { classifyEgnyteAnswer } from './upstream.js';

/** Largest API answer read into memory, in bytes. Listings of huge folders are paged by Egnyte. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** Largest error body read, in bytes. */
const MAX_ERROR_BYTES = 64 * 1024;
const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Reads a body as UTF-8, refusing (and cancelling) one over `maxBytes`. */
export async function readBoundedText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new EgnyteAuthError('upstream_error', `Egnyte's answer is larger than ${maxBytes} bytes; read it with fetch() as a stream instead.`, {
        upstreamStatus: response.status,
      });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses an API answer's text as JSON, whatever its content type. Empty text is `undefined`
 * (Egnyte answers some calls with 204). Pure; throws `upstream_error` for anything else.
 */
export function parseEgnyteJson(text: string, status: number): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    const html = /^<(?:!doctype|html|h\d|body|head)\b/i.test(trimmed);
    throw new EgnyteAuthError('upstream_error', html ? 'Egnyte answered with an HTML page, not JSON.' : 'Egnyte\'s answer was not valid JSON.', {
      upstreamStatus: status,
    });
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Egnyte's machine-readable error codes in an error body, of every known shape:
 * `{"formErrors":[{"code"}]}`, SCIM `{"Errors":[{"code"}]}` (and lower-case `errors`),
 * `{"errors":{"inputErrors":[{"code"}]}}`, and a top-level `code`. Only short code-like
 * words are kept: never free text. Pure.
 */
export function egnyteErrorCodes(body: unknown): string[] {
  const root = asRecord(body);
  if (!root) return [];
  const entries: unknown[] = [root];
  for (const name of ['formErrors', 'Errors', 'errors']) {
    const list = root[name];
    if (Array.isArray(list)) entries.push(...list.slice(0, 20));
    const nested = asRecord(list)?.inputErrors;
    if (Array.isArray(nested)) entries.push(...nested.slice(0, 20));
  }
  const codes: string[] = [];
  for (const entry of entries) {
    const code = asRecord(entry)?.code;
    const word = typeof code === 'number' && Number.isSafeInteger(code) ? String(code) : code;
    if (typeof word === 'string' && SAFE_CODE.test(word) && !codes.includes(word)) codes.push(word);
  }
  return codes.slice(0, 5);
}

/**
 * Turns a non-2xx API answer into an {@link EgnyteAuthError}: throttling, refused tokens and
 * Egnyte's special messages as `classifyEgnyteAnswer` reads them; otherwise 404 `not_found`,
 * 403 `permission_denied`, and `upstream_error` for the rest, with Egnyte's codes in the
 * message. Consumes the body.
 */
export async function egnyteApiFailure(response: Response): Promise<EgnyteAuthError> {
  const text = await readBoundedText(response, MAX_ERROR_BYTES).catch(() => '');
  const classified = classifyEgnyteAnswer(response.status, (name) => response.headers.get(name), text, 'api');
  if (classified.code !== 'upstream_error' || response.status >= 500) return classified;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const codes = egnyteErrorCodes(parsed);
  const said = codes.length > 0 ? ` (${codes.join(', ')})` : '';
  const upstreamStatus = response.status;
  if (upstreamStatus === 404) {
    return new EgnyteAuthError('not_found', `Egnyte has nothing at that path (HTTP 404${codes.length > 0 ? `, ${codes.join(', ')}` : ''}).`, { upstreamStatus });
  }
  if (upstreamStatus === 403) {
    return new EgnyteAuthError('permission_denied', `Egnyte refused access for this user (HTTP 403${codes.length > 0 ? `, ${codes.join(', ')}` : ''}).`, {
      upstreamStatus,
    });
  }
  return new EgnyteAuthError('upstream_error', `Egnyte answered HTTP ${upstreamStatus}${said}.`, { upstreamStatus });
}

/** The JSON of an API answer: parsed when 2xx, an {@link EgnyteAuthError} otherwise. */
export async function readEgnyteJson(response: Response): Promise<unknown> {
  if (!response.ok) throw await egnyteApiFailure(response);
  return parseEgnyteJson(await readBoundedText(response, MAX_JSON_BYTES), response.status);
}
