/**
 * EXAMPLES.md §12 ("Several instances with Redis"), run as written: the code between the
 * recipe markers is the recipe's app.ts and app.spec.ts, and the last test checks, line by
 * line, that EXAMPLES.md shows exactly this code (imports aside). Around it, what a reader's
 * test set-up provides: a redis-server (REDIS_URL) and a SESSION_SECRET.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { egnyteAuth, egnyteErrorHandler, egnyteSessionStore, requireEgnyteUser, withEgnyteUser, type EgnyteAuthOptions } from 'express-egnyte-auth';
import { redisCoordination } from 'express-egnyte-auth/redis';
import { createCookieJar, signInAs, startEgnyteEmulator, type EgnyteEmulator } from 'express-egnyte-auth/testing';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redisServer: RedisServer;
beforeAll(async () => {
  redisServer = await startRedis();
  process.env.REDIS_URL = redisServer.url;
  process.env.SESSION_SECRET = randomBytes(32).toString('hex');
});

// --- recipe start ---
export async function createApp(auth: EgnyteAuthOptions) {
  const redis = createClient({ url: process.env.REDIS_URL });
  redis.on('error', (err) => console.error('redis:', err.message));
  await redis.connect();

  const app = express();
  // TRUST_PROXY=1 behind one load balancer (it sets X-Forwarded-For and -Proto); unset in tests: see §8.
  if (process.env.TRUST_PROXY) app.set('trust proxy', Number(process.env.TRUST_PROXY));
  app.use(
    session({
      name: 'myapp.sid',
      store: egnyteSessionStore(new RedisStore({ client: redis, prefix: 'myapp:sess:' })),
      secret: process.env.SESSION_SECRET!, // the same on every instance
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: auth.baseUrl.startsWith('https:'), maxAge: 8 * 60 * 60 * 1000 },
    }),
  );
  app.use(egnyteAuth({ ...auth, coordination: redisCoordination({ client: redis }) }));
  app.get('/me', requireEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
  app.use(egnyteErrorHandler());
  return { app, redis };
}

let egnyte: EgnyteEmulator;
const running: Array<{ server: Server; redis: { close(): Promise<void> } }> = [];
let a: string; // the URL of instance A
let b: string; // the URL of instance B

async function startInstance(auth: EgnyteAuthOptions): Promise<string> {
  const { app, redis } = await createApp(auth);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  running.push({ server, redis });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  egnyte = await startEgnyteEmulator();
  const auth: EgnyteAuthOptions = {
    clientId: egnyte.clientId,
    clientSecret: egnyte.clientSecret,
    baseUrl: 'http://localhost:3000', // any localhost URL: signInAs only uses its paths
    endpoints: egnyte.endpoints,
    userCacheSeconds: 0, // every request re-reads the user, so one can be caught waiting for Egnyte
    revokeOnLogout: false, // test only: B's read still succeeds, so only the coordination stops its write-back
  };
  a = await startInstance(auth);
  b = await startInstance(auth);
});
afterAll(async () => {
  for (const { server, redis } of running) {
    server.closeAllConnections();
    server.close();
    await redis.close();
  }
  await egnyte.close();
});

const me = (url: string, cookie: string) => fetch(`${url}/me`, { headers: { accept: 'application/json', cookie } });

it('signs in on one instance and is served by the other', async () => {
  const browser = createCookieJar(a);
  await signInAs(browser, { domain: 'acme', username: 'bjones' });
  const answer = await me(b, browser.cookieHeader());
  expect(answer.status).toBe(200);
  expect(await answer.json()).toMatchObject({ username: 'bjones' });
});

it('signs out on one instance: final on the other, even for a request running there', async () => {
  const browser = createCookieJar(a);
  await signInAs(browser, { domain: 'globex', username: 'mlee' });
  const cookie = browser.cookieHeader();
  // A request on B waits for Egnyte while the user signs out on A.
  egnyte.fault({ endpoint: 'userinfo', kind: 'slow', delayMs: 500, times: 1 });
  const before = egnyte.calls.userinfo;
  const inFlight = me(b, cookie);
  while (egnyte.calls.userinfo === before) await new Promise((resolve) => setTimeout(resolve, 10));
  expect((await browser.fetch('/egnyte/logout', { method: 'POST' })).status).toBe(302);
  await (await inFlight).text(); // B finishes after the logout, with the session it had read
  expect((await me(b, cookie)).status).toBe(401);
  expect((await me(a, cookie)).status).toBe(401);
});
// --- recipe end ---

afterAll(() => redisServer.stop());

/** The code lines of `text`, without imports, comment-only lines and blank lines. */
function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !l.startsWith('import ') && !l.trim().startsWith('//'));
}

it('EXAMPLES.md §12 shows exactly the code above', () => {
  const md = readFileSync('EXAMPLES.md', 'utf8');
  const start = md.indexOf('## 12. Several instances with Redis');
  expect(start).toBeGreaterThan(-1);
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks).toHaveLength(2);
  const self = readFileSync(__filename, 'utf8');
  const recipe = self.slice(self.indexOf('// --- recipe start ---'), self.indexOf('// --- recipe end ---'));
  expect(codeLines(blocks.join('\n'))).toEqual(codeLines(recipe));
  // The imports a reader needs are shown too.
  for (const line of [
    "import { RedisStore } from 'connect-redis';",
    "import { createClient } from 'redis';",
    "import { redisCoordination } from 'express-egnyte-auth/redis';",
    "import { createCookieJar, signInAs, startEgnyteEmulator, type EgnyteEmulator } from 'express-egnyte-auth/testing';",
  ]) {
    expect(section).toContain(line);
  }
});
