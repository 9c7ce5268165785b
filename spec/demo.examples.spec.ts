/**
 * EXAMPLES.md §11 ("Test your own app with jest and supertest"), run as written: the code
 * between the recipe markers below is the recipe's app.ts and app.spec.ts, and the last test
 * checks, line by line, that EXAMPLES.md shows exactly this code (imports aside).
 */
import { readFileSync } from 'node:fs';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser, withEgnyteUser, type EgnyteAuthOptions } from 'express-egnyte-auth';
import { createCookieJar, signInAs, startEgnyteEmulator, type EgnyteEmulator } from 'express-egnyte-auth/testing';

// --- recipe start ---
export function createApp(auth: EgnyteAuthOptions) {
  const app = express();
  app.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false }));
  app.use(egnyteAuth(auth));
  app.get('/me', requireEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
  app.get(
    '/files',
    requireEgnyteUser(),
    withEgnyteUser(async (req, res) => {
      const answer = await req.egnyte.fetch('/pubapi/v1/fs/Shared');
      res.status(answer.status).json(await answer.json());
    }),
  );
  app.use(egnyteErrorHandler());
  return app;
}

let egnyte: EgnyteEmulator;
beforeAll(async () => {
  // The default users: acme has jsmith (admin) and bjones; globex has hscorpio and mlee.
  egnyte = await startEgnyteEmulator();
});
afterAll(() => egnyte.close());
afterEach(() => egnyte.clearFaults());

function appUnderTest() {
  return createApp({
    clientId: egnyte.clientId,
    clientSecret: egnyte.clientSecret,
    baseUrl: 'http://localhost:3000', // any localhost URL: signInAs only uses its paths
    endpoints: egnyte.endpoints,
  });
}

it('answers 401 JSON to a client without a session', async () => {
  const res = await request(appUnderTest()).get('/me').set('Accept', 'application/json').expect(401);
  expect(res.body.error).toBe('login_required');
});

it('shows the signed-in user', async () => {
  const agent = request.agent(appUnderTest());
  await signInAs(agent, { domain: 'acme', username: 'bjones' });
  const me = await agent.get('/me').set('Accept', 'application/json').expect(200);
  expect(me.body).toMatchObject({ username: 'bjones', firstName: 'Bob' });
});

it('lists what each user may see', async () => {
  const admin = request.agent(appUnderTest());
  await signInAs(admin, { domain: 'acme', username: 'jsmith' });
  const adminFiles = await admin.get('/files').set('Accept', 'application/json').expect(200);
  expect(adminFiles.body.folders.map((f: { name: string }) => f.name)).toEqual(['Finance', 'Marketing', 'Projects']);

  const standard = request.agent(appUnderTest());
  await signInAs(standard, { domain: 'acme', username: 'bjones' });
  const files = await standard.get('/files').set('Accept', 'application/json').expect(200);
  expect(files.body.folders.map((f: { name: string }) => f.name)).toEqual(['Marketing', 'Projects']);
});

it('answers 503 with Retry-After when Egnyte throttles', async () => {
  const agent = request.agent(appUnderTest());
  await signInAs(agent, { domain: 'globex', username: 'mlee' });
  // Twice: the paced client retries a throttled GET once after Retry-After.
  egnyte.fault({ endpoint: 'fs', kind: 'over_qps', retryAfter: 2, times: 2 });
  const res = await agent.get('/files').set('Accept', 'application/json').expect(503);
  expect(res.headers['retry-after']).toBe('2');
  expect(res.body).toMatchObject({ error: 'rate_limited', retryAfter: 2 });
});

it('signs in a fetch cookie jar too, for an app that listens', async () => {
  const server = appUnderTest().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const jar = createCookieJar(`http://127.0.0.1:${port}`);
  await signInAs(jar, { domain: 'globex', username: 'hscorpio' });
  const me = await jar.fetch('/me', { headers: { accept: 'application/json' } });
  expect(await me.json()).toMatchObject({ username: 'hscorpio' });
  server.closeAllConnections();
  server.close();
});
// --- recipe end ---

/** The code lines of `text`, without imports, comment-only lines and blank lines. */
function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !l.startsWith('import ') && !l.trim().startsWith('//'));
}

it('EXAMPLES.md §11 shows exactly the code above', () => {
  const md = readFileSync('EXAMPLES.md', 'utf8');
  const section = md.slice(md.indexOf('## 11. Test your own app with jest and supertest'), md.indexOf('## 12.') === -1 ? undefined : md.indexOf('## 12.'));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks).toHaveLength(2);
  const self = readFileSync(__filename, 'utf8');
  const recipe = self.slice(self.indexOf('// --- recipe start ---'), self.indexOf('// --- recipe end ---'));
  expect(codeLines(blocks.join('\n'))).toEqual(codeLines(recipe));
  expect(md).toContain("import { RedisStore } from 'connect-redis';");
});
