/**
 * Entry point of the demo (`npm run demo`). Without Egnyte credentials it starts a local
 * Egnyte emulator seeded with two companies and signs in against it. With `REDIS_URL` it
 * keeps sessions and coordination in Redis; with `--instances N` it runs N instances behind
 * a round-robin proxy (see cluster.ts).
 *
 * Tests start the single demo in-process with {@link startDemo}.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { Express } from 'express';
import { createDemoApp } from './app.js';
import type { DemoAppConfig, DemoAppServices } from './app.js';
import { startCluster } from './cluster.js';
import type { RunningCluster } from './cluster.js';
import { DemoConfigError, loadConfig } from './config.js';
import type { DemoConfig, Env } from './config.js';
import { listen, stopServer } from './http-server.js';
import { RedisUnavailableError, connectDemoRedis } from './redis.js';
import type { DemoRedis } from './redis.js';
import { appConfigFor, logStartup, startDemoEmulator } from './setup.js';
import type { Emulator } from './setup.js';

export { EMULATOR_USERS } from './setup.js';

/** A running demo. */
export interface RunningDemo {
  /** The URL to open, e.g. `http://localhost:3000`. */
  url: string;
  /** The port the server listens on. */
  port: number;
  /** The settings the app runs with. */
  config: DemoAppConfig;
  /** The Express app. */
  app: Express;
  /** The HTTP server the app listens on. */
  server: Server;
  /** The emulator, in emulator mode. */
  emulator?: Emulator;
  /** Stops the server (and the emulator, and the Redis connection). */
  close(): Promise<void>;
}

/** Options of {@link startDemo}. */
export interface StartDemoOptions {
  /** Settings; default `process.env` (plus `.env`). Ignored when `config` is given. */
  env?: Env;
  /** Directory holding `.env`; default the working directory. */
  cwd?: string;
  /** Settings already validated (the command line reads them itself). */
  config?: DemoConfig;
  /** Where to print the start-up lines; default `console.log`. Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

/** Starts the demo in this process: Redis (with REDIS_URL), emulator (without credentials), server, app. */
export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? ((line: string) => console.log(line));
  const config: DemoConfig = options.config ?? loadConfig(options.env ?? process.env, options.cwd ?? process.cwd());

  // Redis first: a wrong REDIS_URL stops the demo before anything else has started.
  const redis: DemoRedis | undefined = config.redisUrl === undefined ? undefined : await connectDemoRedis(config.redisUrl, log);
  let emulator: Emulator | undefined;
  const server = createServer();
  let port: number;
  try {
    if (config.mode === 'emulator') emulator = await startDemoEmulator();
    // Listen first: with PORT=0 the real port is part of BASE_URL, which egnyteAuth() needs.
    port = await listen(server, config.port, config.host);
  } catch (err) {
    await emulator?.close();
    await redis?.close();
    throw err;
  }
  const baseUrl = config.baseUrl ?? `http://localhost:${port}`;
  const appConfig = appConfigFor(config, baseUrl, emulator);
  const services: DemoAppServices = redis ? { sessionStore: redis.sessionStore, coordination: redis.coordination } : {};

  let app: Express;
  try {
    app = createDemoApp(appConfig, services);
  } catch (err) {
    server.close();
    await emulator?.close();
    await redis?.close();
    throw err;
  }
  server.on('request', app);

  logStartup(log, { config, baseUrl, port, emulator, ...(redis ? { extra: [`  Sessions and coordination: Redis at ${redis.shownUrl} (REDIS_URL).`] } : {}) });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await stopServer(server);
      (app.locals['close'] as (() => void) | undefined)?.();
      await emulator?.close();
      await redis?.close();
    })();
    return closing;
  };

  const running: RunningDemo = { url: baseUrl, port, config: appConfig, app, server, close };
  if (emulator) running.emulator = emulator;
  return running;
}

/** Why the demo could not start, in one message without a stack trace. */
function startFailure(err: unknown): string {
  if (err instanceof DemoConfigError) return err.message;
  if (err instanceof RedisUnavailableError) return `The demo cannot start: ${err.message}`;
  const e = err as NodeJS.ErrnoException & { port?: number };
  return `The demo cannot start: ${e.code === 'EADDRINUSE' ? `port ${e.port ?? ''} is already in use (set PORT to another port, or PORT=0 for any free port)` : e.message}`;
}

/**
 * Runs the demo from the command line (`args`: what follows `npm run demo --`): prints
 * problems and exits 1 on bad settings; stops everything on SIGINT or SIGTERM.
 */
export async function main(args: readonly string[] = process.argv.slice(2)): Promise<void> {
  let demo: RunningDemo | RunningCluster;
  try {
    const config = loadConfig(process.env, process.cwd(), args);
    demo = config.instances === undefined
      ? await startDemo({ config })
      : await startCluster({ config, instanceScript: join(dirname(process.argv[1] as string), 'instance.ts') });
  } catch (err) {
    console.error(startFailure(err));
    process.exitCode = 1;
    return;
  }
  let signals = 0;
  const stop = (why: string, code: number) => {
    console.log(`\n${why}: stopping the demo…`);
    demo.close().then(
      () => process.exit(code),
      (err: unknown) => {
        console.error('Error while stopping:', err instanceof Error ? err.message : err);
        process.exit(1);
      },
    );
  };
  const shutdown = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      if ('kill' in demo) demo.kill();
      process.exit(1);
    }
    stop(`${signal} received`, 0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  if ('failed' in demo) void demo.failed.then((reason) => stop(reason, 1));
}

// Run when started as a script (`tsx demo-app/server.ts`), not when imported by tests.
if (/(^|[\\/])demo-app[\\/]server\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  void main();
}
