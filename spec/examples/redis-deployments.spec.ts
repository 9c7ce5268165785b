/**
 * README "Running several instances", the Cluster and Sentinel recipes, run as written: the
 * code between the recipe markers is what README shows (the last test checks it line by
 * line, imports aside), each run here against a real 3-master Redis Cluster and a real master,
 * replica and sentinel: an app built from it signs in, serves the user and signs out.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session, { type Store } from 'express-session';
import { RedisStore } from 'connect-redis';
import { createCluster, createSentinel } from 'redis';
import { Redis } from 'ioredis';
import { egnyteAuth, egnyteErrorHandler, egnyteSessionStore, requireEgnyteUser, withEgnyteUser, type EgnyteAuthOptions, type EgnyteCoordination } from 'express-egnyte-auth';
import { redisCoordination } from 'express-egnyte-auth/redis';
import { createCookieJar, signInAs, startEgnyteEmulator, type EgnyteEmulator } from 'express-egnyte-auth/testing';
import { startRedisCluster, type RedisClusterServer } from '../support/redis-cluster.js';
import { startRedisSentinel, type RedisSentinelServer } from '../support/redis-sentinel.js';

jest.setTimeout(30_000);

// --- recipe start ---
// Redis Cluster: one node-redis cluster client for the sessions and the coordination.
export async function redisOnCluster(nodeUrls: string[]) {
  const redis = createCluster({ rootNodes: nodeUrls.map((url) => ({ url })) });
  redis.on('error', (err) => console.error('redis:', err.message));
  await redis.connect();
  return {
    redis,
    store: egnyteSessionStore(new RedisStore({ client: redis, prefix: 'myapp:sess:' })),
    coordination: redisCoordination({ client: redis }),
  };
}

// Sentinel: node-redis finds the master through the sentinels and follows its failovers.
export async function redisOnSentinel(sentinels: Array<{ host: string; port: number }>) {
  const redis = createSentinel({ name: 'mymaster', sentinelRootNodes: sentinels });
  redis.on('error', (err) => console.error('redis:', err.message));
  await redis.connect();
  return {
    redis,
    store: egnyteSessionStore(new RedisStore({ client: redis, prefix: 'myapp:sess:' })),
    coordination: redisCoordination({ client: redis }),
  };
}

// Or coordination on ioredis (the sessions stay on node-redis: connect-redis 9 needs it).
export function coordinationOnIoredis(nodes: Array<{ host: string; port: number }>) {
  const cluster = new Redis.Cluster(nodes);
  cluster.on('error', (err) => console.error('redis:', err.message));
  return { redis: cluster, coordination: redisCoordination({ client: cluster }) };
}

export function coordinationOnIoredisSentinel(sentinels: Array<{ host: string; port: number }>) {
  // failoverDetector: follow a failover at once, not when the old master is demoted seconds later.
  const redis = new Redis({ sentinels, name: 'mymaster', failoverDetector: true });
  redis.on('error', (err) => console.error('redis:', err.message));
  return { redis, coordination: redisCoordination({ client: redis }) };
}
// --- recipe end ---

let egnyte: EgnyteEmulator;
let cluster: RedisClusterServer;
let sentinel: RedisSentinelServer;
const cleanup: Array<() => unknown> = [];

beforeAll(async () => {
  // Each assigned as it starts, so that afterAll stops whatever did if another one fails.
  await Promise.all([
    startEgnyteEmulator().then((e) => (egnyte = e)),
    startRedisCluster().then((c) => (cluster = c)),
    startRedisSentinel().then((s) => (sentinel = s)),
  ]);
});
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  await Promise.all([egnyte?.close(), cluster?.stop(), sentinel?.stop()]);
});

/** An app of the recipe's parts, listening; signs a user in, serves them, signs them out. */
async function signInAndOut(store: Store, coordination: EgnyteCoordination): Promise<void> {
  const auth: EgnyteAuthOptions = { clientId: egnyte.clientId, clientSecret: egnyte.clientSecret, baseUrl: 'http://localhost:3000', endpoints: egnyte.endpoints, coordination };
  const app = express();
  app.use(session({ store, secret: 'recipe-secret-recipe-secret-recipe', resave: false, saveUninitialized: false }));
  app.use(egnyteAuth(auth));
  app.get('/me', requireEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
  app.use(egnyteErrorHandler());
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  const browser = createCookieJar(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await signInAs(browser, { domain: 'acme', username: 'bjones' });
  const me = await browser.fetch('/me', { headers: { accept: 'application/json' } });
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ username: 'bjones' });
  expect((await browser.fetch('/egnyte/logout', { method: 'POST' })).status).toBe(302);
  expect((await browser.fetch('/me', { headers: { accept: 'application/json' } })).status).toBe(401);
}

it('Redis Cluster, node-redis for both', async () => {
  const { redis, store, coordination } = await redisOnCluster(cluster.nodes.map((n) => n.url));
  cleanup.push(() => redis.close());
  await signInAndOut(store, coordination);
});

it('Redis Cluster, coordination on ioredis', async () => {
  const { redis, store } = await redisOnCluster(cluster.nodes.map((n) => n.url));
  cleanup.push(() => redis.close());
  const io = coordinationOnIoredis(cluster.rootNodes);
  cleanup.push(() => io.redis.disconnect());
  await signInAndOut(store, io.coordination);
});

it('Sentinel, node-redis for both', async () => {
  const { redis, store, coordination } = await redisOnSentinel([sentinel.sentinel]);
  cleanup.push(() => redis.close());
  await signInAndOut(store, coordination);
});

it('Sentinel, coordination on ioredis', async () => {
  const { redis, store } = await redisOnSentinel([sentinel.sentinel]);
  cleanup.push(() => redis.close());
  const io = coordinationOnIoredisSentinel([sentinel.sentinel]);
  cleanup.push(() => io.redis.disconnect());
  await signInAndOut(store, io.coordination);
});

/** The code lines of `text`, without imports, comment-only lines and blank lines. */
function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !l.startsWith('import ') && !l.trim().startsWith('//'));
}

it('README "Running several instances" shows exactly the code above', () => {
  const md = readFileSync('README.md', 'utf8');
  const start = md.indexOf('## Running several instances');
  expect(start).toBeGreaterThan(-1);
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((block) => /redisOnCluster|redisOnSentinel|coordinationOnIoredis/.test(block));
  expect(blocks.length).toBeGreaterThan(0);
  const self = readFileSync(__filename, 'utf8');
  const recipe = self.slice(self.indexOf('// --- recipe start ---'), self.indexOf('// --- recipe end ---'));
  expect(codeLines(blocks.join('\n'))).toEqual(codeLines(recipe));
  for (const line of ["import { createCluster, createSentinel } from 'redis';", "import { Redis } from 'ioredis';", "import { redisCoordination } from 'express-egnyte-auth/redis';"]) {
    expect(section).toContain(line);
  }
});
