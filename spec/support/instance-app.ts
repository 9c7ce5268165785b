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
import { appClientsFromEnv } from './redis-topology.js';

const env = process.env;
const name = env.INSTANCE_NAME ?? 'instance';
const emulatorUrl = env.EMULATOR_URL!;

// One server, a Cluster or Sentinel; node-redis or ioredis for coordination (see redis-topology.ts).
const redis = await appClientsFromEnv(env);

const app = express();
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
app.use(
  egnyteAuth({
    clientId: env.CLIENT_ID!,
    clientSecret: env.CLIENT_SECRET!,
    baseUrl: `http://localhost:${port}`,
    timeoutMs: Number(env.TIMEOUT_MS ?? 10_000),
    apiWaitMs: Number(env.API_WAIT_MS ?? 10_000),
    revokeOnLogout: false,
    endpoints: emulatorEndpoints(emulatorUrl),
    coordination: redisCoordination({ client: redis.coordination, timeoutMs: 2000 }),
    ...(env.USER_CACHE_SECONDS ? { userCacheSeconds: Number(env.USER_CACHE_SECONDS) } : {}),
  }),
);
app.get('/me', requireEgnyteUser(), (req, res) => {
  res.json({ instance: name, user: req.egnyte!.user.username, stale: req.egnyte!.stale });
});
app.get('/slow', requireEgnyteUser(), async (req, res) => {
  await new Promise((resolve) => setTimeout(resolve, Number(req.query.ms ?? 400)));
  res.json({ instance: name, user: req.egnyte!.user.username });
});
app.get('/api/userinfo', requireEgnyteUser(), async (req, res) => {
  const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo');
  res.status(answer.status).json({ instance: name, ...((await answer.json()) as object) });
});
app.use(egnyteErrorHandler());
// Only now: the spec sends nothing before it reads the port.
process.stdout.write(`${JSON.stringify({ port })}\n`);

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void redis.close().finally(() => process.exit(0)));
});
