/**
 * One request to Egnyte, from sending to the last byte the package reads: the timeout, the
 * app's own abort signal, capped body reads, and errors in the package's terms. Everything a
 * call makes (its timer, its abort handle, its listener on the app's signal) is released when
 * the call is over, so nothing outlives the request that made it.
 */
import { EventEmitter } from 'node:events';
import type { EgnyteHttpConfig } from './config.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { type CappedRead, MAX_BODY_BYTES, MAX_ERROR_BODY_BYTES, continuedStream, joinChunks, readCapped, responseOf, webBody } from './http-body.js';
import { type RawAnswer, egnyteFetch, sendDirect } from './http-client.js';

const SAFE_WORD = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The timer, the abort handle and the link to the app's signal of one call. The handle is an
 * EventEmitter for the default client (undici takes one; an AbortController with its listener
 * costs about 20 times more) and an AbortController only for an injected fetch.
 */
class CallLifetime {
  timedOut = false;
  appAborted = false;
  private controller: AbortController | undefined;
  private emitter: EventEmitter | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;
  private released = false;

  constructor(
    readonly timeoutMs: number,
    private readonly appSignal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(this.onTimeout, timeoutMs);
    this.timer.unref();
    appSignal?.addEventListener('abort', this.onAppAbort);
  }

  /** An AbortSignal for an injected fetch. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  /** An `abort` emitter for undici. */
  get events(): EventEmitter {
    this.emitter ??= new EventEmitter();
    return this.emitter;
  }

  private abort(reason: unknown): void {
    this.controller?.abort(reason);
    this.emitter?.emit('abort');
  }

  private readonly onTimeout = (): void => {
    if (this.timedOut || this.appAborted) return;
    this.timedOut = true;
    this.abort(new DOMException('Egnyte did not answer in time', 'TimeoutError'));
  };

  private readonly onAppAbort = (): void => {
    if (this.timedOut || this.appAborted) return;
    this.appAborted = true;
    this.abort(this.appSignal?.reason);
  };

  /** The answer's headers (or the error body) are in: the timeout has done its job. */
  stopTimer(): void {
    clearTimeout(this.timer);
  }

  /** The call is over: nothing of it may stay registered anywhere. */
  readonly release = (): void => {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    this.appSignal?.removeEventListener('abort', this.onAppAbort);
  };

  /** Any failure as the caller should see it: the app's abort, a timeout, or Egnyte unreachable. */
  readonly failure = (err: unknown): unknown => {
    if (err instanceof EgnyteAuthError) return err;
    if (this.timedOut) {
      return new EgnyteAuthError('upstream_unavailable', `Egnyte did not answer within ${this.timeoutMs} ms. Try again in a moment.`, { retryAfter: 5 });
    }
    if (this.appAborted) return this.appSignal?.reason;
    return new EgnyteAuthError('upstream_unavailable', 'Egnyte could not be reached (network error). Try again in a moment.', {
      retryAfter: 5,
      cause: safeNetworkCause(err),
    });
  };
}

/** The error's code (undici's own, or fetch's `cause.code`) when it is a plain word: never a message. */
function safeNetworkCause(err: unknown): Error | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' && SAFE_WORD.test(code) ? new Error(code) : undefined;
}

async function send(config: EgnyteHttpConfig, url: string, init: RequestInit, call: CallLifetime): Promise<RawAnswer> {
  if (config.fetch === egnyteFetch) {
    const direct = await sendDirect(url, { ...init, redirect: 'manual' }, call.events);
    if (direct) return direct;
  }
  const response = await config.fetch(url, { ...init, signal: call.signal, redirect: 'manual' });
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    headers: () => response.headers,
    body: webBody(response.body),
    original: response,
  };
}

/** Logs the method, the path (never the query: it may carry something secret), the outcome and the time. */
function logAnswer(init: RequestInit, url: string, started: number, status: number | undefined, failure?: string): void {
  if (!log.upstream.enabled) return;
  const { pathname } = new URL(url);
  if (status !== undefined) log.upstream('%s %s -> %d in %dms', init.method ?? 'GET', pathname, status, Date.now() - started);
  else log.upstream('%s %s failed in %dms: %s', init.method ?? 'GET', pathname, Date.now() - started, failure);
}

