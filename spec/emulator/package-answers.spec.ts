/**
 * The package against the emulator's Egnyte-shaped answers: a refresh refused in Egnyte's
 * shapes (not RFC `invalid_grant`) still ends in a clean re-login, and rotating refresh
 * tokens keep a session signed in.
 */
import { RELOAD_GRACE_MS } from '../../lib/guard/outcomes.js';
import { withHarness } from '../support/harness.js';

const JSON_ACCEPT = { accept: 'application/json' };

describe('a refresh refused in Egnyte shapes ends in a clean re-login', () => {
  test.each([
    ['refresh token revoked (400 {"errorMessage"})', 'revoked'],
    ['key secret rotated (401 {"errorMessage"})', 'bad_secret'],
  ] as const)('%s', async (_name, how) => {
    // 30 s tokens: inside the package's refresh-before-expiry window, so every guarded request refreshes.
    await withHarness({ emulator: { accessTokenTtlSeconds: 30 }, auth: { userCacheSeconds: 0 } }, async (h) => {
      const browser = h.browser();
      // Land on an unguarded path, so the first guarded request below is the one that refreshes.
      expect((await browser.signIn('acme', { returnTo: '/' })).hops.at(-1)?.status).toBe(404);
      if (how === 'revoked') h.emulator.revokeUserTokens('acme', 'jsmith');
      if (how === 'bad_secret') h.emulator.fault({ endpoint: 'token', kind: 'unauthorized' });
      h.emulator.resetCalls();

      const api = await browser.request('/me', JSON_ACCEPT);
      expect(api.status).toBe(401);
      expect(await api.json()).toMatchObject({ error: 'login_required' });
      // One refresh tried, refused; then nothing more: no retry loop.
      expect(h.emulator.tokenGrants.refresh_token).toBe(1);
      const page = await browser.request('/page');
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/egnyte/login?returnTo=%2Fpage');
      h.emulator.clearFaults();
      // Signing in again works, through the Enhanced Auth Service and the Referer.
      const again = await browser.signIn('acme', { returnTo: '/me' });
      expect(JSON.parse(again.body)).toMatchObject({ domain: 'acme.egnyte.com', user: { id: 121 } });
    });
  });

  test('the refused refresh answer is really Egnyte-shaped', async () => {
    await withHarness({}, async (h) => {
      const res = await fetch(`${h.emulator.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'gone', client_id: h.emulator.clientId, client_secret: h.emulator.clientSecret }).toString(),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ errorMessage: 'Invalid refresh token.' });
    });
  });
});

test('rotateRefreshTokens: the package keeps the new refresh token, so the session survives two refreshes', async () => {
  await withHarness({ emulator: { rotateRefreshTokens: true, accessTokenTtlSeconds: 30 }, auth: { userCacheSeconds: 0 } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme', { returnTo: '/' });
    h.emulator.resetCalls();
    for (let i = 1; i <= 2; i++) {
      // The package shares a refresh's outcome for RELOAD_GRACE_MS (2 s); wait it out so the second round refreshes again.
      if (i === 2) await new Promise((resolve) => setTimeout(resolve, RELOAD_GRACE_MS + 100));
      const me = await browser.request('/me', JSON_ACCEPT);
      expect(me.status).toBe(200);
      expect(h.emulator.tokenGrants.refresh_token).toBe(i);
    }
  });
});
