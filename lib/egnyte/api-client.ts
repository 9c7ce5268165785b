/**
 * The paced Egnyte API client behind `req.egnyte.fetch`, `req.egnyte.api`,
 * `egnyteApiFor({ loginId })` and `egnytePasswordGrant()`. Each call waits for a slot from the
 * shared {@link EgnytePacer}, goes through `callEgnyteApi` (path check, timeout, refused
 * tokens), records Egnyte's usage headers, and retries once after Egnyte's `Retry-After` when
 * the request is idempotent and the wait fits within `apiWaitMs`.
 */
import type { EgnyteHttpConfig } from './config.js';
import { EgnyteAuthError, isEgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { readEgnyteJson } from './api-answers.js';
import { folderApiPath, parseDirectoryUser, parseFolderListing, type EgnyteDirectoryUser, type EgnyteFolderListing } from './api-shapes.js';
import { callEgnyteApi } from './api.js';
import type { EgnytePacer } from './pacing.js';
import { egnyteQuota, type EgnyteQuota } from './quota.js';
import { isDailyQuota } from './throttling.js';

/** Options of {@link createEgnyteApiClient}. */
export interface EgnyteApiClientOptions {
  /** The validated `egnyteAuth()` config: `fetch`, `timeoutMs` and `domainBaseUrl` are used. */
  config: EgnyteHttpConfig;
  /** The user's Egnyte domain, normalised (`acme.egnyte.com`). */
  domain: string;
  /** The access token to send, asked before every call (so it may refresh). */
  accessToken: () => string | Promise<string>;
  /**
   * Called (and awaited) when Egnyte refuses the token (`login_required`,
   * `developer_inactive`): the place to end the login, or to find a newer token (another
   * instance refreshed). Answer `true` to have the call sent once more with `accessToken()`
   * (when its body can be sent again); otherwise the refusal is thrown. Its own errors are
   * logged and count as `false`.
   */
  onTokenRefused?: (error: EgnyteAuthError) => void | boolean | Promise<void | boolean>;
  /** The app's pacer (one per `egnyteAuth()`), see `createEgnytePacer`. */
  pacer: EgnytePacer;
  /** What the pacer counts per: one key per token or login, never the token itself. */
  paceKey: string;
}

/** Typed helpers for the calls apps make first. Each returns parsed JSON or throws {@link EgnyteAuthError}. */
export interface EgnyteApi {
  /**
   * `GET path` on the user's domain, answer parsed as JSON (whatever its content type;
   * `undefined` when empty). Non-2xx answers throw: `not_found` (404), `permission_denied`
   * (403), `rate_limited`, `login_required`, `developer_inactive`, `upstream_error`, ...
   */
  get<T = unknown>(path: string, init?: { headers?: HeadersInit; signal?: AbortSignal }): Promise<T>;
  /** A user of the domain from Egnyte's Users API (`GET /pubapi/v2/users/{id}`). */
  userById(id: number): Promise<EgnyteDirectoryUser>;
  /** A folder's sub-folders and files (`GET /pubapi/v1/fs/{path}`), e.g. `listFolder('/Shared')`. */
  listFolder(path: string): Promise<EgnyteFolderListing>;
}

/** What {@link createEgnyteApiClient} returns. */
export interface EgnyteApiClient {
  /**
   * Calls `path` on the user's domain with the user's token, paced. Answers come back as they
   * are (stream the body if you like), except that throttling that outlasts `apiWaitMs` and
   * refused tokens throw {@link EgnyteAuthError}.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Typed helpers over the same paced calls. */
  readonly api: EgnyteApi;
  /** Egnyte's usage headers from the latest answer, if it sent any (see `egnyteQuota`). */
  readonly quota: EgnyteQuota | undefined;
}

/** Methods that may be sent twice (RFC 9110 section 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Extra time a call may hold its pacing lane beyond `timeoutMs`: reading the token and the limiter. */
const HOLD_MARGIN_MS = 2000;

/** A body that can be sent again: none, or one held in memory (a stream is read once). */
function isReplayable(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof FormData
  );
}