/**
 * Calls Egnyte with the configured fetch and timeout. Network failures and timeouts become
 * `upstream_unavailable`; an abort of the app's own `init.signal` rejects with the app's
 * reason, as fetch does. With `until: 'body'` the answer is read (at most 1 MiB, or 64 KiB of
 * an error) within the timeout and handed back complete. With `'headers'` the timeout covers
 * the headers only, so an app streaming a large file through `req.egnyte.fetch` is not cut
 * off; an error answer's body (up to 64 KiB) is still read within it, because the package
 * reads it to classify the error.
 */
export async function callEgnyte(config: EgnyteHttpConfig, url: string, init: RequestInit = {}, until: 'body' | 'headers' = 'body'): Promise<Response> {
  const { answer, call } = await start(config, url, init);
  const { status } = answer;
  const appSignal = init.signal ?? undefined;

  if (until === 'headers' && status < 400) {
    call.stopTimer();
    if (answer.original && !appSignal) {
      call.release();
      return answer.original;
    }
    // The app's signal must still reach the body it streams; the link goes when the body ends.
    return responseOf(status, answer.headers(), continuedStream([], answer.body, call.release, call.failure));
  }

  const limit = status >= 400 ? MAX_ERROR_BODY_BYTES : MAX_BODY_BYTES;
  const read = await readWithin(answer, call, limit);
  if (until === 'headers' && !read.ended) {
    // An error answer longer than the package needs: the rest is the app's to stream.
    call.stopTimer();
    return responseOf(status, answer.headers(), continuedStream(read.chunks, answer.body, call.release, call.failure));
  }
  return responseOf(status, answer.headers(), finish(answer, call, read, limit));
}

/** Sends, with the call's lifetime started; a failure to send is released and reported in the package's terms. */
async function start(config: EgnyteHttpConfig, url: string, init: RequestInit): Promise<{ answer: RawAnswer; call: CallLifetime }> {
  const appSignal = init.signal ?? undefined;
  appSignal?.throwIfAborted(); // nothing sent: the app's own abort, as fetch reports it
  const call = new CallLifetime(config.timeoutMs, appSignal);
  const started = Date.now();
  let answer: RawAnswer;
  try {
    answer = await send(config, url, init, call);
  } catch (err) {
    call.release();
    const failure = call.failure(err);
    logAnswer(init, url, started, undefined, call.appAborted ? 'aborted by the app' : call.timedOut ? 'timeout' : 'network error');
    throw failure;
  }
  logAnswer(init, url, started, answer.status);
  return { answer, call };
}

/** Reads up to `limit`; `whole`: nothing more will be read of it, so the source's own reader may be used. */
async function readWithin(answer: RawAnswer, call: CallLifetime, limit: number, whole = false): Promise<CappedRead> {
  try {
    return await (whole && answer.body.readCapped ? answer.body.readCapped(limit) : readCapped(answer.body, limit));
  } catch (err) {
    call.release();
    throw call.failure(err);
  }
}

/** The call is over once its body is read: the bytes within `limit`, or a refusal of an oversized success. */
function finish(answer: RawAnswer, call: CallLifetime, read: CappedRead, limit: number): Uint8Array {
  call.release();
  if (!read.ended) {
    answer.body.cancel();
    if (answer.status < 400) {
      throw new EgnyteAuthError('upstream_error', `Egnyte's answer was larger than ${MAX_BODY_BYTES / 1024} KiB, far more than expected; it was not read.`, {
        upstreamStatus: answer.status,
      });
    }
  }
  return joinChunks(read.chunks, limit);
}

/** An answer read whole, for the package's own calls (token, userinfo, revocation): no Response is built for it. */
export interface EgnyteAnswer {
  status: number;
  /** One header's value (repeated ones joined with ", "), or null. */
  header(name: string): string | null;
  /** The body: at most 1 MiB, or 64 KiB of an error. */
  body: Uint8Array;
}

/**
 * Like {@link callEgnyte} with `until: 'body'`, for callers that only need the status, a few
 * headers and the bytes. A Response (its Headers, its stream) costs several times what the
 * request itself does, on every sign-in and re-read; the package's own calls skip it.
 */
export async function requestEgnyte(config: EgnyteHttpConfig, url: string, init: RequestInit = {}): Promise<EgnyteAnswer> {
  const { answer, call } = await start(config, url, init);
  const limit = answer.status >= 400 ? MAX_ERROR_BODY_BYTES : MAX_BODY_BYTES;
  const body = finish(answer, call, await readWithin(answer, call, limit, true), limit);
  return { status: answer.status, header: answer.header, body };
}
