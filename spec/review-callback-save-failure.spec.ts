/**
 * Review: a session store whose `set` fails once at the callback (a transient failure). The
 * callback answers 503 session_store_failed, so the browser must not end up signed in:
 * express-session writes the regenerated session once more at the end of the response, and
 * that write must not carry the login the 503 says was not saved.
 */
import session from 'express-session';
import { startAttempt } from './support/attack-kit.js';
import { getJson, sessionView, sessionViewRoute } from './support/fault-kit.js';
import { startHarness, type Harness } from './support/harness.js';

/** A MemoryStore whose next `failNextSets` writes fail. */
class TransientStore extends session.MemoryStore {
  failNextSets = 0;
  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    if (this.failNextSets > 0) {
      this.failNextSets -= 1;
      setImmediate(() => callback?.(new Error('transient store failure')));
      return;
    }
    super.set(sid, data, callback);
  }
}

let h: Harness;
let store: TransientStore;

beforeAll(async () => {
  store = new TransientStore();
  h = await startHarness({ store, routes: sessionViewRoute });
});
afterAll(() => h.close());

test('a callback answered 503 because the save failed leaves nobody signed in', async () => {
  const browser = h.browser();
  const callback = await startAttempt(browser);
  store.failNextSets = 1;
  const answer = await getJson(browser, callback);
  expect(answer).toMatchObject({ status: 503, body: { error: 'session_store_failed' } });
  expect(await sessionView(browser)).toMatchObject({ signedIn: false, hasUser: false });
  expect((await getJson(browser, '/me')).status).toBe(401);
  // And the same browser can sign in normally once the store works.
  expect((await browser.signIn('acme', { returnTo: '/me' })).status).toBe(200);
});

test('other tabs\' attempts survive the failed save', async () => {
  const browser = h.browser();
  const first = await startAttempt(browser, 'acme', { returnTo: '/first' });
  const second = await startAttempt(browser, 'acme', { returnTo: '/second' });
  store.failNextSets = 1;
  expect((await getJson(browser, first)).status).toBe(503);
  expect(await sessionView(browser)).toMatchObject({ signedIn: false, pending: 1 });
  const done = await browser.request(second);
  expect(done.status).toBe(302);
  expect(done.headers.get('location')).toBe('/second');
  expect((await getJson(browser, '/me')).status).toBe(200);
});
