/**
 * Issue 11: N concurrent requests that share one re-read (or one refresh) of a stale login
 * write the session back at most once. Counted at the store, never timed: every `set` the
 * session store receives for the browser's session id.
 */
import session, { type SessionData } from 'express-session';
import { withHarness } from '../support/harness.js';
import { sessionIdOf } from '../flow-support.js';

const JSON_ACCEPT = { headers: { accept: 'application/json' } };

/**
 * A MemoryStore that counts the writes of each session id. Its answers arrive 300 ms after it read them, as a slow networked
 * store's do, so concurrent requests all load the session before any of them writes it back.
 */
function countingStore(): session.MemoryStore & { writes: Map<string, number> } {
  const store = new session.MemoryStore() as session.MemoryStore & { writes: Map<string, number> };
  store.writes = new Map();
  const get = store.get.bind(store);
  store.get = (sid, callback) => get(sid, (err, data) => void setTimeout(() => callback(err, data), 300));
  const set = store.set.bind(store);
  store.set = (sid: string, data: SessionData, callback?: (err?: unknown) => void) => {
    store.writes.set(sid, (store.writes.get(sid) ?? 0) + 1);
    set(sid, data, callback);
  };
  return store;
}

test('200 concurrent requests on a stale session: one userinfo call, one session write', async () => {
  const store = countingStore();
  await withHarness({ store, auth: { userCacheSeconds: 0 } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme', { direct: true });
    const sid = sessionIdOf(browser);
    h.emulator.resetCalls();
    // Slow enough that all 200 requests, spread out by the machine's load, arrive while it runs.
    h.emulator.fault({ endpoint: 'userinfo', kind: 'slow', delayMs: 1500 });
    store.writes.clear();
    const statuses = await Promise.all(Array.from({ length: 200 }, async () => (await browser.request('/me', JSON_ACCEPT)).status));
    expect(statuses).toEqual(Array(200).fill(200));
    expect(h.emulator.calls.userinfo).toBe(1);
    expect(store.writes.get(sid) ?? 0).toBe(1);
  });
});

test('with idleTimeout too: 200 concurrent requests that each find lastSeenAt old write the session once', async () => {
  const store = countingStore();
  await withHarness({ store, auth: { idleTimeout: 10 } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme', { direct: true });
    const sid = sessionIdOf(browser);
    // Past a tenth of idleTimeout (and the 1 s floor), every request wants to record lastSeenAt.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    store.writes.clear();
    const statuses = await Promise.all(Array.from({ length: 200 }, async () => (await browser.request('/me', JSON_ACCEPT)).status));
    expect(statuses).toEqual(Array(200).fill(200));
    expect(store.writes.get(sid) ?? 0).toBe(1);
  });
});

test('20 concurrent requests sharing one token refresh: one refresh, one session write', async () => {
  const store = countingStore();
  // 30 s is inside the 60 s expiry skew: the token counts as expired as soon as it is issued.
  // userCacheSeconds 0: every request re-reads the user, which needs the token (refreshed on use).
  await withHarness({ store, emulator: { accessTokenTtlSeconds: 30 }, auth: { userCacheSeconds: 0 } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme', { direct: true });
    const sid = sessionIdOf(browser);
    h.emulator.resetCalls();
    h.emulator.fault({ endpoint: 'token', kind: 'slow', delayMs: 150 });
    store.writes.clear();
    const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await browser.request('/me', JSON_ACCEPT)).status));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(h.emulator.tokenGrants.refresh_token).toBe(1);
    expect(store.writes.get(sid) ?? 0).toBe(1);
  });
});

test("a sign-in writes the new login's session once: express-session's identical write at the end of the callback is left out", async () => {
  const store = countingStore();
  await withHarness({ store }, async (h) => {
    const browser = h.browser();
    store.writes.clear();
    await browser.signIn('acme', { direct: true });
    const sid = sessionIdOf(browser);
    expect(store.writes.get(sid)).toBe(1);
    expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
  });
});

test('what onLogin adds to the session after that write is written too', async () => {
  const store = countingStore();
  await withHarness(
    {
      store,
      auth: {
        onLogin: ({ req }) => {
          (req.session as unknown as { theme?: string }).theme = 'dark';
        },
      },
    },
    async (h) => {
      const browser = h.browser();
      store.writes.clear();
      await browser.signIn('acme', { direct: true });
      const sid = sessionIdOf(browser);
      expect(store.writes.get(sid)).toBe(2);
      const stored = await new Promise<SessionData | null | undefined>((resolve) => store.get(sid, (_err, data) => resolve(data)));
      expect((stored as unknown as { theme?: string }).theme).toBe('dark');
      expect(stored?.egnyte?.login?.id).toEqual(expect.any(String));
    },
  );
});
