/**
 * Issue 10: afterCallback, onLogin and onLogout, user.subject and req.egnyte.data, through
 * real sign-ins against the emulator.
 */
import type { AfterCallbackResult, EgnyteLoginEvent, EgnyteLogoutEvent } from '../../lib/index.js';
import { startAttempt } from '../support/attack-kit.js';
import { getJson, sleep } from '../support/fault-kit.js';
import { withHarness } from '../support/harness.js';

test('afterCallback adds user fields (kept across re-reads, Egnyte\'s own win) and data kept with the login', async () => {
  await withHarness(
    {
      auth: {
        userCacheSeconds: 0,
        // Typed apps cannot return Egnyte's own fields or unmerged ones; JavaScript apps can, so the run-time rule is tested as such.
        afterCallback: async ({ user, domain }) => ({ user: { role: 'editor', firstName: 'Overridden' }, data: { tenant: domain, seenId: user.id } }) as unknown as AfterCallbackResult,
      },
    },
    async (h) => {
      const browser = h.browser();
      await browser.signIn('acme', { direct: true });
      for (let i = 0; i < 2; i++) {
        const me = await getJson(browser, '/me');
        expect(me.status).toBe(200);
        expect(me.body.user).toMatchObject({ role: 'editor', firstName: 'Jane', subject: 'acme.egnyte.com:121', id: 121 });
        expect(me.body.data).toEqual({ tenant: 'acme.egnyte.com', seenId: 121 });
      }
      expect(h.emulator.calls.userinfo).toBeGreaterThanOrEqual(3);
    },
  );
});

test('afterCallback throwing refuses the sign-in: 403 sign_in_refused, the message escaped, tokens revoked, nobody signed in', async () => {
  await withHarness({ auth: { afterCallback: () => Promise.reject(new Error('<b>Staff only</b> & friends')) } }, async (h) => {
    const browser = h.browser();
    const url = await startAttempt(browser, 'acme', { direct: true });
    h.emulator.resetCalls();
    const page = await browser.request(url);
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain('&lt;b&gt;Staff only&lt;/b&gt; &amp; friends');
    expect(html).not.toContain('<b>Staff only');
    expect(h.emulator.calls.revoke).toBe(2);
    expect((await getJson(browser, '/me')).status).toBe(401);

    const again = h.browser();
    const refused = await getJson(again, await startAttempt(again, 'acme', { direct: true }));
    expect(refused).toMatchObject({ status: 403, body: { error: 'sign_in_refused', message: '<b>Staff only</b> & friends' } });
  });
});

test('onLogin once per sign-in (even for twin callbacks), onLogout once per login, never for a logout with no login', async () => {
  const logins: EgnyteLoginEvent[] = [];
  const logouts: EgnyteLogoutEvent[] = [];
  await withHarness(
    {
      auth: {
        onLogin: (e) => {
          logins.push(e);
        },
        onLogout: async (e) => {
          logouts.push(e);
          throw new Error('an audit sink that fails must not break logout');
        },
      },
    },
    async (h) => {
      const browser = h.browser();
      const url = await startAttempt(browser, 'globex', { direct: true });
      h.emulator.fault({ endpoint: 'token', kind: 'slow', delayMs: 300, times: 1 });
      await Promise.all([browser.request(url), sleep(30).then(() => browser.request(url))]);
      expect(logins.map((e) => [e.user.username, e.domain, typeof e.loginId])).toEqual([['hscorpio', 'globex.egnyte.com', 'string']]);

      const tab2 = h.browser();
      tab2.cookies = new Map(browser.cookies);
      const outs = await Promise.all([browser.request('/egnyte/logout', { method: 'POST' }), tab2.request('/egnyte/logout', { method: 'POST' })]);
      expect(outs.map((o) => o.status)).toEqual([302, 302]);
      expect(logouts.map((e) => [e.user?.username, e.loginId, e.reason])).toEqual([['hscorpio', logins[0]!.loginId, 'logout']]);

      await h.browser().request('/egnyte/logout', { method: 'POST' });
      expect(logouts).toHaveLength(1);
    },
  );
});

test('onLogout tells why a login ended on its own (maxSessionAge)', async () => {
  const logouts: EgnyteLogoutEvent[] = [];
  await withHarness({ auth: { maxSessionAge: 0.3, onLogout: (e) => void logouts.push(e) } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme', { direct: true });
    await sleep(400);
    expect((await getJson(browser, '/me')).status).toBe(401);
    expect(logouts.map((e) => e.reason)).toEqual(['max_session_age']);
  });
});
