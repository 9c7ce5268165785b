/**
 * Test harness: a real Express app (express-session + egnyteAuth) listening on loopback, a
 * real emulator, and a cookie-keeping "browser" that follows redirects across both and sends
 * Referers as Chromium does.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import session, { type Store } from 'express-session';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser, withEgnyteUser, type EgnyteAuthOptions, type EgnyteAuthRouter } from '../../lib/index.js';
import { startEgnyteEmulator, type EgnyteEmulator, type EgnyteEmulatorOptions } from '../../lib/testing/index.js';
import { TestBrowser } from './test-browser.js';

export { TestBrowser } from './test-browser.js';
export type { BrowserInit, BrowserResponse, Hop } from './test-browser.js';

export interface HarnessOptions {
  emulator?: EgnyteEmulatorOptions;
  /** Use this running emulator (e.g. shared by two app instances) instead of starting one; `close()` leaves it running. */
  sharedEmulator?: EgnyteEmulator;
  auth?: Partial<EgnyteAuthOptions>;
  store?: Store;
  cookie?: session.CookieOptions;
  /** More express-session options (`resave`, `rolling`, ...). */
  session?: Partial<session.SessionOptions>;
  /** Extra routes, mounted after egnyteAuth and before the error handler. */
  routes?: (app: Express) => void;
  /** Middleware mounted first, before express-session (e.g. helmet). */
  before?: (app: Express) => void;
}

export interface Harness {
  app: Express;
  /** The app's `egnyteAuth()` router (for `egnyteApiFor`). */
  auth: EgnyteAuthRouter;
  emulator: EgnyteEmulator;
  baseUrl: string;
  browser(): TestBrowser;
  close(): Promise<void>;
}

/** Starts emulator + app. The app has `/me` (guarded JSON) and `/page` (guarded HTML). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const emulator = options.sharedEmulator ?? (await startEgnyteEmulator({ autoApprove: true, qps: 0, ...options.emulator }));
  const app = express();
  options.before?.(app);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
  app.use(
    session({
      secret: 'test-secret-test-secret-test-secret',
      resave: false,
      saveUninitialized: false,
      ...(options.store ? { store: options.store } : {}),
      ...options.session,
      cookie: { sameSite: 'lax', httpOnly: true, ...options.cookie },
    }),
  );
  const auth = egnyteAuth({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    baseUrl,
    endpoints: emulator.endpoints,
    ...options.auth,
  });
  app.use(auth);
  app.get(
    '/me',
    requireEgnyteUser(),
    withEgnyteUser((req, res) => {
      res.json({ user: req.egnyte.user, domain: req.egnyte.domain, stale: req.egnyte.stale, data: req.egnyte.data, loginId: req.egnyte.loginId });
    }),
  );
  app.get(
    '/page',
    requireEgnyteUser(),
    withEgnyteUser((req, res) => {
      res.type('html').send(`<p>Hello ${req.egnyte.user.firstName}</p>`);
    }),
  );
  options.routes?.(app);
  app.use(egnyteErrorHandler());
  return {
    app,
    auth,
    emulator,
    baseUrl,
    browser: () => new TestBrowser(baseUrl),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.sharedEmulator) await emulator.close();
    },
  };
}

/** Runs `run` against a fresh harness and closes it afterwards, whatever happens. */
export async function withHarness(options: HarnessOptions, run: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness(options);
  try {
    await run(h);
  } finally {
    await h.close();
  }
}
