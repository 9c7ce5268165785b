/**
 * One app instance for the multi-instance specs, run as its own process
 * (`node --import tsx spec/support/instance-app.ts`): express-session on connect-redis,
 * `egnyteAuth` coordinated through `redisCoordination`, and a few guarded routes. It prints
 * `{"port":N}` once listening. Settings come from the environment (see `startInstances`).
 */
import { once } from 'node:events';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { egnyteAuth, egnyteErrorHandler, egnyteSessionStore, requireEgnyteUser } from '../../lib/index.js';
import { redisCoordination } from '../../lib/redis.js';
import { emulatorEndpoints } from '../../lib/testing/index.js';
import type { createClient } from 'redis';
import { appClientsFromEnv } from './redis-topology.js';

const env = process.env;
const name = env.INSTANCE_NAME ?? 'instance';
const emulatorUrl = env.EMULATOR_URL!;

// One server, a Cluster or Sentinel; node-redis or ioredis for coordination (see redis-topology.ts).
const redis = await appClientsFromEnv(env);

const app = express();
// Issue 18's specs send clients' addresses as a proxy on loopback reports them: trusted only when asked.
if (env.TRUST_PROXY) app.set('trust proxy', env.TRUST_PROXY);
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };

app.use(
  session({
    store: egnyteSessionStore(new RedisStore({ client: redis.sessions, prefix: 'sess:' })),
    secret: env.SESSION_SECRET!,
    resave: false,
    saveUninitialized: false,
    cookie: { sameSite: 'lax', httpOnly: true, maxAge: 8 * 60 * 60 * 1000 },
  }),
);
const seconds = (name: string): number | undefined => (env[name] === undefined ? undefined : Number(env[name]));
/** What the hooks saw, in one Redis list for every instance: the specs count them across processes. */
const record = (event: Record<string, unknown>): void => {
  void (redis.sessions as ReturnType<typeof createClient>).rPush('test:events', JSON.stringify({ instance: name, ...event })).catch(() => undefined);
};
const auth = egnyteAuth({
  clientId: env.CLIENT_ID!,
  clientSecret: env.CLIENT_SECRET!,
  baseUrl: `http://localhost:${port}`,
  timeoutMs: Number(env.TIMEOUT_MS ?? 10_000),
  apiWaitMs: Number(env.API_WAIT_MS ?? 10_000),
  revokeOnLogout: env.REVOKE_ON_LOGOUT === 'true',
  endpoints: emulatorEndpoints(emulatorUrl),
  coordination: redisCoordination({ client: redis.coordination, timeoutMs: 2000 }),
  ...(seconds('MAX_SESSION_AGE') !== undefined ? { maxSessionAge: seconds('MAX_SESSION_AGE') } : {}),
  ...(seconds('IDLE_TIMEOUT') !== undefined ? { idleTimeout: seconds('IDLE_TIMEOUT') } : {}),
  ...(seconds('USER_CACHE_SECONDS') !== undefined ? { userCacheSeconds: seconds('USER_CACHE_SECONDS') } : {}),
  async afterCallback() {
    // A slow provisioning hook, when the spec asks for one.
    if (env.AFTER_CALLBACK_MS) await new Promise((resolve) => setTimeout(resolve, Number(env.AFTER_CALLBACK_MS)));
  },
  onLogin: ({ loginId }) => record({ hook: 'onLogin', loginId }),
  onLogout: ({ loginId, reason }) => record({ hook: 'onLogout', loginId, reason }),
});
app.use(auth);
app.get('/test/background', async (req, res) => {
  try {
    const api = await auth.egnyteApiFor({ loginId: String(req.query.loginId) });
    res.json({ instance: name, user: ((await api.api.get('/pubapi/v1/userinfo')) as { username: string }).username });
  } catch (err) {
    res.status(500).json({ instance: name, error: (err as { code?: string }).code ?? 'error' });
  }
});
app.get('/visits', async (req, res) => {
  // An ordinary page that is slow and counts visits: it writes its copy of the session back late.
  await new Promise((resolve) => setTimeout(resolve, Number(req.query.ms ?? 500)));
  const counted = req.session as unknown as { visits?: number };
  counted.visits = (counted.visits ?? 0) + 1;
  res.json({ instance: name, visits: counted.visits });
});
app.get('/me', requireEgnyteUser(), (req, res) => {
  res.json({ instance: name, user: req.egnyte!.user.username, stale: req.egnyte!.stale, loginId: req.egnyte!.loginId });
});
app.get('/slow', requireEgnyteUser(), async (req, res) => {
  await new Promise((resolve) => setTimeout(resolve, Number(req.query.ms ?? 400)));
  res.json({ instance: name, user: req.egnyte!.user.username });
});
app.get('/api/userinfo', requireEgnyteUser(), async (req, res) => {
  const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo');
  res.status(answer.status).json({ instance: name, ...((await answer.json()) as object) });
});
// Issue 18: what req.egnyte.fetch and api.get make of a path (dot segments are refused).
app.get('/api/fetch', requireEgnyteUser(), async (req, res) => {
  const answer = await req.egnyte!.fetch(String(req.query.path));
  res.status(answer.status).json({ instance: name, status: answer.status });
});
app.get('/api/get', requireEgnyteUser(), async (req, res) => {
  res.json({ instance: name, body: await req.egnyte!.api.get(String(req.query.path)) });
});
app.use(egnyteErrorHandler());
// Only now: the spec sends nothing before it reads the port.
process.stdout.write(`${JSON.stringify({ port })}\n`);

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void redis.close().finally(() => process.exit(0)));
});
