/**
 * signInAs (express-egnyte-auth/testing): a supertest agent or a fetch cookie jar signed in as
 * a chosen emulated user through the real flow, with or without autoApprove, and errors that
 * say what is wrong.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Express } from 'express';
import session from 'express-session';
import request from 'supertest';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser } from 'express-egnyte-auth';
import type { EgnyteAuthOptions } from 'express-egnyte-auth';
import { createCookieJar, signInAs, startEgnyteEmulator } from 'express-egnyte-auth/testing';
import type { EgnyteEmulator } from 'express-egnyte-auth/testing';

let manual: EgnyteEmulator;
let auto: EgnyteEmulator;
beforeAll(async () => {
  [manual, auto] = await Promise.all([startEgnyteEmulator({ qps: 0 }), startEgnyteEmulator({ qps: 0, autoApprove: true })]);
});
afterAll(() => Promise.all([manual.close(), auto.close()]));
afterEach(() => {
  manual.clearFaults();
  auto.clearFaults();
});

function appFor(egnyte: EgnyteEmulator, auth: Partial<EgnyteAuthOptions> = {}): Express {
  const app = express();
  app.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false }));
  app.use(egnyteAuth({ clientId: egnyte.clientId, clientSecret: egnyte.clientSecret, baseUrl: 'http://localhost:3000', endpoints: egnyte.endpoints, ...auth }));
  app.get('/me', requireEgnyteUser(), (req, res) => res.json({ username: req.egnyte!.user.username, domain: req.egnyte!.domain }));
  app.use(egnyteErrorHandler());
  return app;
}

describe.each([
  ['without autoApprove', () => manual],
  ['with autoApprove', () => auto],
])('signInAs a supertest agent, %s', (_name, emulator) => {
  it('signs in as the chosen user (not the first one) with one code exchange', async () => {
    const egnyte = emulator();
    const before = egnyte.tokenGrants.authorization_code;
    const agent = request.agent(appFor(egnyte));
    const result = await signInAs(agent, { domain: 'acme', username: 'bjones', returnTo: '/me' });
    expect(result).toEqual({ redirectedTo: '/me' });
    expect(egnyte.tokenGrants.authorization_code).toBe(before + 1);
    const me = await agent.get('/me').set('Accept', 'application/json').expect(200);
    expect(me.body).toEqual({ username: 'bjones', domain: 'acme.egnyte.com' });
  });

  it('takes the domain in any form and the username in any case; signs another user in on a second agent', async () => {
    const app = appFor(emulator());
    const first = request.agent(app);
    const second = request.agent(app);
    await signInAs(first, { domain: 'GLOBEX.egnyte.com', username: 'MLee' });
    await signInAs(second, { domain: 'acme', username: 'jsmith' });
    await first.get('/me').set('Accept', 'application/json').expect(200, { username: 'mlee', domain: 'globex.egnyte.com' });
    await second.get('/me').set('Accept', 'application/json').expect(200, { username: 'jsmith', domain: 'acme.egnyte.com' });
  });
});

it('signs a fetch cookie jar in to an app that listens', async () => {
  const app = appFor(manual);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const jar = createCookieJar(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(jar.cookieHeader()).toBe('');
    await signInAs(jar, { domain: 'globex', username: 'hscorpio' });
    expect(jar.cookieHeader()).toMatch(/^connect\.sid=/);
    const me = await jar.fetch('/me', { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    await expect(me.json()).resolves.toEqual({ username: 'hscorpio', domain: 'globex.egnyte.com' });

    // Logging out through the jar ends the login.
    expect((await jar.fetch('/egnyte/logout', { method: 'POST' })).status).toBe(302);
    expect((await jar.fetch('/me', { headers: { accept: 'application/json' } })).status).toBe(401);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

it('works with routes moved elsewhere (loginPath) and with a domain fixed by the app', async () => {
  const app = appFor(manual, { domain: 'acme', routes: { login: '/auth/in', callback: '/auth/back', logout: '/auth/out' } });
  const agent = request.agent(app);
  await signInAs(agent, { domain: 'acme', username: 'bjones', loginPath: '/auth/in' });
  await agent.get('/me').set('Accept', 'application/json').expect(200, { username: 'bjones', domain: 'acme.egnyte.com' });
});

it("types the domain into the Enhanced Auth Service when the app's login route asks Egnyte for it", async () => {
  const app = express();
  // A login route of the app's own that starts the package's login without a domain.
  app.get('/signin', (req, _res, next) => {
    req.url = '/egnyte/login?returnTo=%2Fme';
    next();
  });
  app.use(appFor(manual));
  const agent = request.agent(app);
  const before = manual.calls.enhancedAuth;
  await expect(signInAs(agent, { domain: 'globex', username: 'mlee', loginPath: '/signin' })).resolves.toEqual({ redirectedTo: '/me' });
  expect(manual.calls.enhancedAuth).toBe(before + 1);
  await agent.get('/me').set('Accept', 'application/json').expect(200, { username: 'mlee', domain: 'globex.egnyte.com' });
  await expect(signInAs(request.agent(app), { domain: 'initech', username: 'x', loginPath: '/signin' })).rejects.toThrow(
    'signInAs: the emulator\'s Enhanced Auth Service does not know the domain "initech" (HTTP 404).',
  );
});

it("follows a domain's own origin (http://{host}.localhost:PORT), which Node cannot resolve, through /d/{host}", async () => {
  const app = express();
  const port = new URL(manual.url).port;
  const sentTo: string[] = [];
  app.get('/signin', (req, res, next) => {
    // Stands for an emulator that sends browsers to each domain's own origin.
    const location = res.location.bind(res);
    res.location = (url) => {
      sentTo.push(url.replace(`${manual.url}/d/acme.egnyte.com`, `http://acme.egnyte.com.localhost:${port}`));
      return location(sentTo.at(-1)!);
    };
    req.url = '/egnyte/login?domain=acme';
    next();
  });
  app.use(appFor(manual));
  const agent = request.agent(app);
  await signInAs(agent, { domain: 'acme', username: 'bjones', loginPath: '/signin' });
  expect(sentTo).toEqual([expect.stringMatching(/^http:\/\/acme\.egnyte\.com\.localhost:\d+\/puboauth\/token\?/)]);
  await agent.get('/me').set('Accept', 'application/json').expect(200, { username: 'bjones', domain: 'acme.egnyte.com' });
});

describe('errors say what is wrong', () => {
  it('an unknown user: names the domain and its users', async () => {
    await expect(signInAs(request.agent(appFor(manual)), { domain: 'acme', username: 'nobody' })).rejects.toThrow(
      'signInAs: the emulator refused: No active user "nobody" on acme.egnyte.com. Its active users: jsmith, bjones.',
    );
  });

  it('an unknown domain: the app refuses it before Egnyte', async () => {
    await expect(signInAs(request.agent(appFor(manual, { allowedDomains: ['acme'] })), { domain: 'globex', username: 'mlee' })).rejects.toThrow(
      /GET \/egnyte\/login\?domain=globex answered 403 \(domain_not_allowed: /,
    );
  });

  it('an app without egnyteAuth(), or with its routes moved', async () => {
    const bare = express();
    bare.get('/', (_req, res) => res.send('hi'));
    const hint = /GET \/egnyte\/login answered 404: mount egnyteAuth\(\) on the app under test \(or pass loginPath/;
    await expect(signInAs(request.agent(bare), { domain: 'acme', username: 'jsmith' })).rejects.toThrow(hint);
    const moved = appFor(manual, { routes: { login: '/auth/in' } });
    await expect(signInAs(request.agent(moved), { domain: 'acme', username: 'jsmith' })).rejects.toThrow(hint);
  });

  it('request(app) instead of request.agent(app)', async () => {
    await expect(signInAs(request(appFor(manual)) as never, { domain: 'acme', username: 'jsmith' })).rejects.toThrow(
      'signInAs: pass a client that keeps cookies: request.agent(app) (not request(app)), or createCookieJar(appUrl).',
    );
  });

  it('an app that signs in against real Egnyte', async () => {
    const real = appFor(manual, { endpoints: {} });
    await expect(signInAs(request.agent(real), { domain: 'acme', username: 'jsmith' })).rejects.toThrow(
      'signInAs: the app sent the browser to https://acme.egnyte.com/puboauth/token, not to an Egnyte emulator',
    );
  });

  it('an app whose domain is fixed to another one', async () => {
    await expect(signInAs(request.agent(appFor(manual, { domain: 'globex' })), { domain: 'acme', username: 'jsmith' })).rejects.toThrow(
      'signInAs: the app signs in to globex.egnyte.com, not to acme',
    );
  });

  it('a callback the app refuses: its status and error code, never the code or state', async () => {
    manual.fault({ endpoint: 'token', kind: 'conflict_409', retryAfter: 4, times: 1 });
    const error = await signInAs(request.agent(appFor(manual)), { domain: 'acme', username: 'jsmith' }).then(
      () => new Error('signed in'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/^signInAs: the app refused the sign-in: GET \/egnyte\/callback answered 503 \(rate_limited: /);
    expect(error.message).not.toMatch(/code=|state=/);
  });
});
