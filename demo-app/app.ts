/**
 * The demo's Express app: helmet, express-session (memorystore, or the Redis store it is
 * given), express-egnyte-auth, a home page, a guarded profile page, a guarded JSON endpoint
 * and friendly error pages.
 */
import express from 'express';
import type { Express, Request, Response } from 'express';
import session from 'express-session';
import type { Store } from 'express-session';
import helmet from 'helmet';
import createMemoryStore from 'memorystore';
import { egnyteAuth, egnyteSessionStore, requireEgnyteUser, withEgnyteUser } from 'express-egnyte-auth';
import type { EgnyteAuthOptions, EgnyteCoordination, EgnyteEndpoints } from 'express-egnyte-auth';
import type { DemoConfig } from './config.js';
import { demoErrorHandler, wantsHtml } from './errors.js';
import { loadSharedFolder } from './files.js';
import { STYLESHEET, errorPage, homePage, profilePage } from './pages.js';
import type { PageContext, UsersApiDetails } from './pages.js';

/** Settings of {@link createDemoApp}: the validated config, with the final public URL. */
export interface DemoAppConfig extends DemoConfig {
  /** Public origin of the app (known once the server listens). */
  baseUrl: string;
  /** Egnyte API key; in emulator mode the emulator's. */
  clientId: string;
  /** The key's secret; in emulator mode the emulator's. */
  clientSecret: string;
  /** Only in emulator mode: where the emulator is, and which domains it knows. */
  emulator?: { endpoints: EgnyteEndpoints; origin: string; domains: string[] };
  /** Which instance this is, e.g. `2 of 3`, when several serve the demo: every page says it. */
  instance?: string;
}

/** What the app shares with other instances; without them it keeps everything in memory. */
export interface DemoAppServices {
  /** The session store, already wrapped in `egnyteSessionStore()`. */
  sessionStore?: Store;
  /** The package's coordination, e.g. `redisCoordination({ client })`. */
  coordination?: EgnyteCoordination;
}

/** How long a signed-in session lives without use. */
const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000;

/** Origins a form on our pages may end up at: ours, then Egnyte's (login redirects there). */
function formTargets(config: DemoAppConfig): string[] {
  if (config.emulator) return ["'self'", config.emulator.origin];
  const suffixes = config.hostSuffixes ?? ['egnyte.com'];
  return ["'self'", 'https://*.egnyte.com', ...suffixes.map((s) => `https://*.${s}`)].filter((v, i, a) => a.indexOf(v) === i);
}

function displayName(user: { firstName?: string; lastName?: string; username?: string } | undefined): string | undefined {
  if (!user) return undefined;
  return `${user.firstName ?? ''} ${user.lastName ?? ''}`.trim() || user.username;
}

