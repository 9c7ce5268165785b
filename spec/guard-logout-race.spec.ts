/**
 * Logout while a guarded request of the same session is re-reading the user: the racing
 * request must not write the ended session back, or the browser (which keeps its cookie:
 * logout sets no new one) would be signed in again.
 */
import { getJson, sleep } from './support/fault-kit.js';
import { withHarness } from './support/harness.js';

test('a guarded re-read that ends after logout does not sign the browser back in', async () => {
  await withHarness({ auth: { userCacheSeconds: 0, revokeOnLogout: false } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.fault({ endpoint: 'userinfo', kind: 'slow', delayMs: 300, times: 1 });
    const racing = getJson(browser, '/me');
    await sleep(100);
    const out = await browser.request('/egnyte/logout', { method: 'POST', accept: 'application/json' });
    expect(out.status).toBe(302);
    expect(await racing).toMatchObject({ status: 401, body: { error: 'login_required' } });
    expect(await getJson(browser, '/me')).toMatchObject({ status: 401, body: { error: 'login_required' } });
  });
});
