/**
 * Bench child: an app signed in through express-egnyte-auth. `/base` is served before
 * egnyteAuth() (express-session only), `/plain` after it, unguarded, and `/me` is guarded by
 * `requireEgnyteUser()`: the router alone is `/plain` against `/base`, the guard `/me` against
 * `/plain`, all on one store and one session. On Redis, `redisCoordination()` coordinates
 * logins through the same client, as an app with several instances would.
 *
 * With `fetchBench`, `/fetch` makes one `req.egnyte.fetch` (userinfo, unpaced: `apiLimits` out
 * of the way), and `POST /bench/seal?mode=plain` (or `sealed`) switches how this process keeps
 * tokens: plain JSON, as before issue 19, or encrypted, the package's own way; the login of the
 * request's session is rewritten in that form. The cost of the encryption is `/fetch` in one
 * mode against the other, in one process.
 */
import type { EgnyteTokenSet } from '../../lib/index.js';
import type * as Runtime from '../../lib/guard/runtime.js';
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
  /** Serve `/fetch` and `/bench/seal` (see the module comment). */
  fetchBench?: boolean;
}

/** Tokens as plain JSON, the way they were kept before issue 19 (the same interface as the package's seal). */
const PLAIN_SEAL = {
  seal: (_owner: unknown, tokens: unknown): string => JSON.stringify(tokens),
  open: (_owner: unknown, sealed: string): EgnyteTokenSet => JSON.parse(sealed) as EgnyteTokenSet,
  isCurrent: (): boolean => true,
};

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
    ...(config.fetchBench ? { apiLimits: { perSecond: 1_000_000, perDay: 0 } } : {}),
  }),
);
if (config.fetchBench) {
  const { findRuntime } = (await import(new URL('../../dist/guard/runtime.js', import.meta.url).href)) as typeof Runtime;
  let encrypted: Runtime.Runtime['logins']['seal'] | undefined;
  app.post('/bench/seal', async (req, res) => {
    const { runtime } = findRuntime(req)!;
    encrypted ??= runtime.logins.seal;
    const next = req.query.mode === 'plain' ? PLAIN_SEAL : encrypted;
    const loginId = req.session.egnyte!.login!.id;
    const before = runtime.logins.seal;
    const state = await runtime.logins.records.update(loginId, (live) => {
      const owner = { loginId, domain: live.domain };
      return { ...live, tokens: next.seal(owner, before.open(owner, live.tokens)) };
    });
    runtime.logins.seal = next;
    res.status(state.kind === 'live' ? 200 : 500).json({ kind: state.kind });
  });
}
plainRoute(app);
app.get('/me', requireEgnyteUser(), (req, res) => {
  res.json({ id: req.egnyte!.user.id });
});
if (config.fetchBench) {
  app.get('/fetch', requireEgnyteUser(), async (req, res) => {
    const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo');
    await answer.arrayBuffer();
    res.status(answer.status).json({ ok: answer.ok });
  });
}
app.use(egnyteErrorHandler());
await listenAndServe(app, port, config);
