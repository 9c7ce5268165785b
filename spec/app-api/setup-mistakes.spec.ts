/**
 * Set-up mistakes a new user makes, each answered with a message that points the right way
 * (issue 20, point 4): a TLS proxy without `trust proxy`, `withEgnyteUser` without the guard,
 * `egnyteAuth()` mounted under a sub-path, a `secure` cookie on an http `baseUrl`, and no
 * express-session at all.
 */
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { cookieProblems } from '../../lib/config/cookie-check.js';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser, attachEgnyteUser, withEgnyteUser } from '../../lib/index.js';
import { signInAs, startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';

let egnyte: EgnyteEmulator;
beforeAll(async () => {
  egnyte = await startEgnyteEmulator({ autoApprove: true, qps: 0 });
});
afterAll(() => egnyte.close());

const auth = (baseUrl = 'http://localhost:3000') => ({ clientId: egnyte.clientId, clientSecret: egnyte.clientSecret, baseUrl, endpoints: egnyte.endpoints });
const SESSION = { secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false };

describe('behind a TLS proxy without trust proxy', () => {
  function proxiedApp(trustProxy: boolean) {
    const app = express();
    if (trustProxy) app.set('trust proxy', 1);
    app.use(session({ ...SESSION, cookie: { secure: true, sameSite: 'lax' } }));
    app.use(egnyteAuth(auth('https://app.example.com')));
    app.use(egnyteErrorHandler());
    return app;
  }

  test('the callback names app.set("trust proxy", ...), not SameSite', async () => {
    const app = proxiedApp(false);
    // The login: express-session refuses a secure cookie on what it sees as plain http.
    const login = await request(app).get('/egnyte/login').set('X-Forwarded-Proto', 'https');
    expect(login.status).toBe(302);
    expect(login.headers['set-cookie']).toBeUndefined();
    const callback = await request(app).get('/egnyte/callback?code=c&state=s').set('X-Forwarded-Proto', 'https').set('Accept', 'application/json');
    expect(callback.status).toBe(400);
    expect(callback.body.error).toBe('session_missing');
    expect(callback.body.message).toMatch(/app\.set\('trust proxy'/);
    expect(callback.body.message).toMatch(/X-Forwarded-Proto: https/);
    expect(callback.body.message).not.toMatch(/sameSite/i);
  });

  test('with trust proxy set, a lost cookie is not blamed on it', async () => {
    const callback = await request(proxiedApp(true)).get('/egnyte/callback?code=c&state=s').set('X-Forwarded-Proto', 'https').set('Accept', 'application/json');
    expect(callback.body.error).toBe('session_missing');
    expect(callback.body.message).not.toMatch(/trust proxy/);
  });
});

describe('withEgnyteUser on a route without the guard', () => {
  function appWithoutGuard() {
    const app = express();
    app.use(session(SESSION));
    app.use(egnyteAuth(auth()));
    app.get('/me', requireEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
    app.get('/unguarded', withEgnyteUser((req, res) => res.json(req.egnyte.user)));
    app.get('/attached', attachEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
    app.use(egnyteErrorHandler());
    return app;
  }

  test('a signed-in user is not told to sign in: the app is told the guard is missing', async () => {
    const agent = request.agent(appWithoutGuard());
    await signInAs(agent, { domain: 'acme', username: 'bjones' });
    await agent.get('/me').set('Accept', 'application/json').expect(200);
    const res = await agent.get('/unguarded').set('Accept', 'application/json');
    expect(res.status).toBe(500);
    expect(res.body.error).toBe('invalid_config');
    expect(res.body.message).toMatch(/withEgnyteUser\(\) runs without requireEgnyteUser\(\)/);
    expect(res.body.message).toMatch(/app\.get\(path, requireEgnyteUser\(\), withEgnyteUser\(handler\)\)/);
  });

  test('nor is anyone else, and attachEgnyteUser() is not the guard either', async () => {
    const app = appWithoutGuard();
    for (const path of ['/unguarded', '/attached']) {
      const res = await request(app).get(path).set('Accept', 'application/json');
      expect([path, res.status, res.body.error]).toEqual([path, 500, 'invalid_config']);
    }
  });
});

describe('egnyteAuth() mounted under a sub-path', () => {
  test('a guarded route elsewhere names the sub-path mount, not the order', async () => {
    const app = express();
    app.use(session(SESSION));
    app.use('/auth', egnyteAuth(auth('http://localhost:3000/auth')));
    app.get('/me', requireEgnyteUser(), (_req, res) => res.send('never'));
    app.use(egnyteErrorHandler());
    const res = await request(app).get('/me').set('Accept', 'application/json');
    expect(res.status).toBe(500);
    expect(res.body.error).toBe('invalid_config');
    expect(res.body.message).toMatch(/mounted at "\/auth"/);
    expect(res.body.message).toMatch(/\/me/);
    expect(res.body.message).toMatch(/routes/);
    expect(res.body.message).not.toMatch(/runs before/);
  });

  test('a sub-path mount inside a router is found too', async () => {
    const app = express();
    app.use(session(SESSION));
    const api = express.Router();
    api.use('/auth', egnyteAuth(auth('http://localhost:3000/api/auth')));
    app.use('/api', api);
    app.get('/me', requireEgnyteUser(), (_req, res) => res.send('never'));
    app.use(egnyteErrorHandler());
    const res = await request(app).get('/me').set('Accept', 'application/json');
    expect(res.body.message).toMatch(/mounted at "\/api\/auth"/);
  });

  test('egnyteAuth() really mounted after the route still says so', async () => {
    const app = express();
    app.use(session(SESSION));
    app.get('/me', requireEgnyteUser(), (_req, res) => res.send('never'));
    app.use(egnyteAuth(auth()));
    app.use(egnyteErrorHandler());
    const res = await request(app).get('/me').set('Accept', 'application/json');
    expect(res.status).toBe(500);
    expect(res.body.message).toMatch(/requireEgnyteUser\(\) runs before egnyteAuth\(\)/);
  });
});

describe('cookie.secure with an http baseUrl', () => {
  test('is a problem of its own', () => {
    expect(cookieProblems({ secure: true, sameSite: 'lax' }, 'http://localhost:3000')).toEqual([
      expect.stringMatching(/"secure" but baseUrl is http.*never sends it.*secure: false/),
    ]);
    expect(cookieProblems({ secure: true, sameSite: 'lax' }, 'https://app.example.com')).toEqual([]);
    expect(cookieProblems({ secure: false, sameSite: 'lax' }, 'http://localhost:3000')).toEqual([]);
  });

  test('warns at start-up, on the first request', async () => {
    const warnings: string[] = [];
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation(((message: string | Error) => void warnings.push(String(message))) as typeof process.emitWarning);
    try {
      const app = express();
      app.use(session({ ...SESSION, cookie: { secure: true, sameSite: 'lax' } }));
      app.use(egnyteAuth(auth()));
      app.get('/', (_req, res) => res.send('ok'));
      await request(app).get('/');
      expect(warnings).toEqual([expect.stringMatching(/"secure" but baseUrl is http/)]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('no express-session at all', () => {
  test('the page says the app is misconfigured, not that a sign-in session was lost', async () => {
    const app = express();
    app.use(egnyteAuth(auth()));
    app.use(egnyteErrorHandler());
    const page = await request(app).get('/egnyte/login').set('Accept', 'text/html');
    expect(page.status).toBe(500);
    expect(page.text).toContain('The app is misconfigured');
    expect(page.text).toMatch(/express-session/);
    expect(page.text).not.toContain('Your sign-in session was lost');
    expect(page.text).not.toContain('Sign in again');
    const json = await request(app).get('/egnyte/login').set('Accept', 'application/json');
    expect(json.body.error).toBe('invalid_config');
  });
});