/** The name in a login the session keeps (Egnyte's userinfo answer), for pages outside the guard. */
function storedName(login: { userinfo?: Readonly<Record<string, unknown>>; user?: { firstName?: string; lastName?: string; username?: string } } | undefined) {
  const info = login?.userinfo;
  if (!info) return login?.user;
  return { firstName: str(info['first_name']), lastName: str(info['last_name']), username: str(info['username']) };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads the fields the profile shows from a Users API answer, defensively. */
export function parseUsersApi(body: unknown): UsersApiDetails {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  const name = typeof b['name'] === 'object' && b['name'] !== null ? (b['name'] as Record<string, unknown>) : {};
  const details: UsersApiDetails = {};
  const formatted = str(name['formatted']) ?? (`${str(name['givenName']) ?? ''} ${str(name['familyName']) ?? ''}`.trim() || undefined);
  if (formatted) details.formattedName = formatted;
  const email = str(b['email']);
  if (email) details.email = email;
  const userType = str(b['userType']);
  if (userType) details.userType = userType;
  const role = str(b['role']);
  if (role) details.role = role;
  if (typeof b['active'] === 'boolean') details.active = b['active'];
  return details;
}

/**
 * Builds the demo app. Call `app.locals.close()` when done to stop the memory store's timer
 * (closing what `services` hold is the caller's job).
 */
export function createDemoApp(config: DemoAppConfig, services: DemoAppServices = {}): Express {
  const app = express();
  const https = new URL(config.baseUrl).protocol === 'https:';
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.set('json spaces', 2); // readable in a browser and with curl

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: formTargets(config),
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: https ? [] : null,
        },
      },
      strictTransportSecurity: https ? { maxAge: 15552000 } : false,
    }),
  );

  if (config.instance !== undefined) {
    const instance = config.instance;
    // For programs (and the tests): which instance answered, on every response.
    app.use((_req, res, next) => {
      res.set('X-Demo-Instance', instance);
      next();
    });
  }

  let store = services.sessionStore;
  if (!store) {
    const MemoryStore = createMemoryStore(session);
    const memory = new MemoryStore({ checkPeriod: 10 * 60 * 1000 });
    app.locals['close'] = () => memory.stopInterval();
    // Store failures become 503 session_store_failed pages instead of raw errors.
    store = egnyteSessionStore(memory);
  } else {
    app.locals['close'] = () => undefined;
  }
  app.use(
    session({
      name: 'egnyte-demo.sid',
      secret: config.sessionSecret,
      store,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: https, maxAge: SESSION_MAX_AGE_MS },
    }),
  );

  const authOptions: EgnyteAuthOptions = {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    baseUrl: config.baseUrl,
    region: config.region,
    // The home page confirms the sign-out (only to a browser that is in fact signed out).
    postLogoutRedirect: '/?signedOut=1',
  };
  if (config.scope) authOptions.scope = config.scope;
  if (config.domain) authOptions.domain = config.domain;
  if (config.hostSuffixes) authOptions.hostSuffixes = config.hostSuffixes;
  if (config.emulator) authOptions.endpoints = config.emulator.endpoints;
  if (services.coordination) authOptions.coordination = services.coordination;
  app.use(egnyteAuth(authOptions));

  const pageContext = (req: Request): PageContext => {
    const ctx: PageContext = { mode: config.mode };
    if (config.instance !== undefined) ctx.instance = config.instance;
    // req.egnyte is only set behind the guard; elsewhere peek at the session the package keeps.
    const who = displayName(req.egnyte?.user ?? storedName(req.session?.egnyte?.login));
    if (who) ctx.signedInAs = who;
    return ctx;
  };

  app.get('/styles.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=300').send(STYLESHEET);
  });

  app.get('/', (req, res) => {
    res.type('html').send(
      homePage(pageContext(req), {
        region: config.region,
        baseUrl: config.baseUrl,
        ...(config.domain ? { fixedDomain: config.domain } : {}),
        ...(config.emulator ? { emulatorDomains: config.emulator.domains } : {}),
        ...(req.query['signedOut'] === '1' ? { signedOut: true } : {}),
      }),
    );
  });

  app.get('/profile', requireEgnyteUser(), withEgnyteUser(async (req, res) => {
    const { user, domain, stale, userFetchedAt } = req.egnyte;
    let details: UsersApiDetails | undefined;
    let detailsNote: string | undefined;
    try {
      const answer = await req.egnyte.fetch(`/pubapi/v2/users/${encodeURIComponent(String(user.id))}`, {
        headers: { accept: 'application/json' },
      });
      if (answer.ok) {
        details = parseUsersApi(await answer.json());
      } else {
        await answer.body?.cancel();
        detailsNote = `Egnyte's Users API answered ${answer.status}, so only the basic profile is shown. (Reading it may need the Egnyte.user scope.)`;
      }
    } catch (err) {
      // A refused token has signed the user out: let the error page say so.
      if ((err as { code?: unknown })?.code === 'login_required') throw err;
      detailsNote = `The extra details from Egnyte's Users API could not be loaded just now (${(err as { code?: string })?.code ?? 'network error'}), so only the basic profile is shown.`;
    }
    // One call after the other: Egnyte allows a user's token only a few calls per second.
    const shared = await loadSharedFolder((path, init) => req.egnyte.fetch(path, init));
    const view = { user, domain, stale, userFetchedAt, shared, ...(details ? { details } : {}), ...(detailsNote ? { detailsNote } : {}) };
    res.type('html').send(profilePage(pageContext(req), view));
  }));

  app.get('/api/me', requireEgnyteUser(), withEgnyteUser((req, res) => {
    const { user, domain, stale, userFetchedAt } = req.egnyte;
    res.json({
      user: {
        id: user.id,
        username: user.username,
        firstName: user.firstName,
        lastName: user.lastName,
        ...(user.email !== undefined ? { email: user.email } : {}),
        ...(user.userType !== undefined ? { userType: user.userType } : {}),
      },
      domain,
      stale,
      userFetchedAt: new Date(userFetchedAt).toISOString(),
    });
  }));

  app.use((req: Request, res: Response) => {
    if (!wantsHtml(req)) {
      res.status(404).json({ error: 'not_found', message: 'No such page.' });
      return;
    }
    res.status(404).type('html').send(
      errorPage(pageContext(req), { status: 404, code: 'not_found', title: 'Page not found', explanation: 'There is no page at this address.' }),
    );
  });

  app.use(demoErrorHandler(pageContext));
  return app;
}
