/**
 * Issue 10: optional sign-in (attachEgnyteUser), custom routes (routes.login: false and
 * res.egnyteLogin), withEgnyteUser, and background access (auth.egnyteApiFor).
 */
import { attachEgnyteUser, withEgnyteUser } from '../../lib/index.js';
import { getJson, sleep } from '../support/fault-kit.js';
import { withHarness } from '../support/harness.js';

test('attachEgnyteUser: anonymous requests pass without req.egnyte; signed-in ones get it', async () => {
  await withHarness(
    {
      routes: (app) =>
        app.get('/home', attachEgnyteUser(), (req, res) => {
          res.json({ who: req.egnyte?.user.subject ?? null });
        }),
    },
    async (h) => {
      const browser = h.browser();
      expect(await getJson(browser, '/home')).toMatchObject({ status: 200, body: { who: null } });
      await browser.signIn('acme', { direct: true });
      expect(await getJson(browser, '/home')).toMatchObject({ status: 200, body: { who: 'acme.egnyte.com:121' } });
    },
  );
});

test('withEgnyteUser on a route without the guard answers invalid_config naming the guard instead of crashing', async () => {
  await withHarness({ routes: (app) => app.get('/unguarded', withEgnyteUser((req, res) => res.json(req.egnyte.user))) }, async (h) => {
    expect(await getJson(h.browser(), '/unguarded')).toMatchObject({ status: 500, body: { error: 'invalid_config', message: expect.stringMatching(/requireEgnyteUser\(\)/) } });
  });
});

test('routes.login: false turns the route off; the app starts sign-ins itself with res.egnyteLogin()', async () => {
  await withHarness(
    {
      auth: { routes: { login: false } },
      routes: (app) =>
        app.get('/signin', async (req, res) => {
          if (typeof req.query.tenant !== 'string') return void res.status(400).send('which tenant?');
          await res.egnyteLogin!({ domain: req.query.tenant, returnTo: '/me' });
        }),
    },
    async (h) => {
      const browser = h.browser();
      expect((await browser.request('/egnyte/login')).status).toBe(404);
      const landed = await browser.go('/signin?tenant=globex', { accept: 'application/json' });
      expect(landed.status).toBe(200);
      expect(JSON.parse(landed.body)).toMatchObject({ domain: 'globex.egnyte.com', user: { username: 'hscorpio' } });
    },
  );
});

test('routes: false is validated with the other options', async () => {
  const { egnyteAuth } = await import('../../lib/index.js');
  expect(() => egnyteAuth({ clientId: 'k', clientSecret: 's', baseUrl: 'https://a.example', routes: { logout: false, callback: 'nope' as never } })).toThrow(
    expect.objectContaining({ problems: [expect.stringMatching(/routes\.callback.*or false/)] }),
  );
});

test('egnyteApiFor: a job calls Egnyte for a signed-in user, refreshed as needed, refused once the login ended', async () => {
  // Tokens that live 61 s count as expired after 1 s (refreshed a minute before expiry).
  await withHarness({ emulator: { accessTokenTtlSeconds: 61 } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme', { direct: true });
    const { loginId } = (await getJson(browser, '/me')).body as { loginId: string };
    const api = await h.auth.egnyteApiFor({ loginId });
    expect(api.domain).toBe('acme.egnyte.com');
    expect(await (await api.fetch('/pubapi/v1/userinfo')).json()).toMatchObject({ username: 'jsmith' });

    await sleep(1100);
    h.emulator.resetCalls();
    expect((await api.fetch('/pubapi/v1/userinfo')).status).toBe(200);
    expect(h.emulator.tokenGrants.refresh_token).toBe(1);
    // The refreshed tokens are the login's: the browser's next re-read uses them, no second refresh.
    expect((await api.fetch('/pubapi/v1/userinfo')).status).toBe(200);
    expect(h.emulator.tokenGrants.refresh_token).toBe(1);

    await browser.request('/egnyte/logout', { method: 'POST' });
    await expect(api.fetch('/pubapi/v1/userinfo')).rejects.toMatchObject({ code: 'login_required' });
    await expect(h.auth.egnyteApiFor({ loginId })).rejects.toMatchObject({ code: 'login_required' });
    await expect(h.auth.egnyteApiFor({ loginId: 'no-such-login' })).rejects.toMatchObject({ code: 'login_required' });
  });
});
