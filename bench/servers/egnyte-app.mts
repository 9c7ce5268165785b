/**
 * Bench child: an app signed in through express-egnyte-auth. `/base` is served before
 * egnyteAuth() (express-session only), `/plain` after it, unguarded, and `/me` is guarded by
 * `requireEgnyteUser()`: the router alone is `/plain` against `/base`, the guard `/me` against
 * `/plain`, all on one store and one session. On Redis, `redisCoordination()` coordinates
 * logins through the same client, as an app with several instances would.
 */
import { childConfig } from '../support/child.mjs';
import { auth, redis, testing } from '../support/package.mjs';
import { type AppConfig, appWithSession, baseRoute, freePort, listenAndServe, plainRoute, sessionStore } from './app-kit.mjs';

const { egnyteAuth, egnyteErrorHandler, requireEgnyteUser } = auth;
const { redisCoordination } = redis;
const { DEFAULT_EMULATOR_CLIENT } = testing;

interface EgnyteAppConfig extends AppConfig {
  userCacheSeconds?: number;
  /** Use Node's own fetch instead of the default client (to measure what the client saves). */
  nodeFetch?: boolean;
}

const config = childConfig<EgnyteAppConfig>();
const port = await freePort();
const { store, client } = await sessionStore(config);
const app = appWithSession(store);
baseRoute(app);
app.use(
  egnyteAuth({
    clientId: DEFAULT_EMULATOR_CLIENT.clientId,
    clientSecret: DEFAULT_EMULATOR_CLIENT.clientSecret,
    baseUrl: `http://127.0.0.1:${port}`,
    endpoints: {
      enhancedAuth: { us: `${config.emulatorUrl}/eas/us/services/oauth/code`, eu: `${config.emulatorUrl}/eas/eu/services/oauth/code` },
      domainBaseUrl: (host) => `${config.emulatorUrl}/d/${host}`,
    },
    ...(config.userCacheSeconds !== undefined ? { userCacheSeconds: config.userCacheSeconds } : {}),
    ...(config.nodeFetch ? { fetch: (url: string, init?: RequestInit) => globalThis.fetch(url, init) } : {}),
    // With Redis sessions the app runs several instances' way: Redis coordinates them too.
    ...(client ? { coordination: redisCoordination({ client }) } : {}),
  }),
);
plainRoute(app);
app.get('/me', requireEgnyteUser(), (req, res) => {
  res.json({ id: req.egnyte!.user.id });
});
app.use(egnyteErrorHandler());
await listenAndServe(app, port, config);
