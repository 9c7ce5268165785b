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
  /** Reads like {@link readCapped}, faster, when the source can; nothing may be read one chunk at a time after it. */
  readCapped?(maxBytes: number): Promise<CappedRead>;
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

/**
 * Reads a Node stream up to just past `maxBytes` with its own events: its async iterator is a
 * generator resumed per chunk, which cost more than the read of a small answer itself.
 */
function readStreamCapped(stream: Readable, maxBytes: number): Promise<CappedRead> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    const stop = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Uint8Array): void => {
      chunks.push(chunk);
      bytes += chunk.byteLength;
      if (bytes <= maxBytes) return;
      stop();
      stream.pause();
      resolve({ chunks, bytes, ended: false });
    };
    const onEnd = (): void => {
      stop();
      resolve({ chunks, bytes, ended: true });
    };
    const onError = (err: unknown): void => {
      stop();
      reject(err);
    };
    // Destroyed without an error (aborted): the body did not end.
    const onClose = (): void => onError(new Error('the answer was cut off'));
    // Failed or cut off before this reader came: its events are gone already.
    if (stream.errored || stream.destroyed) return reject(stream.errored ?? new Error('the answer was cut off'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** A Node stream (undici's response body) as a {@link BodySource}. */
export function nodeBody(stream: Readable): BodySource {
  let chunks: AsyncIterator<Uint8Array> | undefined;
  return {
    async next() {
      chunks ??= stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      const { done, value } = await chunks.next();
      return done ? undefined : value;
    },
    cancel(reason) {
      stream.destroy(reason instanceof Error ? reason : undefined);
    },
    readCapped: (maxBytes) => readStreamCapped(stream, maxBytes),
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
