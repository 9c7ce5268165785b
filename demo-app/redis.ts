/**
 * The demo on Redis: one node-redis client per process serves both the session store
 * (connect-redis, wrapped in `egnyteSessionStore()`) and the package's coordination
 * (`redisCoordination()`), which is what lets several instances share one sign-in.
 */
import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { createClient } from 'redis';
import { egnyteSessionStore } from 'express-egnyte-auth';
import type { EgnyteCoordination } from 'express-egnyte-auth';
import { redisCoordination } from 'express-egnyte-auth/redis';
import { redactUrl } from './config-instances.js';

/** Prefix of the demo's session keys in Redis. */
export const SESSION_PREFIX = 'egnyte-demo:sess:';
/** Prefix of the keys the package writes to coordinate instances. */
export const COORDINATION_PREFIX = 'egnyte-demo:auth:';

/** Attempts to reach Redis at start-up before the demo gives up with a clear message. */
const START_ATTEMPTS = 3;

/** Redis, connected, with what the app needs of it. */
export interface DemoRedis {
  /** The URL, password replaced by `***`: safe to print. */
  shownUrl: string;
  /** The express-session store. */
  sessionStore: Store;
  /** The package's coordination. */
  coordination: EgnyteCoordination;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Redis could not be reached at start-up; `message` says where (without the password) and why. */
export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Connects to `url`. At start-up it tries a few times, then throws
 * {@link RedisUnavailableError}; once connected it reconnects forever, and the package
 * answers 503 `coordination_unavailable` (or `session_store_failed`) meanwhile.
 * `log` gets one line when the connection is lost and one when it is back, not one per retry.
 */
export async function connectDemoRedis(url: string, log: (line: string) => void): Promise<DemoRedis> {
  const shownUrl = redactUrl(url);
  let connected = false;
  const client = createClient({
    url,
    socket: {
      connectTimeout: 3000,
      reconnectStrategy: (retries, cause) => {
        // A new Error, not `cause`: node-redis checks `instanceof Error`, which a socket error
        // from another realm (jest's sandbox) fails, and it would then retry forever.
        if (!connected && retries >= START_ATTEMPTS - 1) return new Error(cause.message);
        return Math.min(100 * 2 ** retries, 2000);
      },
    },
  });
  let down = false;
  // node-redis emits 'error' on every failed reconnect: without a listener the process would crash.
  client.on('error', (err: Error) => {
    if (!connected || down) return;
    down = true;
    log(`Redis at ${shownUrl}: connection lost (${err.message}); reconnecting.`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log(`Redis at ${shownUrl}: connected again.`);
  });
  try {
    await client.connect();
  } catch (err) {
    if (client.isOpen) client.destroy();
    throw new RedisUnavailableError(`Redis at ${shownUrl} (REDIS_URL) cannot be reached: ${(err as Error).message}`);
  }
  connected = true;
  return {
    shownUrl,
    sessionStore: egnyteSessionStore(new RedisStore({ client, prefix: SESSION_PREFIX })),
    coordination: redisCoordination({ client, prefix: COORDINATION_PREFIX }),
    async close() {
      // close() waits for the replies still due; a Redis that is down would make it wait forever.
      const closed = client.close().catch(() => undefined);
      const timer = setTimeout(() => {
        if (client.isOpen) client.destroy();
      }, 1000);
      await closed;
      clearTimeout(timer);
    },
  };
}
