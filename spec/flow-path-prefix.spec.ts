/**
 * An app served under a path prefix (`baseUrl: 'https://x.example/app'`): every URL the package
 * makes carries the prefix. `baseUrl` is the public URL of the point where egnyteAuth() is
 * mounted, so two deployments must both work:
 *
 * - mounted: the proxy forwards `/app/...` as is and the app mounts its routes under `/app`
 *   (`app.use('/app', router)`; Express's `req.baseUrl` is `/app`);
 * - stripped: the proxy removes `/app` before the app sees the request (the app mounts at `/`).
 *
 * A real emulator, a real HTTP server per shape; the "proxy" of the stripped shape is a plain
 * Node server that removes the prefix, as nginx's `proxy_pass http://app/;` does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser } from '../lib/index.js';
import { startEgnyteEmulator, type EgnyteEmulator } from '../lib/testing/index.js';
import { type BrowserResponse, TestBrowser } from './support/harness.js';

const PREFIX = '/app';
const JSON_ACCEPT = 'application/json';

interface Deployment {
  origin: string;
  browser(): TestBrowser;
  close(): Promise<void>;
}

/** The app's routes, the same in both shapes: what differs is only where they are mounted. */
function appRoutes(emulator: EgnyteEmulator, baseUrl: string): express.Router {
  const router = express.Router();
  router.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false, cookie: { sameSite: 'lax' } }));
  router.use(egnyteAuth({ clientId: emulator.clientId, clientSecret: emulator.clientSecret, baseUrl, endpoints: emulator.endpoints }));
  router.get('/page', requireEgnyteUser(), (req, res) => {
    res.type('html').send(`<p>Hello ${req.egnyte!.user.firstName}</p>`);
  });
  router.get('/me', requireEgnyteUser(), (req, res) => {
    res.json({ domain: req.egnyte!.domain });
  });
  router.get('/', (_req, res) => {
    res.type('html').send('<p>home</p>');
  });
  router.use(egnyteErrorHandler());
  return router;
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

async function deploy(shape: 'mounted' | 'stripped', emulator: EgnyteEmulator): Promise<Deployment> {
  const app = express();
  const { server, origin } = await listen((req, res) => {
    if (shape === 'stripped') {
      // The proxy: only /app/... reaches the app, without the prefix.
      const url = req.url ?? '/';
      if (url !== PREFIX && !url.startsWith(`${PREFIX}/`) && !url.startsWith(`${PREFIX}?`)) {
        res.writeHead(404).end();
        return;
      }
      req.url = url.slice(PREFIX.length) || '/';
      if (req.url.startsWith('?')) req.url = `/${req.url}`;
    }
    app(req, res);
  });
  const router = appRoutes(emulator, origin + PREFIX);
  if (shape === 'mounted') app.use(PREFIX, router);
  else app.use(router);
  return {
    origin,
    browser: () => new TestBrowser(origin + PREFIX),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Signs in through the Enhanced Auth Service (domain typed there) from the prefixed login route. */
async function signIn(browser: TestBrowser, query = ''): Promise<BrowserResponse> {
  const login = await browser.request(`/app/egnyte/login${query}`);
  expect(login.status).toBe(302);
  const eas = new URL(login.headers.get('location') ?? '');
  eas.searchParams.set('domain', 'acme');
  return browser.go(eas.href);
}

let emulator: EgnyteEmulator;
beforeAll(async () => {
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0 });
});
afterAll(() => emulator.close());