function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Makes a paced client for one user's token. Cheap: make one per request or job.
 *
 * @example
 * ```ts
 * const client = createEgnyteApiClient({ config, domain, accessToken: async () => tokens.accessToken,
 *   pacer, paceKey: loginId, onTokenRefused: () => endLogin(loginId) });
 * const me = await client.api.get<{ username: string }>('/pubapi/v1/userinfo');
 * ```
 */
export function createEgnyteApiClient(options: EgnyteApiClientOptions): EgnyteApiClient {
  const { config, domain, pacer, paceKey } = options;
  let quota: EgnyteQuota | undefined;

  async function tokenRefused(error: EgnyteAuthError): Promise<boolean> {
    try {
      return (await options.onTokenRefused?.(error)) === true;
    } catch {
      log.upstream('onTokenRefused threw; the refusal is reported anyway');
      return false;
    }
  }

  async function call(path: string, init: RequestInit, until: 'body' | 'headers'): Promise<Response> {
    const deadline = Date.now() + pacer.apiWaitMs;
    const method = (init.method ?? 'GET').toUpperCase();
    const replayable = isReplayable(init.body);
    const retriable = IDEMPOTENT.has(method) && replayable;
    let refusedOnce = false;
    for (let attempt = 0; ; attempt++) {
      // The token is read before queueing for a slot: a slow refresh must not hold a lane.
      const accessToken = await options.accessToken();
      const slot = await pacer.acquire(paceKey, { deadline, holdMs: config.timeoutMs + HOLD_MARGIN_MS, signal: init.signal });
      let seen: Response | undefined;
      let fetched = false;
      // Sees every answer before callEgnyteApi judges it, for the usage headers and Mashery's code.
      const observed: EgnyteHttpConfig = {
        ...config,
        fetch: async (url, requestInit) => {
          fetched = true;
          return (seen = await config.fetch(url, requestInit));
        },
      };
      try {
        const response = await callEgnyteApi(observed, domain, accessToken, path, init, until);
        quota = egnyteQuota(response) ?? quota;
        return response;
      } catch (err) {
        if (seen) quota = egnyteQuota(seen) ?? quota;
        if (!isEgnyteAuthError(err)) throw err;
        if (err.code === 'login_required' || err.code === 'developer_inactive') {
          // A refused request did nothing at Egnyte: sending it again with a newer token is safe.
          if (!refusedOnce && (await tokenRefused(err)) && replayable) {
            refusedOnce = true;
            continue;
          }
          throw err;
        }
        const daily = isDailyQuota(err);
        const waitMs = (err.retryAfter ?? 1) * 1000;
        if (err.code !== 'rate_limited' || daily || !retriable || attempt > 0 || Date.now() + waitMs >= deadline) throw err;
        log.upstream('%s throttled by Egnyte; retrying once in %ds', method, err.retryAfter ?? 1);
        slot.release();
        await sleep(waitMs, init.signal);
      } finally {
        // No fetch at all (a refused path): nothing reached Egnyte, so the lane is free at once.
        slot.release(fetched);
      }
    }
  }

  const api: EgnyteApi = {
    async get<T = unknown>(path: string, init: { headers?: HeadersInit; signal?: AbortSignal } = {}): Promise<T> {
      const headers = new Headers(init.headers);
      if (!headers.has('accept')) headers.set('accept', 'application/json');
      const response = await call(path, { method: 'GET', headers, ...(init.signal ? { signal: init.signal } : {}) }, 'body');
      return (await readEgnyteJson(response)) as T;
    },
    async userById(id: number): Promise<EgnyteDirectoryUser> {
      if (!Number.isSafeInteger(id) || id < 0) {
        throw new EgnyteAuthError('invalid_request', 'userById(id) takes an Egnyte user id (a non-negative integer).', { status: 500 });
      }
      return parseDirectoryUser(await api.get(`/pubapi/v2/users/${id}`));
    },
    async listFolder(path: string): Promise<EgnyteFolderListing> {
      return parseFolderListing(await api.get(folderApiPath(path)));
    },
  };

  return {
    fetch: (path, init = {}) => call(path, init, 'headers'),
    api,
    get quota() {
      return quota;
    },
  };
}
