/**
 * Issue 11: nothing `callEgnyte()` makes may outlive the request that made it. Counted, never
 * timed: Timeout resources alive after many sign-ins and a settle (async_hooks sees unref'd
 * timers too, which `process.getActiveResourcesInfo()` does not), and abort listeners left on a
 * long-lived signal the app hands to `req.egnyte.fetch`.
 */
import { getEventListeners } from 'node:events';
import { requireEgnyteUser } from '../../lib/index.js';
import { withHarness } from '../support/harness.js';
import { trackTimers } from '../support/timers.js';

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('sign-ins leave no timer behind once they have finished (token, userinfo, revoke)', async () => {
  // With the default daily API quota counted too: its records expire by timestamp, not by timer.
  await withHarness({}, async (h) => {
    const timers = trackTimers();
    try {
      const signIns = async (count: number): Promise<void> => {
        for (let i = 0; i < count; i++) {
          const browser = h.browser();
          const landed = await browser.signIn(i % 2 ? 'acme' : 'globex', { direct: true, returnTo: '/me' });
          expect(landed.status).toBe(200);
          if (i % 10 === 0) expect((await browser.request('/egnyte/logout', { method: 'POST' })).status).toBeLessThan(400);
        }
        await settle(1200); // the per-second API pacing lanes free themselves after 1 s
      };
      // The HTTP machinery keeps a timer per open connection (keep-alive, parser): those are
      // there after the first sign-ins and do not grow with more of them.
      await signIns(20);
      const afterWarmUp = timers.alive();
      await signIns(100);
      // Before the fix each sign-in left two 10 s timers (token, userinfo): about +200 here.
      // The bound leaves room for a few more connections open at the end than after warm-up.
      expect(timers.alive() - afterWarmUp).toBeLessThan(10);
    } finally {
      timers.stop();
    }
  });
});

test.each([
  // Egnyte's 2 calls a second per token would make the 40 calls of this test take 20 s.
  ['the default client', { apiLimits: { perSecond: 100 } }],
  ['an injected fetch', { apiLimits: { perSecond: 100 }, fetch: (url: string, init?: RequestInit) => globalThis.fetch(url, init) }],
])("req.egnyte.fetch through %s leaves no listener on the app's own long-lived signal", async (_name, auth) => {
  const appLifetime = new AbortController(); // e.g. the app's shutdown signal, shared by every call
  await withHarness(
    {
      auth,
      routes: (app) => {
        app.get('/read', requireEgnyteUser(), async (req, res) => {
          const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo', { signal: appLifetime.signal });
          await answer.text();
          res.json({ listeners: getEventListeners(appLifetime.signal, 'abort').length });
        });
        app.get('/drop', requireEgnyteUser(), async (req, res) => {
          const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo', { signal: appLifetime.signal });
          await answer.body?.cancel();
          res.json({ listeners: getEventListeners(appLifetime.signal, 'abort').length });
        });
      },
    },
    async (h) => {
      const browser = h.browser();
      await browser.signIn('acme', { direct: true });
      for (let i = 0; i < 20; i++) {
        for (const path of ['/read', '/drop']) {
          const response = await browser.request(path, { accept: 'application/json' });
          expect(response.status).toBe(200);
          expect(await response.json()).toEqual({ listeners: 0 });
        }
      }
      expect(getEventListeners(appLifetime.signal, 'abort')).toHaveLength(0);
    },
  );
});
