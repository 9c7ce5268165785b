/**
 * Small HTTP helpers of the emulator: reading form bodies and writing answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the emulator reads, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Thrown by {@link readBody} when the body is larger than {@link MAX_BODY_BYTES}. */
export class BodyTooLargeError extends Error {
  constructor() {
    super('Request body too large');
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the whole request body as UTF-8 (bounded). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.on('end', () => {
      ended = true;
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('close', () => {
      // The client went away mid-body: settle so nothing waits forever.
      if (!ended && !failed) {
        failed = true;
        reject(new Error('Request aborted'));
      }
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

/** True when the `Content-Type` is `application/x-www-form-urlencoded` (parameters allowed). */
export function isFormContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** Decodes a form / query string to a record; the first of repeated names wins. */
export function paramsToRecord(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of params) {
    if (!(name in out)) out[name] = value;
  }
  return { ...out };
}

/** Writes a complete answer unless the socket is already gone. */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body);
}

/** Answers whose JSON goes out as `text/plain` (the `jsonAsText` option). */
const plainJson = new WeakSet<ServerResponse>();

/** Makes {@link sendJson} label this answer's JSON `text/plain`, as Egnyte sometimes does. */
export function sendJsonAsText(res: ServerResponse): void {
  plainJson.add(res);
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const type = plainJson.has(res) ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  send(res, status, JSON.stringify(value), type, headers);
}

/**
 * Security headers of the emulator's HTML pages (no scripts, no framing). No
 * `Referrer-Policy` here: Egnyte's pages leave the browser's default, and the emulator's
 * `referrerPolicy` option sets one on every answer.
 */
const HTML_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
});

/** Writes an HTML page. */
export function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, html, 'text/html; charset=utf-8', { ...HTML_HEADERS });
}

/** Writes a redirect. */
export function redirect(res: ServerResponse, location: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.statusCode = 302;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}
