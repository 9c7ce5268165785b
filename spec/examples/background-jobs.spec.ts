/**
 * README "Background jobs across instances", run as written: `onLogin` fires on the one instance
 * that handled the callback, so the recipe keeps `loginId`s in Redis, and a job on another
 * instance reaches every signed-in user through `auth.egnyteApiFor`. Two instances in this
 * process on one redis-server; the code between the recipe markers is the README's, and the
 * last test checks that the README shows exactly it.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { egnyteAuth, egnyteErrorHandler, isEgnyteAuthError, type EgnyteAuthOptions } from 'express-egnyte-auth';
import { redisCoordination } from 'express-egnyte-auth/redis';
import { createCookieJar, signInAs, startEgnyteEmulator, type EgnyteEmulator } from 'express-egnyte-auth/testing';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redisServer: RedisServer;
let egnyte: EgnyteEmulator;
const servers: Server[] = [];
const clients: Array<{ close(): Promise<void> }> = [];

/** One instance of the app: the recipe, inside an app with a session and the error handler. */
async function instance(options: EgnyteAuthOptions) {
  const app = express();
  app.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false }));
  // --- recipe start ---
  const redis = await createClient({ url: process.env.REDIS_URL }).connect();
  const auth = egnyteAuth({
    ...options,
    coordination: redisCoordination({ client: redis }),
    // One instance sees each sign-in and each logout: record them where all instances look.
    onLogin: async ({ loginId }) => void (await redis.sAdd('myapp:logins', loginId)),
    onLogout: async ({ loginId }) => void (await redis.sRem('myapp:logins', loginId)),
  });
  app.use(auth);

  // The job, on any instance (or a worker with the same options and Redis).
  async function usernamesOfSignedInUsers(): Promise<string[]> {
    const names: string[] = [];
    for (const loginId of await redis.sMembers('myapp:logins')) {
      try {
        const { fetch } = await auth.egnyteApiFor({ loginId });
        names.push(((await (await fetch('/pubapi/v1/userinfo')).json()) as { username: string }).username);
      } catch (err) {
        // Ended without a logout this app saw (maxSessionAge, a token Egnyte refused, ...): forget it.
        if (isEgnyteAuthError(err, 'login_required')) await redis.sRem('myapp:logins', loginId);
        else throw err;
      }
    }
    return names;
  }
  // --- recipe end ---
  app.use(egnyteErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  clients.push(redis);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, redis, usernamesOfSignedInUsers };
}

let a: Awaited<ReturnType<typeof instance>>;
let b: Awaited<ReturnType<typeof instance>>;

beforeAll(async () => {
  redisServer = await startRedis();
  process.env.REDIS_URL = redisServer.url;
  egnyte = await startEgnyteEmulator({ qps: 0 });
  const options: EgnyteAuthOptions = { clientId: egnyte.clientId, clientSecret: egnyte.clientSecret, baseUrl: 'http://localhost:3000', endpoints: egnyte.endpoints };
  a = await instance(options);
  b = await instance(options);
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  for (const client of clients) await client.close();
  await egnyte.close();
  await redisServer.stop();
});

test('signed in on A, seen by the job on B; signed out on A, gone for B', async () => {
  const jane = createCookieJar(a.url);
  await signInAs(jane, { domain: 'acme', username: 'jsmith' });
  const mina = createCookieJar(a.url);
  await signInAs(mina, { domain: 'globex', username: 'mlee' });
  expect((await b.usernamesOfSignedInUsers()).sort()).toEqual(['jsmith', 'mlee']);

  expect((await mina.fetch('/egnyte/logout', { method: 'POST' })).status).toBe(302);
  expect(await b.usernamesOfSignedInUsers()).toEqual(['jsmith']);
  expect(await b.redis.sCard('myapp:logins')).toBe(1);
});

test('a login that ended unseen is dropped by the job, not thrown', async () => {
  await a.redis.sAdd('myapp:logins', 'a-login-that-ended-long-ago');
  expect(await b.usernamesOfSignedInUsers()).toEqual(['jsmith']);
  expect(await a.redis.sIsMember('myapp:logins', 'a-login-that-ended-long-ago')).toBe(0);
});

/** The code lines of `text`, trimmed, without imports, comment-only lines, blank lines and `export`. */
function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().replace(/^export /, ''))
    .filter((l) => l !== '' && !l.startsWith('import ') && !l.startsWith('//'));
}

test('README shows exactly the code above, with its imports', () => {
  const md = readFileSync('README.md', 'utf8');
  const start = md.indexOf('### Background jobs across instances');
  expect(start).toBeGreaterThan(-1);
  const block = /```ts\n([\s\S]*?)```/.exec(md.slice(start))![1]!;
  const self = readFileSync(__filename, 'utf8');
  const recipe = self.slice(self.indexOf('// --- recipe start ---'), self.indexOf('// --- recipe end ---'));
  expect(codeLines(block)).toEqual(codeLines(recipe));
  expect(block).toContain("import { egnyteAuth, isEgnyteAuthError } from 'express-egnyte-auth';");
});
