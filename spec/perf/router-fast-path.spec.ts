/**
 * Issue 11: the router hands the app's own requests straight back. The quick path test must
 * never turn away a request the router itself would have matched, and every route of the
 * package still answers however its path is spelled.
 */
import express from 'express';
import fc from 'fast-check';
import { ownPathFilter } from '../../lib/flow/router.js';
import { DEFAULT_ROUTES } from '../../lib/config/options.js';
import { getJson } from '../support/fault-kit.js';
import { withHarness } from '../support/harness.js';

/** Whether express's own Router, with the package's routes, matches `url` for `method`. */
function routerMatches(routes: Record<string, string>, url: string, method: string): Promise<boolean> {
  const reference = express.Router();
  let matched = false;
  for (const path of Object.values(routes)) reference.all(path, () => void (matched = true));
  return new Promise((resolve) => {
    const req = { url, method, headers: {} } as unknown as express.Request;
    (reference as unknown as { handle(req: unknown, res: unknown, out: () => void): void }).handle(req, {}, () => resolve(matched));
    if (matched) resolve(true);
  });
}

const pieces = ['/', '/egnyte', '/EGNYTE', '/login', '/Login', '/callback', '/logout', '/auth', '//', '%2F', '%6c', '?', '?x=1', '#', '.', '..', 'x', ';', ' ', '\\', '\u212a', '/', '/'];
const decorations = ['', '/', '//', '?', '?x=/egnyte/login', '#', '#x', '/#', '/?a', ';', '%2F', '.', '/.', 'x', ' ', '\t', '\u00a0', '\\', '?#'];
/** Random paths, and each route spelled in the ways a client might (case, slashes, query, fragment). */
function urlsFor(routes: Record<string, string>): fc.Arbitrary<string> {
  const spelled = fc
    .tuple(fc.constantFrom(...Object.values(routes)), fc.constantFrom('lower', 'upper', 'same'), fc.constantFrom(...decorations))
    .map(([path, casing, tail]) => (casing === 'lower' ? path.toLowerCase() : casing === 'upper' ? path.toUpperCase() : path) + tail);
  const random = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
  return fc.oneof(spelled, random);
}

test.each([
  ['the default routes', { ...DEFAULT_ROUTES }],
  ['custom routes', { login: '/auth/Login', callback: '/auth/cb', logout: '/bye' }],
])('the quick path test never turns away a URL the router would match (%s)', async (_name, routes) => {
  const mayBeOurs = ownPathFilter(routes);
  await fc.assert(
    fc.asyncProperty(urlsFor(routes), fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS'), async (url, method) => {
      if (await routerMatches(routes, url, method)) expect(mayBeOurs(url)).toBe(true);
    }),
    { numRuns: 400 },
  );
});

test('paths that are not the package\'s are turned away at once', () => {
  const mayBeOurs = ownPathFilter(DEFAULT_ROUTES);
  for (const url of ['/', '/me', '/plain?x=1', '/egnyte', '/egnyte/login/x', '/egnyte/loginx', '/static/app.js']) expect(mayBeOurs(url)).toBe(false);
  for (const url of ['/egnyte/login', '/EGNYTE/Login/', '/egnyte/callback?code=1', '/egnyte/logout#x', 'http://x/egnyte/login']) expect(mayBeOurs(url)).toBe(true);
});

test('the routes answer however their path is spelled, and the app\'s own routes still see the runtime', async () => {
  await withHarness({ routes: (app) => app.get('/plain', (_req, res) => res.json({ ok: true })) }, async (h) => {
    const browser = h.browser();
    for (const path of ['/egnyte/login?domain=acme', '/EGNYTE/LOGIN?domain=acme', '/egnyte/login/?domain=acme']) {
      const answer = await browser.request(path);
      expect(answer.status).toBe(302);
      expect(answer.headers.get('location')).toContain('/puboauth/token');
    }
    expect(await getJson(browser, '/plain')).toMatchObject({ status: 200, body: {} });
    // The guard finds the runtime the router recorded on a request it did not dispatch.
    expect(await getJson(browser, '/me')).toMatchObject({ status: 401, body: { error: 'login_required' } });
    await browser.signIn('acme', { direct: true });
    expect(await getJson(browser, '/me')).toMatchObject({ status: 200, body: { user: { username: expect.any(String) } } });
    const options = await browser.request('/egnyte/logout', { method: 'OPTIONS' });
    expect(options.headers.get('allow')).toMatch(/POST/);
  });
});
