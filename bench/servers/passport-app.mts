/**
 * Bench child: the reference app, signed in with passport-oauth2 against the same emulator
 * and store, as its documentation sets it up: `state: true` (kept in the session), the
 * profile read from Egnyte's userinfo, `passport.session()` and a guard on
 * `req.isAuthenticated()`, mounted as its documentation shows (`passport.session()` for every
 * route after it). `/base` is served before passport, `/me` is guarded.
 */
import type { RequestHandler } from 'express';
import passport from 'passport';
import OAuth2Strategy from 'passport-oauth2';
import { childConfig } from '../support/child.mjs';
import { testing } from '../support/package.mjs';
import { type AppConfig, appWithSession, baseRoute, freePort, listenAndServe, sessionStore } from './app-kit.mjs';

interface BenchUser {
  id: number;
  username: string;
  domain: string;
  accessToken: string;
  refreshToken?: string;
}

const { DEFAULT_EMULATOR_CLIENT } = testing;
const config = childConfig<AppConfig>();
const port = await freePort();
const domainBase = `${config.emulatorUrl}/d/acme.egnyte.com`;

const strategy = new OAuth2Strategy(
  {
    authorizationURL: `${domainBase}/puboauth/token`,
    tokenURL: `${domainBase}/puboauth/token`,
    clientID: DEFAULT_EMULATOR_CLIENT.clientId,
    clientSecret: DEFAULT_EMULATOR_CLIENT.clientSecret,
    callbackURL: `http://127.0.0.1:${port}/auth/egnyte/callback`,
    state: true,
  },
  (accessToken: string, refreshToken: string, profile: { id: number; username: string }, done: (err: unknown, user?: BenchUser) => void) => {
    done(null, { id: profile.id, username: profile.username, domain: 'acme.egnyte.com', accessToken, ...(refreshToken ? { refreshToken } : {}) });
  },
);
// Egnyte's userinfo wants the token in the Authorization header.
(strategy as unknown as { _oauth2: { useAuthorizationHeaderforGET(v: boolean): void } })._oauth2.useAuthorizationHeaderforGET(true);
strategy.userProfile = function userProfile(accessToken, done) {
  (this as unknown as { _oauth2: { get(url: string, token: string, cb: (err: unknown, body?: string | Buffer) => void): void } })._oauth2.get(
    `${domainBase}/pubapi/v1/userinfo`,
    accessToken,
    (err, body) => {
      if (err) return done(new Error('userinfo failed'));
      try {
        const raw = JSON.parse(String(body)) as { id: number; username: string };
        done(null, { id: raw.id, username: raw.username });
      } catch {
        done(new Error('userinfo was not JSON'));
      }
    },
  );
};
passport.use('egnyte', strategy);
passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user: BenchUser, done) => done(null, user));

const app = appWithSession((await sessionStore(config)).store);
baseRoute(app);
app.use(passport.session());
const requireUser: RequestHandler = (req, res, next) => (req.isAuthenticated() ? next() : res.status(401).json({ error: 'login_required' }));
app.get('/auth/egnyte', passport.authenticate('egnyte'));
app.get('/auth/egnyte/callback', passport.authenticate('egnyte', { successRedirect: '/me', failureRedirect: '/failed' }));
app.get('/me', requireUser, (req, res) => {
  res.json({ id: (req.user as BenchUser).id });
});
await listenAndServe(app, port, config);
