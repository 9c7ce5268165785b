/**
 * `egnyteSessionStore(store)`: makes session store failures answer like every other
 * failure of the package (503 `session_store_failed` with `Retry-After`) instead of the
 * store's raw error. express-session calls `next(err)` with that raw error when `get`
 * fails, before any of this package's code runs, so only a wrapper around the store can
 * name it. The wrapper also bounds slow stores: an answer later than `timeoutMs` fails.
 */
import type { Store } from 'express-session';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';

/** Options of {@link egnyteSessionStore}. */
export interface EgnyteSessionStoreOptions {
  /** How long one store operation may take, in milliseconds. Default 5000. */
  timeoutMs?: number;
}

const WRAPPED = new Set(['get', 'set', 'destroy', 'touch']);
const VERBS: Readonly<Record<string, string>> = { get: 'load', set: 'save', destroy: 'remove', touch: 'refresh' };

type Callback = (err?: unknown, ...rest: unknown[]) => void;

function storeFailure(method: string, timedOut: boolean): EgnyteAuthError {
  // No `cause`: a store's error may quote its connection string, password included.
  return new EgnyteAuthError(
    'session_store_failed',
    `The session store ${timedOut ? 'did not answer in time' : 'failed'} when asked to ${VERBS[method] ?? method} the session. Try again in a moment.`,
    { retryAfter: 5 },
  );
}

/** Calls `fn` with the store's answer, or with a `session_store_failed` error; exactly once. */
function guardedCallback(method: string, fn: Callback | undefined, timeoutMs: number): Callback {
  let settled = false;
  const timer = setTimeout(() => finish(storeFailure(method, true)), timeoutMs);
  timer.unref();
  function finish(err?: unknown, ...rest: unknown[]): void {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    // ENOENT from `get` means "no such session" to express-session: not a failure.
    if (err && (err as { code?: unknown }).code !== 'ENOENT') {
      log.config('session store %s failed%s', method, err instanceof EgnyteAuthError ? ' (timeout)' : '');
      fn?.(err instanceof EgnyteAuthError ? err : storeFailure(method, false));
      return;
    }
    fn?.(err, ...rest);
  }
  return finish;
}

/**
 * Wraps an express-session store so its failures and timeouts reach the app as
 * {@link EgnyteAuthError} `session_store_failed` (503, `Retry-After: 5`), which
 * `egnyteErrorHandler()` renders. Everything else is passed through to `store`.
 *
 * @example
 * ```ts
 * import session from 'express-session';
 * import { RedisStore } from 'connect-redis';
 * import { createClient } from 'redis';
 * import { egnyteSessionStore } from 'express-egnyte-auth';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * app.use(session({ store: egnyteSessionStore(new RedisStore({ client })), secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));
 * ```
 */
export function egnyteSessionStore<S extends Store>(store: S, options: EgnyteSessionStoreOptions = {}): S {
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new EgnyteAuthError('invalid_config', 'egnyteSessionStore(store, { timeoutMs }) must be a positive number of milliseconds.', {
      problems: ['timeoutMs must be a positive number'],
    });
  }
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !WRAPPED.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const last = args.length - 1;
        const fn = typeof args[last] === 'function' ? (args[last] as Callback) : undefined;
        const callback = guardedCallback(prop, fn, timeoutMs);
        const callArgs = fn ? [...args.slice(0, last), callback] : [...args, callback];
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, callArgs);
        } catch (err) {
          callback(err);
          return undefined;
        }
      };
    },
  });
}
