/**
 * Reading Egnyte's answers by bytes, never unbounded: one pull-based view of a body (a
 * WHATWG stream from an injected fetch, or a Node stream from the default client), capped
 * reads, and Responses rebuilt from what was read.
 */
import type { Readable } from 'node:stream';

/** The most of an error body read: enough for any message Egnyte sends, little for an attacker. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** The most of a successful answer the package reads itself (token, userinfo: a few hundred bytes). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A body read one chunk at a time. */
export interface BodySource {
  /** The next chunk, or undefined at the end. Rejects when the stream fails. */
  next(): Promise<Uint8Array | undefined>;
  /** Stops reading and releases the connection. Never throws. */
  cancel(reason?: unknown): void;
}

const NO_BODY: BodySource = { next: () => Promise.resolve(undefined), cancel: () => undefined };

/** A WHATWG stream (an injected fetch's `response.body`) as a {@link BodySource}. */
export function webBody(stream: ReadableStream<Uint8Array> | null): BodySource {
  if (!stream) return NO_BODY;
  // Locked on first read only: until then the Response can still be handed back untouched.
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    async next() {
      reader ??= stream.getReader();
      const { done, value } = await reader.read();
      return done ? undefined : value;
    },
    cancel(reason) {
      (reader ? reader.cancel(reason) : stream.cancel(reason)).catch(() => undefined);
    },
  };
}

/** A Node stream (undici's response body) as a {@link BodySource}. */
export function nodeBody(stream: Readable): BodySource {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return {
    async next() {
      const { done, value } = await chunks.next();
      return done ? undefined : value;
    },
    cancel(reason) {
      stream.destroy(reason instanceof Error ? reason : undefined);
    },
  };
}

/** What {@link readCapped} read: the chunks, and whether the body ended within the cap. */
export interface CappedRead {
  chunks: Uint8Array[];
  bytes: number;
  ended: boolean;
}

/**
 * Reads until the body ends or more than `maxBytes` arrived. Past the cap it stops pulling:
 * an endless or huge body costs at most one chunk beyond the cap.
 */
export async function readCapped(body: BodySource, maxBytes: number): Promise<CappedRead> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const chunk = await body.next();
    if (chunk === undefined) return { chunks, bytes, ended: true };
    chunks.push(chunk);
    bytes += chunk.byteLength;
    if (bytes > maxBytes) return { chunks, bytes, ended: false };
  }
}

/** The chunks as one byte array, cut at `maxBytes`. */
export function joinChunks(chunks: readonly Uint8Array[], maxBytes = Infinity): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength <= maxBytes) return chunks[0]!;
  const all = Buffer.concat(chunks);
  return all.byteLength > maxBytes ? all.subarray(0, maxBytes) : all;
}

/** Statuses whose Response must not have a body. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** A Response from an already read body (or a stream), as the package's callers expect one. */
export function responseOf(status: number, headers: Headers, body: Uint8Array | ReadableStream<Uint8Array> | null): Response {
  return new Response(NULL_BODY_STATUS.has(status) ? null : (body as BodyInit | null), { status, headers });
}

/**
 * A stream that replays `prefix`, then the rest of `body`; `release` runs once when it ends,
 * fails or is cancelled. Errors pass through `mapError` (the app's abort stays the app's).
 */
export function continuedStream(
  prefix: readonly Uint8Array[],
  body: BodySource,
  release: () => void,
  mapError: (err: unknown) => unknown,
): ReadableStream<Uint8Array> {
  let index = 0;
  let released = false;
  const done = (): void => {
    if (released) return;
    released = true;
    release();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index < prefix.length) {
        controller.enqueue(prefix[index++]!);
        return;
      }
      try {
        const chunk = await body.next();
        if (chunk === undefined) {
          done();
          controller.close();
        } else {
          controller.enqueue(chunk);
        }
      } catch (err) {
        const mapped = mapError(err);
        done();
        controller.error(mapped);
      }
    },
    cancel(reason) {
      body.cancel(reason);
      done();
    },
  });
}

/** Headers from Node's `IncomingHttpHeaders` shape (arrays for repeated fields). */
export function headersOf(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (typeof value === 'string') headers.append(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return headers;
}