describe.each(['mounted', 'stripped'] as const)('%s under /app', (shape) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy(shape, emulator);
  });
  afterAll(() => d.close());

  test("the guard's redirect to login, and its returnTo, carry the prefix", async () => {
    const res = await d.browser().request('/app/page?x=1');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/app/egnyte/login?returnTo=%2Fapp%2Fpage%3Fx%3D1');
    const api = await d.browser().request('/app/me', { accept: JSON_ACCEPT });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ login: '/app/egnyte/login' });
  });

  test("login's redirect_uri is under the prefix; the sign-in lands back where it started", async () => {
    const browser = d.browser();
    const login = await browser.request('/app/egnyte/login?returnTo=%2Fapp%2Fpage');
    const authorize = new URL(login.headers.get('location') ?? '');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${d.origin}/app/egnyte/callback`);
    const landed = await signIn(browser, '?returnTo=%2Fapp%2Fpage');
    expect(landed.status).toBe(200);
    expect(landed.url).toBe(`${d.origin}/app/page`);
    expect(landed.body).toContain('Hello Jane');
    expect(landed.hops.map((h) => new URL(h.url).pathname)).toContain('/app/egnyte/callback');
  });

  test("without returnTo, the sign-in ends at the app's home, not the site's", async () => {
    const browser = d.browser();
    const landed = await signIn(browser);
    expect(landed.url).toBe(`${d.origin}/app/`);
    expect(landed.body).toContain('home');
    // A replayed callback while signed in goes home too.
    const callback = landed.hops.find((h) => new URL(h.url).pathname === '/app/egnyte/callback')!;
    const replay = await browser.request(callback.url);
    expect(replay.headers.get('location')).toBe('/app/');
  });

  test('error pages link to the prefixed login and home', async () => {
    const res = await d.browser().request('/app/egnyte/callback?code=x&state=forged');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<a href="/app/egnyte/login">Sign in again</a>');
    expect(html).toContain('<a href="/app/">Home</a>');
    expect(html).not.toContain('href="/"');
  });

  test("the domain prompt's form and links carry the prefix", async () => {
    const browser = d.browser();
    const eas = new URL((await browser.request('/app/egnyte/login?returnTo=%2Fapp%2Fpage')).headers.get('location') ?? '');
    eas.searchParams.set('domain', 'acme');
    const callback = await browser.untilApp(eas.href);
    const prompt = await browser.request(callback, { headers: { referer: '' } });
    const html = await prompt.text();
    expect(html).toContain('<form method="get" action="/app/egnyte/login">');
    expect(html).toContain('name="returnTo" value="/app/page"');
    expect(html).toContain('<a href="/app/">Home</a>');
    // Answering it signs in and lands on the page.
    const landed = await browser.go('/app/egnyte/login?domain=acme&returnTo=%2Fapp%2Fpage');
    expect(landed.url).toBe(`${d.origin}/app/page`);
  });

  test("logout's redirect goes to the app's home", async () => {
    const browser = d.browser();
    expect((await signIn(browser)).status).toBe(200);
    const out = await browser.request('/app/egnyte/logout', { method: 'POST' });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/app/');
  });
});

describe('a mount that baseUrl does not end with', () => {
  let warnings: string[];
  let spy: jest.SpiedFunction<typeof process.emitWarning>;
  beforeEach(() => {
    warnings = [];
    spy = jest.spyOn(process, 'emitWarning').mockImplementation(((message: string | Error) => {
      warnings.push(String(message));
    }) as typeof process.emitWarning);
  });
  afterEach(() => spy.mockRestore());

  function mountedAt(mount: string, baseUrl: string): express.Express {
    const app = express();
    app.use(mount, appRoutes(emulator, baseUrl));
    return app;
  }

  test('is reported once, naming the baseUrl it should be', async () => {
    const app = mountedAt('/app', 'http://localhost:3000');
    await request(app).get('/app/egnyte/login');
    await request(app).get('/app/egnyte/login');
    expect(warnings).toEqual([expect.stringMatching(/mounted at "\/app" but baseUrl "http:\/\/localhost:3000" does not end with it.*"http:\/\/localhost:3000\/app"/)]);
  });

  test.each([
    ['/app', 'http://localhost:3000/app'],
    ['/app', 'http://localhost:3000/outer/app'],
    ['/', 'http://localhost:3000/app'],
  ])('mounted at %s with baseUrl %s: no warning', async (mount, baseUrl) => {
    await request(mountedAt(mount, baseUrl)).get(`${mount === '/' ? '' : mount}/egnyte/login`);
    expect(warnings).toEqual([]);
  });
});
