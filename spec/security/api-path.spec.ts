/**
 * Issue 18, defect 7: `req.egnyte.fetch(path)` and `req.egnyte.api.get(path)` refuse `.` and
 * `..` segments, literal or percent-encoded, with `invalid_request` (as `listFolder` does), and
 * send nothing: URL parsing resolves them, so `/pubapi/v1/fs-content/%2e%2e/userinfo` would
 * reach another API path than the one the app meant, with the user's token.
 */
import { requireEgnyteUser } from '../../lib/index.js';
import { startHarness, type Harness, type TestBrowser } from '../support/harness.js';

const DOT_PATHS = [
  '/pubapi/v1/fs-content/%2e%2e/userinfo',
  '/pubapi/v1/fs-content/%2E%2E/userinfo',
  '/pubapi/v1/fs-content/.%2e/userinfo',
  '/pubapi/v1/fs-content/%2e./userinfo',
  '/pubapi/v1/fs/Shared/../../userinfo',
  '/pubapi/v1/fs/Shared/%2e%2e/%2e%2e/userinfo?x=1',
  '/pubapi/v1/fs/./Shared',
  '/pubapi/v1/fs/%2e/Shared',
  '/pubapi/v1/fs/Shared/..',
  '/pubapi/v1/fs/Shared/..%2f..%2fuserinfo',
  '/pubapi/v1/fs/Shared/%2e%2e%2F%2e%2e%2Fuserinfo',
];

let h: Harness;
let browser: TestBrowser;
beforeAll(async () => {
  h = await startHarness({
    routes: (app) => {
      app.get('/test/fetch', requireEgnyteUser(), async (req, res) => {
        const answer = await req.egnyte!.fetch(String(req.query.path));
        res.status(answer.status).json({ status: answer.status });
      });
      app.get('/test/get', requireEgnyteUser(), async (req, res) => {
        res.json({ body: await req.egnyte!.api.get(String(req.query.path)) });
      });
    },
  });
  browser = h.browser();
  expect((await browser.signIn('acme', { returnTo: '/me' })).status).toBe(200);
});
afterAll(() => h.close());
beforeEach(() => h.emulator.resetCalls());

async function call(route: 'fetch' | 'get', path: string): Promise<{ status: number; body: { error?: string; message?: string } }> {
  const res = await browser.request(`/test/${route}?path=${encodeURIComponent(path)}`, { accept: 'application/json' });
  return { status: res.status, body: (await res.json()) as { error?: string; message?: string } };
}

test.each(DOT_PATHS.flatMap((p) => [['fetch', p] as const, ['get', p] as const]))('req.egnyte.%s(%j): invalid_request, nothing sent', async (route, path) => {
  const r = await call(route, path);
  expect(r.body.error).toBe('invalid_request');
  expect(r.body.message).toMatch(/"\." or "\.\."/);
  expect(r.status).toBe(500);
  expect(h.emulator.requests).toEqual([]);
});

test.each([
  ['/pubapi/v1/userinfo?q=..', 200],
  ['/pubapi/v1/fs/Shared/notes..v2.txt', 404],
  ['/pubapi/v1/fs/Shared/...', 404],
])('a path with dots that are not segments is sent as is: %s', async (path, status) => {
  const r = await call('fetch', path);
  expect(r.status).toBe(status);
  expect(h.emulator.requests.length).toBeGreaterThan(0);
});
