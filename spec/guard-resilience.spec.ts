/**
 * How the guard and req.egnyte!.fetch pace themselves against Egnyte: no caching past
 * userCacheSeconds, Egnyte's Retry-After honoured per session, long downloads not cut off
 * by timeoutMs, an unrefreshable token not mistaken for a revoked one, and a decline that
 * comes back without `state`.
 */
import type { Express } from 'express';
import { requireEgnyteUser } from '../lib/index.js';
import { getJson, sessionView, sessionViewRoute, sleep } from './support/fault-kit.js';
import { withHarness } from './support/harness.js';

test('userCacheSeconds: 0 re-reads userinfo on every guarded request, one after another', async () => {
  await withHarness({ auth: { userCacheSeconds: 0 } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.resetCalls();
    for (let i = 0; i < 3; i++) expect((await getJson(browser, '/me')).status).toBe(200);
    expect(h.emulator.calls.userinfo).toBe(3);
  });
});

test("a throttled session waits out Egnyte's Retry-After, serving its cached user meanwhile", async () => {
  await withHarness({ auth: { userCacheSeconds: 0 } }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.resetCalls();
    h.emulator.fault({ endpoint: 'userinfo', kind: 'over_qps', retryAfter: 3, times: 1 });
    for (let i = 0; i < 5; i++) expect(await getJson(browser, '/me')).toMatchObject({ status: 200, body: { stale: true } });
    expect(h.emulator.calls.userinfo).toBe(1);
    await sleep(2100); // past the usual 2 s sharing, still inside Retry-After
    expect(await getJson(browser, '/me')).toMatchObject({ status: 200, body: { stale: true } });
    expect(h.emulator.calls.userinfo).toBe(1);
    await sleep(1000);
    expect(await getJson(browser, '/me')).toMatchObject({ status: 200, body: { stale: false } });
    expect(h.emulator.calls.userinfo).toBe(2);
  });
});

test('req.egnyte!.fetch: timeoutMs bounds the wait for headers, not a long download', async () => {
  const chunks = 6;
  // Egnyte stand-in for one path: headers at once, then a body trickling for 3x timeoutMs,
  // failing the moment its signal aborts (as undici does).
  const slowBody = (signal: AbortSignal | null | undefined): Response => {
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        signal?.addEventListener('abort', () => controller.error(signal.reason));
        for (let i = 0; i < chunks; i++) {
          await sleep(100);
          if (signal?.aborted) return;
          controller.enqueue(new TextEncoder().encode(`chunk${i};`));
        }
        controller.close();
      },
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'text/plain' } });
  };
  await withHarness({
    auth: {
      timeoutMs: 200,
      fetch: (url, init) => (url.endsWith('/pubapi/v1/fs-content/Shared/big.bin') ? Promise.resolve(slowBody(init?.signal)) : fetch(url, init)),
    },
    routes: (app: Express) =>
      app.get('/download', requireEgnyteUser(), async (req, res) => {
        const answer = await req.egnyte!.fetch('/pubapi/v1/fs-content/Shared/big.bin');
        res.type('text').send(await answer.text());
      }),
  }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    const response = await browser.request('/download', { accept: 'text/plain' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(Array.from({ length: chunks }, (_, i) => `chunk${i};`).join(''));
  });
});

test('an expired token Egnyte could not refresh: req.egnyte!.fetch answers 503 and keeps the login', async () => {
  await withHarness({
    // 30 s tokens are inside the 60 s expiry skew: the guard refreshes before every use.
    emulator: { accessTokenTtlSeconds: 30 },
    auth: { userCacheSeconds: 0 },
    routes: (app: Express) => {
      sessionViewRoute(app);
      app.get('/profile-details', requireEgnyteUser(), async (req, res) => {
        const answer = await req.egnyte!.fetch(`/pubapi/v2/users/${req.egnyte!.user.id}`);
        res.json(await answer.json());
      });
    },
  }, async (h) => {
    const browser = h.browser();
    await browser.signIn('acme');
    h.emulator.resetCalls();
    h.emulator.fault({ endpoint: 'token', kind: 'server_error', times: 1 });
    const answer = await getJson(browser, '/profile-details');
    expect(answer).toMatchObject({ status: 503, retryAfter: '5', body: { error: 'upstream_unavailable' } });
    expect(h.emulator.calls.users).toBe(0); // the expired token was not sent to Egnyte
    expect(await sessionView(browser)).toMatchObject({ signedIn: true, hasUser: true });
  });
});

test('a decline that comes back without state: 403 access_denied, nothing sent, the attempt kept', async () => {
  await withHarness({ routes: sessionViewRoute }, async (h) => {
    const browser = h.browser();
    await browser.startLogin('acme');
    h.emulator.resetCalls();
    const declined = await getJson(browser, '/egnyte/callback?error=access_denied');
    expect(declined).toMatchObject({ status: 403, body: { error: 'access_denied' } });
    expect(h.emulator.requests).toEqual([]);
    expect(await sessionView(browser)).toMatchObject({ signedIn: false, pending: 1 });
    // Without `error` a missing state is still refused as such.
    expect(await getJson(browser, '/egnyte/callback?code=abc')).toMatchObject({ status: 400, body: { error: 'state_missing' } });
  });
});
