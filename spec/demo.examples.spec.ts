/**
 * EXAMPLES.md §11 ("The emulator in your own jest / supertest tests"), run as written, so
 * the recipe stays true.
 */
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser } from 'express-egnyte-auth';
import type { EgnyteAuthOptions } from 'express-egnyte-auth';
import { startEgnyteEmulator, type EgnyteEmulator } from 'express-egnyte-auth/testing';
import { readFileSync } from 'node:fs';

// --- app.ts of the recipe ---
function createApp(auth: EgnyteAuthOptions) {
  const app = express();
  app.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false }));
  app.use(egnyteAuth(auth));
  app.get('/me', requireEgnyteUser(), (req, res) => res.json(req.egnyte.user));
  app.get('/role', requireEgnyteUser(), async (req, res) => {
    const answer = await req.egnyte.fetch(`/pubapi/v2/users/${req.egnyte.user.id}`);
    res.json(await answer.json());
  });
  app.use(egnyteErrorHandler());
  return app;
}

// --- app.spec.ts of the recipe ---
let egnyte: EgnyteEmulator;
beforeAll(async () => {
  egnyte = await startEgnyteEmulator({
    users: [{ id: 7, domain: 'acme', username: 'jdoe', firstName: 'Jo', lastName: 'Doe', email: 'jo@acme.example', userType: 'admin' }],
    autoApprove: true,
  });
});
afterAll(() => egnyte.close());

function appUnderTest() {
  return createApp({
    clientId: egnyte.clientId,
    clientSecret: egnyte.clientSecret,
    baseUrl: 'http://localhost:3000',
    endpoints: egnyte.endpoints,
    domain: 'acme',
  });
}

async function signIn(app: ReturnType<typeof createApp>) {
  const agent = request.agent(app);
  const login = await agent.get('/egnyte/login?returnTo=/me').expect(302);
  const atEgnyte = await fetch(login.headers['location'] as string, { redirect: 'manual' });
  const callback = new URL(atEgnyte.headers.get('location')!);
  await agent.get(callback.pathname + callback.search).expect(302);
  return agent;
}

it('answers 401 JSON to a client without a session', async () => {
  const res = await request(appUnderTest()).get('/me').set('Accept', 'application/json').expect(401);
  expect(res.body.error).toBe('login_required');
});

it('signs in and reads the user', async () => {
  const agent = await signIn(appUnderTest());
  const me = await agent.get('/me').set('Accept', 'application/json').expect(200);
  expect(me.body).toMatchObject({ id: 7, username: 'jdoe' });
  expect(egnyte.calls.token).toBeGreaterThan(0);
});

it('shows a friendly error when Egnyte throttles', async () => {
  const agent = await signIn(appUnderTest());
  egnyte.fault({ endpoint: 'users', kind: 'over_qps', retryAfter: 2, times: 1 });
  const res = await agent.get('/role').set('Accept', 'application/json').expect(503);
  expect(res.headers['retry-after']).toBe('2');
  expect(res.body).toMatchObject({ error: 'rate_limited', retryAfter: 2 });
  egnyte.clearFaults();
  await agent.get('/role').set('Accept', 'application/json').expect(200);
});

it('EXAMPLES.md still contains this recipe', () => {
  const md = readFileSync('EXAMPLES.md', 'utf8');
  expect(md).toContain("const login = await agent.get('/egnyte/login?returnTo=/me').expect(302);");
  expect(md).toContain("const res = await agent.get('/role').set('Accept', 'application/json').expect(503);");
  expect(md).toContain("import { RedisStore } from 'connect-redis';");
});
