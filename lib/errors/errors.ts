/**
 * Every failure the package reports, as one typed error with a stable `code`, an HTTP
 * `status` and a message written for the developer or user who has to act on it.
 */

/** The stable codes an {@link EgnyteAuthError} can carry. */
export type EgnyteAuthErrorCode =
  | 'invalid_config'
  | 'invalid_domain'
  | 'domain_not_allowed'
  | 'state_missing'
  | 'state_mismatch'
  | 'session_missing'
  | 'access_denied'
  | 'authorization_failed'
  | 'missing_code'
  | 'invalid_request'
  | 'unknown_domain'
  | 'token_exchange_failed'
  | 'developer_inactive'
  | 'key_domain_mismatch'
  | 'rate_limited'
  | 'sign_in_throttled'
  | 'upstream_unavailable'
  | 'upstream_error'
  | 'login_required'
  | 'session_store_failed'
  | 'coordination_unavailable'
  | 'sign_in_refused'
  | 'not_found'
  | 'permission_denied';

/** HTTP status used for each code unless the thrower says otherwise. */
export const DEFAULT_STATUS: Readonly<Record<EgnyteAuthErrorCode, number>> = Object.freeze({
  invalid_config: 500,
  invalid_domain: 400,
  domain_not_allowed: 403,
  state_missing: 400,
  state_mismatch: 400,
  session_missing: 400,
  access_denied: 403,
  authorization_failed: 400,
  missing_code: 400,
  invalid_request: 400,
  unknown_domain: 400,
  token_exchange_failed: 502,
  developer_inactive: 401,
  key_domain_mismatch: 403,
  rate_limited: 503,
  sign_in_throttled: 429,
  upstream_unavailable: 503,
  upstream_error: 502,
  login_required: 401,
  session_store_failed: 503,
  coordination_unavailable: 503,
  sign_in_refused: 403,
  not_found: 404,
  permission_denied: 403,
});

/** Options accepted by the {@link EgnyteAuthError} constructor. */
export interface EgnyteAuthErrorOptions {
  /** HTTP status to answer with; defaults to the code's usual status. */
  status?: number;
  /** Seconds the client should wait before trying again (sent as `Retry-After`). */
  retryAfter?: number;
  /** Every problem found, for `invalid_config`. */
  problems?: readonly string[];
  /** HTTP status Egnyte answered with, when the error comes from Egnyte. */
  upstreamStatus?: number;
  /**
   * The underlying error. Only pass errors that cannot carry secrets: the package never
   * attaches raw upstream bodies or library errors that may quote them.
   */
  cause?: unknown;
}

/**
 * The one error type this package throws or passes to `next(err)`.
 *
 * @example
 * ```ts
 * import type { ErrorRequestHandler } from 'express';
 * import { EgnyteAuthError } from 'express-egnyte-auth';
 *
 * const declined: ErrorRequestHandler = (err, req, res, next) => {
 *   if (err instanceof EgnyteAuthError && err.code === 'access_denied') return res.redirect('/declined');
 *   next(err);
 * };
 * app.use(declined);
 * ```
 */
export class EgnyteAuthError extends Error {
  /** Stable machine-readable code; switch on this, not on the message. */
  readonly code: EgnyteAuthErrorCode;
  /** HTTP status the package's error handler answers with. */
  readonly status: number;
  /** Seconds to wait before retrying, when Egnyte or the store asked for a pause. */
  readonly retryAfter?: number;
  /** For `invalid_config`: every problem found in the options, one per entry. */
  readonly problems?: readonly string[];
  /** HTTP status Egnyte answered with, when the error comes from Egnyte. */
  readonly upstreamStatus?: number;

  constructor(code: EgnyteAuthErrorCode, message: string, options: EgnyteAuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EgnyteAuthError';
    this.code = code;
    this.status = options.status ?? DEFAULT_STATUS[code];
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.problems !== undefined) this.problems = Object.freeze([...options.problems]);
    if (options.upstreamStatus !== undefined) this.upstreamStatus = options.upstreamStatus;
  }

  /** The JSON body the error handler sends to API clients: no stack, no cause. */
  toJSON(): { error: EgnyteAuthErrorCode; message: string; retryAfter?: number; problems?: readonly string[] } {
    return {
      error: this.code,
      message: this.message,
      ...(this.retryAfter !== undefined ? { retryAfter: this.retryAfter } : {}),
      ...(this.problems !== undefined ? { problems: this.problems } : {}),
    };
  }
}

/** True when `err` is an {@link EgnyteAuthError}, optionally with one of the given codes. */
export function isEgnyteAuthError(err: unknown, ...codes: EgnyteAuthErrorCode[]): err is EgnyteAuthError {
  return err instanceof EgnyteAuthError && (codes.length === 0 || codes.includes(err.code));
}

/** An {@link EgnyteAuthError} as plain data, so instances can share an outcome through Redis. */
export interface EgnyteAuthErrorData {
  code: EgnyteAuthErrorCode;
  message: string;
  status: number;
  retryAfter?: number;
  upstreamStatus?: number;
}

/** The error as plain data (no stack, no cause). */
export function errorToData(err: EgnyteAuthError): EgnyteAuthErrorData {
  return {
    code: err.code,
    message: err.message,
    status: err.status,
    ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
    ...(err.upstreamStatus !== undefined ? { upstreamStatus: err.upstreamStatus } : {}),
  };
}

/** The error again, from {@link errorToData}'s plain data. */
export function errorFromData(data: EgnyteAuthErrorData): EgnyteAuthError {
  return new EgnyteAuthError(data.code, data.message, {
    status: data.status,
    ...(data.retryAfter !== undefined ? { retryAfter: data.retryAfter } : {}),
    ...(data.upstreamStatus !== undefined ? { upstreamStatus: data.upstreamStatus } : {}),
  });
}

/** `err` as an {@link EgnyteAuthError}: unexpected errors become a generic `upstream_error`, never quoted. */
export function asEgnyteAuthError(err: unknown, fallback: string): EgnyteAuthError {
  return err instanceof EgnyteAuthError ? err : new EgnyteAuthError('upstream_error', fallback);
}
