/**
 * Issue 11: the router and the guard add no property to Node's request and response objects
 * (each one reshaped those large objects on every request, a few percent of it): what a
 * request needs is kept in `res.locals`, and `req.egnyte` / `res.egnyteLogin` live on the
 * app's request and response prototypes. These tests pin the behaviour apps rely on.
 */
import express, { type Express, type Request, type Response } from 'express';
import session from 'express-session';
import request from 'supertest';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser } from '../../lib/index.js';
import { signInAs, startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';

let emulator: EgnyteEmulator;
beforeAll(async () => {
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0 });
});
afterAll(async () => {
  await emulator.close();
});

const ownKeys = (o: object): Array<string | symbol> => Reflect.ownKeys(o).filter((k) => String(typeof k === 'symbol' ? k.description : k).includes('egnyte'));

function appWith(router: express.Router, routes: (app: Express) => void): Express {
  const app = express();
  app.use(session({ secret: 'request-objects-secret-request-objects', resave: false, saveUninitialized: false }));
  app.use(router);
  routes(app);
  app.use(egnyteErrorHandler());
  return app;
}

function auth(): ReturnType<typeof egnyteAuth> {
  return egnyteAuth({ clientId: emulator.clientId, clientSecret: emulator.clientSecret, baseUrl: 'http://127.0.0.1', endpoints: emulator.endpoints });
}

test('req.egnyte is set behind the guard, absent elsewhere, and is not an own property of the request', async () => {
  const seen: Record<string, unknown> = {};
  const app = appWith(auth(), (a) => {
    a.get('/open', (req: Request, res: Response) => res.json({ egnyte: req.egnyte ?? null, own: ownKeys(req).map(String), resOwn: ownKeys(res).map(String) }));
    a.get('/me', requireEgnyteUser(), (req: Request, res: Response) => {
      seen.username = req.egnyte?.user.username;
      res.json({ own: ownKeys(req).map(String), resOwn: ownKeys(res).map(String), keys: Object.keys(req.egnyte ?? {}) });
    });
  });
  const agent = request.agent(app);
  expect((await agent.get('/open').expect(200)).body).toEqual({ egnyte: null, own: [], resOwn: [] });
  await signInAs(agent, { domain: 'acme', username: 'jsmith' });
  const me = await agent.get('/me').set('Accept', 'application/json').expect(200);
  expect(seen.username).toBe('jsmith');
  expect(me.body.own).toEqual([]);
  expect(me.body.resOwn).toEqual([]);
  expect(me.body.keys).toEqual(expect.arrayContaining(['loginId', 'user', 'domain', 'stale', 'userFetchedAt']));
  // The next request starts without it.
  expect((await agent.get('/open').expect(200)).body.egnyte).toBeNull();
});

test('an app may still assign req.egnyte itself (a test double), and read it back', async () => {
  const app = appWith(auth(), (a) => {
    a.get('/fake', (req: Request, res: Response) => {
      (req as { egnyte?: unknown }).egnyte = { user: { username: 'double' } };
      res.json({ username: (req.egnyte as unknown as { user: { username: string } }).user.username });
    });
  });
  expect((await request(app).get('/fake').expect(200)).body).toEqual({ username: 'double' });
});

test('one router in two apps: res.egnyteLogin and the guard work in both', async () => {
  const shared = auth();
  const routes = (a: Express): void => {
    a.get('/signin', (_req: Request, res: Response) => void res.egnyteLogin!({ domain: 'acme', returnTo: '/me' }));
    a.get('/me', requireEgnyteUser({ onUnauthenticated: 'status' }), (req: Request, res: Response) => res.json({ username: req.egnyte!.user.username }));
  };
  for (const app of [appWith(shared, routes), appWith(shared, routes)]) {
    const signin = await request(app).get('/signin').expect(302);
    expect(signin.headers.location).toMatch(/\/d\/acme\.egnyte\.com\/puboauth\/token\?/);
    await request(app).get('/me').expect(401);
  }
});

test('mounted in a sub-app, under a path', async () => {
  const sub = express();
  sub.use(auth());
  sub.get('/me', requireEgnyteUser({ onUnauthenticated: 'status' }), (req: Request, res: Response) => res.json({ username: req.egnyte!.user.username }));
  sub.use(egnyteErrorHandler());
  const app = express();
  app.use(session({ secret: 'request-objects-secret-request-objects', resave: false, saveUninitialized: false }));
  app.use('/app', sub);
  const login = await request(app).get('/app/egnyte/login?domain=acme').expect(302);
  expect(login.headers.location).toMatch(/\/d\/acme\.egnyte\.com\/puboauth\/token\?/);
  const me = await request(app).get('/app/me').expect(401);
  expect(me.body).toMatchObject({ error: 'login_required' });
});

test('res.egnyteLogin before the router, and a guard whose request never passed it, say what to mount', async () => {
  const app = express();
  app.use(session({ secret: 'request-objects-secret-request-objects', resave: false, saveUninitialized: false }));
  // A first request through the router puts res.egnyteLogin on this app's response prototype.
  const router = auth();
  app.get('/early', (_req: Request, res: Response, next) => void res.egnyteLogin!({ domain: 'acme' }).catch(next));
  app.get('/guarded-early', requireEgnyteUser({ onUnauthenticated: 'status' }), (_req: Request, res: Response) => res.json({}));
  app.use(router);
  app.get('/late', (_req: Request, res: Response) => res.json({ ok: true }));
  app.use(egnyteErrorHandler());
  await request(app).get('/late').expect(200);
  const early = await request(app).get('/early').set('Accept', 'application/json').expect(500);
  expect(early.body).toMatchObject({ error: 'invalid_config' });
  expect(early.body.message).toMatch(/mount app\.use\(egnyteAuth/);
  const guarded = await request(app).get('/guarded-early').set('Accept', 'application/json').expect(500);
  expect(guarded.body).toMatchObject({ error: 'invalid_config' });
});
