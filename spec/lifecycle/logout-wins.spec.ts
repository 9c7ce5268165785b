/**
 * Issue 8, defect 1: logout is undone by a request still running. A slow guarded request
 * that loaded the session before the logout ends after it: express-session writes its copy
 * back (login included) and, with `maxAge` or `rolling`, re-sends the old cookie. Logout
 * must win with `resave` false or true, `rolling` or not, `maxAge` or not.
 */
import type { SessionOptions } from 'express-session';
import session from 'express-session';
import { requireEgnyteUser } from '../../lib/index.js';
import { getJson, sleep } from '../support/fault-kit.js';
import { withHarness } from '../support/harness.js';

const EIGHT_HOURS = 8 * 60 * 60 * 1000;

const CASES: Array<[string, session.CookieOptions, Partial<SessionOptions>]> = [
  ['cookie.maxAge (EXAMPLES recommends 8 h)', { maxAge: EIGHT_HOURS }, {}],
  ['maxAge + rolling', { maxAge: EIGHT_HOURS }, { rolling: true }],
  ['resave: true', {}, { resave: true }],
  ['resave: true + maxAge', { maxAge: EIGHT_HOURS }, { resave: true }],
  ['no maxAge (a copied old cookie)', {}, {}],
];

test.each(CASES)('%s: logout wins over a slow guarded request in flight', async (_name, cookie, sessionOptions) => {
  const store = new session.MemoryStore();
  await withHarness(
    {
      store,
      cookie,
      session: sessionOptions,
      // A stale user: every guarded request re-reads it and so changes the session.
      auth: { userCacheSeconds: 0, revokeOnLogout: false },
      routes: (app) =>
        app.get('/slow', requireEgnyteUser(), async (req, res) => {
          await sleep(500);
          res.json({ user: req.egnyte!.user.username });
        }),
    },
    async (h) => {
      const browser = h.browser();
      await browser.signIn('acme');
      const oldCookie = browser.cookieHeader;
      const slow = browser.request('/slow', { accept: 'application/json' });
      await sleep(150);
      const out = await browser.request('/egnyte/logout', { method: 'POST' });
      expect(out.status).toBe(302);
      await (await slow).text();

      expect((await getJson(browser, '/me')).status).toBe(401);
      const withOld = await fetch(`${h.baseUrl}/me`, { headers: { cookie: oldCookie, accept: 'application/json' } });
      expect(withOld.status).toBe(401);
      // Nothing in the store still carries the login.
      const all = await new Promise<Record<string, session.SessionData>>((resolve) => store.all((_e, s) => resolve((s ?? {}) as Record<string, session.SessionData>)));
      expect(Object.values(all).filter((s) => s.egnyte?.login)).toEqual([]);
    },
  );
});

test('two tabs: a re-read in one tab and logout in the other, the browser ends signed out', async () => {
  await withHarness({ cookie: { maxAge: EIGHT_HOURS }, auth: { userCacheSeconds: 0, revokeOnLogout: false } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.fault({ endpoint: 'userinfo', kind: 'slow', delayMs: 300, times: 1 });
    const racing = getJson(browser, '/me');
    await sleep(100);
    await browser.request('/egnyte/logout', { method: 'POST' });
    expect(await racing).toMatchObject({ status: 401 });
    expect((await getJson(browser, '/me')).status).toBe(401);
  });
});
