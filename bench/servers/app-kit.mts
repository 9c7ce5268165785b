/**
 * What the bench's app processes share: the session store (MemoryStore or connect-redis on the
 * bench's own redis-server), the same express-session settings for every app, the unguarded
 * routes each is compared with, and the commands the parent measures through.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import express, { type Express, type Request, type Response } from 'express';
import session, { type Store } from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient, createCluster } from 'redis';
import { serveCommands } from '../support/child.mjs';
import { trackTimers } from '../../spec/support/timers.js';
// The apps need their port in their base URL before they listen.
export { freePort } from '../../spec/support/redis-server.js';

/** How the parent configures an app process. */
export interface AppConfig {
  store: 'memory' | 'redis';
  redisUrl?: string;
  /** A Redis Cluster's masters: sessions and coordination on `createCluster` instead of `redisUrl`. */
  redisNodes?: Array<{ host: string; port: number }>;
  emulatorUrl: string;
  /** Count live Timeout resources (async_hooks; slows the process, so only where timers are measured). */
  trackTimers?: boolean;
  [key: string]: unknown;
}

/** A Redis client for the app's sessions (and coordination, where the app uses it). */
export async function redisClient(url: string): Promise<ReturnType<typeof createClient>> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A node-redis cluster client, for an app whose Redis is a Cluster. */
export async function redisClusterClient(rootNodes: Array<{ host: string; port: number }>): Promise<ReturnType<typeof createCluster>> {
  const client = createCluster({ rootNodes: rootNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The session store both packages are measured on, and the Redis client behind it (if any). */
export async function sessionStore(
  config: AppConfig,
): Promise<{ store: Store | undefined; client: Awaited<ReturnType<typeof redisClient>> | Awaited<ReturnType<typeof redisClusterClient>> | undefined }> {
  if (config.store === 'memory') return { store: undefined, client: undefined }; // express-session's own MemoryStore
  const client = config.redisNodes ? await redisClusterClient(config.redisNodes) : await redisClient(config.redisUrl as string);
  return { store: new RedisStore({ client, prefix: 'bench:' }), client };
}

/** An Express app with express-session mounted the same way for every contender. */
export function appWithSession(store: Store | undefined): Express {
  const app = express();
  app.set('etag', false);
  app.use(
    session({
      secret: 'bench-secret-bench-secret-bench-secret',
      resave: false,
      saveUninitialized: false,
      ...(store ? { store } : {}),
      cookie: { sameSite: 'lax', httpOnly: true },
    }),
  );
  return app;
}

function ok(_req: Request, res: Response): void {
  res.json({ ok: true });
}

/** `/base`: mounted before any auth middleware, on the same session: the baseline of the app's whole overhead. */
export function baseRoute(app: Express): void {
  app.get('/base', ok);
}

/** `/plain`: an unguarded route after the auth middleware, same store, same work. */
export function plainRoute(app: Express): void {
  app.get('/plain', ok);
}

/** CPU time per request path, while metering: see {@link meterRequests}. */
export type PathCpu = Record<string, { requests: number; cpuMicros: number }>;

/**
 * Meters each request's CPU time by path: `process.cpuUsage()` from the moment the server
 * hands the request to the app until its response is finished. Only meaningful with one
 * request in flight at a time (the parent sends them one by one): then all the process does
 * meanwhile is that request's.
 */
function meterRequests(server: Server): { start(): void; read(): PathCpu } {
  let paths: PathCpu | undefined;
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const metered = paths;
    if (!metered) return;
    const started = process.cpuUsage();
    res.once('finish', () => {
      const { user, system } = process.cpuUsage(started);
      const path = (req.url ?? '').split('?')[0]!;
      const entry = (metered[path] ??= { requests: 0, cpuMicros: 0 });
      entry.requests++;
      entry.cpuMicros += user + system;
    });
  });
  return {
    start: () => void (paths = {}),
    read: () => {
      const read = paths ?? {};
      paths = undefined;
      return read;
    },
  };
}

/** Listens on `port` (loopback) and serves the parent's measurement commands. */
export async function listenAndServe(app: Express, port: number, config: AppConfig, extra: Record<string, (arg: unknown) => unknown> = {}): Promise<void> {
  const timers = config.trackTimers ? trackTimers().alive : () => -1;
  const server = app.listen(port, '127.0.0.1');
  const meter = meterRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  serveCommands(port, {
    heap: async () => {
      // Several passes with a pause: finalizers and weak references settle between them.
      for (let i = 0; i < 4; i++) {
        gc?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return process.memoryUsage().heapUsed;
    },
    timers,
    meter: (what) => (what === 'start' ? meter.start() : meter.read()),
    cpu: () => {
      const { user, system } = process.cpuUsage();
      return user + system;
    },
    ...extra,
  });
}
