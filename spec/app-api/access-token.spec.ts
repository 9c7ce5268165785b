/**
 * Issue 20 point 7: `await req.egnyte.accessToken()` hands the app the login's current access
 * token for a library of its own (Egnyte's SDK, an upload client): the one Egnyte accepts now,
 * refreshed first when due, and `login_required` once the login is over. It goes through the
 * same rulebook as `req.egnyte.fetch` (lib/login/access.ts).
 */
import type { Express } from 'express';
import { isEgnyteAuthError, requireEgnyteUser } from '../../lib/index.js';
import { getJson } from '../support/fault-kit.js';
import { type HarnessOptions, withHarness } from '../support/harness.js';

/** `/token`: calls Egnyte's userinfo itself with the token the package hands over, as an SDK would. */
function tokenRoute(app: Express): void {
  app.get('/token', requireEgnyteUser(), async (req, res) => {
    try {
      const token = await req.egnyte!.accessToken();
      const base = (req.app.locals as { egnyteBase: string }).egnyteBase;
      const answer = await fetch(`${base}/pubapi/v1/userinfo`, { headers: { authorization: `Bearer ${token}` } });
      res.json({ status: answer.status, username: ((await answer.json()) as { username?: string }).username });
    } catch (err) {
      res.status(isEgnyteAuthError(err) ? err.status : 500).json({ error: isEgnyteAuthError(err) ? err.code : 'error' });
    }
  });
}

function options(extra: HarnessOptions = {}): HarnessOptions {
  return { ...extra, routes: tokenRoute };
}

test('the current token works at Egnyte, for a call the app makes with a library of its own', async () => {
  await withHarness(options(), async (h) => {
    h.app.locals.egnyteBase = h.emulator.endpoints.domainBaseUrl('acme.egnyte.com');
    const browser = h.browser();
    await browser.signIn('acme');
    expect(await getJson(browser, '/token')).toMatchObject({ status: 200, body: { status: 200, username: 'jsmith' } });
    expect(h.emulator.tokenGrants.refresh_token).toBe(0);
  });
});

test('a token due for refresh is refreshed first, once', async () => {
  // 30 s is within the 60 s skew: the token is due as soon as it is issued.
  await withHarness(options({ emulator: { accessTokenTtlSeconds: 30 } }), async (h) => {
    h.app.locals.egnyteBase = h.emulator.endpoints.domainBaseUrl('acme.egnyte.com');
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.expireAccessTokens();
    expect(await getJson(browser, '/token')).toMatchObject({ status: 200, body: { status: 200, username: 'jsmith' } });
    expect(h.emulator.tokenGrants.refresh_token).toBe(1);
  });
});

test('once the login ended elsewhere (a job met a refused token), login_required, though the cached user is still fresh', async () => {
  await withHarness(options(), async (h) => {
    h.app.locals.egnyteBase = h.emulator.endpoints.domainBaseUrl('acme.egnyte.com');
    const browser = h.browser();
    await browser.signIn('acme', { returnTo: '/me' });
    const loginId = (await getJson(browser, '/me')).body.loginId as string;
    h.emulator.revokeUserTokens('acme', 'jsmith');
    const job = await h.auth.egnyteApiFor({ loginId });
    await expect(job.api.get('/pubapi/v1/userinfo')).rejects.toMatchObject({ code: 'login_required' });
    // The session's user is fresh (no I/O to serve it); handing out a token asks the record.
    expect(await getJson(browser, '/token')).toMatchObject({ status: 401, body: { error: 'login_required' } });
  });
});
