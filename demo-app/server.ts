/**
 * Entry point of the demo (`npm run demo`). Without Egnyte credentials it starts a local
 * Egnyte emulator seeded with two companies and signs in against it.
 *
 * Tests start it in-process with {@link startDemo}.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
import { createDemoApp } from './app.js';
import type { DemoAppConfig } from './app.js';
import { DemoConfigError, loadConfig } from './config.js';
import type { DemoConfig, Env } from './config.js';

/** Users the emulator knows, on two companies, so that switching domains is visible. */
export const EMULATOR_USERS = [
  { id: 1001, domain: 'acme', username: 'ada', firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@acme.example', userType: 'admin', role: 'IT Administrator' },
  { id: 1002, domain: 'acme', username: 'charles', firstName: 'Charles', lastName: 'Babbage', email: 'charles.babbage@acme.example', userType: 'standard', role: 'Analyst' },
  { id: 2001, domain: 'globex', username: 'hank', firstName: 'Hank', lastName: 'Scorpio', email: 'hank@globex.example', userType: 'power', role: 'Project Manager' },
  { id: 2002, domain: 'globex', username: 'homer', firstName: 'Homer', lastName: 'Simpson', email: 'homer@globex.example', userType: 'standard', role: 'Safety Inspector' },
] as const;

type Emulator = Awaited<ReturnType<typeof startEgnyteEmulator>>;

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
  /** Stops the server (and the emulator). */
  close(): Promise<void>;
}

/** Options of {@link startDemo}. */
export interface StartDemoOptions {
  /** Settings; default `process.env` (plus `.env`). */
  env?: Env;
  /** Directory holding `.env`; default the working directory. */
  cwd?: string;
  /** Where to print the start-up lines; default `console.log`. Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.listen(port, host, done);
  });
}

/** True when `host` only accepts connections from this machine. */
function isLocalOnly(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Starts the demo: emulator (when no credentials), then the HTTP server, then the app. */
export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? ((line: string) => console.log(line));
  const config: DemoConfig = loadConfig(options.env ?? process.env, options.cwd ?? process.cwd());

  let emulator: Emulator | undefined;
  if (config.mode === 'emulator') {
    emulator = await startEgnyteEmulator({ users: EMULATOR_USERS.map((u) => ({ ...u })) });
  }

  // Listen first: with PORT=0 the real port is part of BASE_URL, which egnyteAuth() needs.
  const server = createServer();
  let port: number;
  try {
    port = await listen(server, config.port, config.host);
  } catch (err) {
    await emulator?.close();
    throw err;
  }
  const baseUrl = config.baseUrl ?? `http://localhost:${port}`;
  const appConfig: DemoAppConfig = emulator
    ? {
        ...config,
        baseUrl,
        clientId: emulator.clientId,
        clientSecret: emulator.clientSecret,
        emulator: {
          endpoints: emulator.endpoints,
          origin: new URL(emulator.url).origin,
          domains: [...new Set(EMULATOR_USERS.map((u) => u.domain))],
        },
      }
    : { ...config, baseUrl, clientId: config.clientId as string, clientSecret: config.clientSecret as string };

  let app: Express;
  try {
    app = createDemoApp(appConfig);
  } catch (err) {
    server.close();
    await emulator?.close();
    throw err;
  }
  server.on('request', app);

  const url = baseUrl;
  log(`Demo running at ${url}`);
  if (!isLocalOnly(config.host)) {
    log(`  Listening on ${config.host}: other machines can reach this demo${emulator ? ', and its emulator signs anyone in as any of its users' : ''}.`);
  }
  if (emulator) {
    log(`  Signing in against the LOCAL EGNYTE EMULATOR at ${emulator.url} (nothing is sent to Egnyte).`);
    log(`  Try the domain "acme" or "globex" on the sign-in page.`);
    log('  To use real Egnyte instead, set EGNYTE_CLIENT_ID, EGNYTE_CLIENT_SECRET, BASE_URL,');
    log('  EGNYTE_REGION and SESSION_SECRET (environment or .env) and restart.');
  } else {
    log(`  Signing in against REAL EGNYTE (region ${config.region}${config.domain ? `, domain ${config.domain}` : ''}).`);
    log(`  Redirect URI to register for your key: ${baseUrl}/egnyte/callback`);
    if (baseUrl !== `http://localhost:${port}`) log(`  (Listening locally on port ${port}.)`);
    if (baseUrl.startsWith('https:') && config.trustProxy === undefined) {
      log('  Note: BASE_URL is https but TRUST_PROXY is not set. If TLS ends at a proxy in front of');
      log('  this app, set TRUST_PROXY=1 or the secure session cookie is never sent (see TROUBLESHOOTING.md).');
    }
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 3000);
      force.unref();
      await closed;
      clearTimeout(force);
      (app.locals['close'] as (() => void) | undefined)?.();
      await emulator?.close();
    })();
    return closing;
  };

  const running: RunningDemo = { url, port, config: appConfig, app, server, close };
  if (emulator) running.emulator = emulator;
  return running;
}

/** Runs the demo from the command line: prints problems and exits 1 on bad settings. */
export async function main(): Promise<void> {
  let demo: RunningDemo;
  try {
    demo = await startDemo();
  } catch (err) {
    if (err instanceof DemoConfigError) {
      console.error(err.message);
    } else {
      const e = err as NodeJS.ErrnoException & { port?: number };
      console.error(`The demo cannot start: ${e.code === 'EADDRINUSE' ? `port ${e.port ?? ''} is already in use (set PORT to another port, or PORT=0 for any free port)` : e.message}`);
    }
    process.exitCode = 1;
    return;
  }
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    console.log(`\n${signal} received: stopping the demo…`);
    demo.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('Error while stopping:', err instanceof Error ? err.message : err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

// Run when started as a script (`tsx demo-app/server.ts`), not when imported by tests.
if (/(^|[\\/])demo-app[\\/]server\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  void main();
}
