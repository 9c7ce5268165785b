/**
 * Test harness: a real Express app (express-session + egnyteAuth) listening on loopback, a
 * real emulator, and a cookie-keeping "browser" that follows redirects across both.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import session, { type Store } from 'express-session';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser, type EgnyteAuthOptions } from '../../lib/index.js';
import { startEgnyteEmulator, type EgnyteEmulator, type EgnyteEmulatorOptions } from '../../lib/testing/index.js';

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
  app.use(
    egnyteAuth({
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      baseUrl,
      endpoints: emulator.endpoints,
      ...options.auth,
    }),
  );
  app.get('/me', requireEgnyteUser(), (req, res) => {
    res.json({ user: req.egnyte.user, domain: req.egnyte.domain, stale: req.egnyte.stale });
  });
  app.get('/page', requireEgnyteUser(), (req, res) => {
    res.type('html').send(`<p>Hello ${req.egnyte.user.firstName}</p>`);
  });
  options.routes?.(app);
  app.use(egnyteErrorHandler());
  return {
    app,
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

export interface Hop {
  status: number;
  url: string;
  location?: string;
}

export interface BrowserResponse {
  status: number;
  url: string;
  headers: Headers;
  body: string;
  hops: Hop[];
}

/** A minimal browser: keeps the app's cookies and follows redirects (app and emulator alike). */
export class TestBrowser {
  cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keepCookies(url: string, headers: Headers): void {
    if (!url.startsWith(this.baseUrl)) return;
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }

  /** One request, no redirect following. Relative URLs are on the app. */
  async request(url: string, init: RequestInit & { accept?: string } = {}): Promise<Response> {
    const absolute = new URL(url, this.baseUrl).href;
    const headers = new Headers(init.headers);
    headers.set('accept', init.accept ?? 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    if (absolute.startsWith(this.baseUrl) && this.cookies.size > 0) headers.set('cookie', this.cookieHeader);
    const response = await fetch(absolute, { ...init, headers, redirect: 'manual' });
    this.keepCookies(absolute, response.headers);
    return response;
  }

  /** Follows redirects like a browser (GET after 30x), up to 15 hops. */
  async go(url: string, init: RequestInit & { accept?: string } = {}): Promise<BrowserResponse> {
    const hops: Hop[] = [];
    let current = new URL(url, this.baseUrl).href;
    let requestInit = init;
    for (let i = 0; i < 15; i++) {
      const response = await this.request(current, requestInit);
      const location = response.headers.get('location') ?? undefined;
      hops.push({ status: response.status, url: current, ...(location ? { location } : {}) });
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        current = new URL(location, current).href;
        requestInit = { ...(init.accept ? { accept: init.accept } : {}) };
        continue;
      }
      return { status: response.status, url: current, headers: response.headers, body: await response.text(), hops };
    }
    throw new Error(`too many redirects: ${hops.map((h) => h.url).join(' -> ')}`);
  }

  /**
   * Starts a sign-in: `/egnyte/login` with `returnTo`, then the URL the browser goes to next
   * (with the domain typed at the Enhanced Auth prompt, unless `direct` passed it to login).
   */
  async startLogin(domain = 'acme', opts: { direct?: boolean; returnTo?: string } = {}): Promise<string> {
    const query = new URLSearchParams();
    if (opts.returnTo) query.set('returnTo', opts.returnTo);
    if (opts.direct) query.set('domain', domain);
    const login = await this.request(`/egnyte/login?${query}`);
    const location = login.headers.get('location');
    if (login.status !== 302 || !location) throw new Error(`login answered ${login.status}`);
    return opts.direct ? location : `${location}&domain=${encodeURIComponent(domain)}`;
  }

  /**
   * Signs in through the Enhanced Auth Service (domain typed at the prompt) or, with
   * `direct`, through `/egnyte/login?domain=`. The emulator must auto-approve.
   */
  async signIn(domain = 'acme', opts: { direct?: boolean; returnTo?: string } = {}): Promise<BrowserResponse> {
    return this.go(await this.startLogin(domain, opts));
  }
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
