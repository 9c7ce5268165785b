/**
 * The demo, driven by a real browser (Debian's chromium through playwright-core) against the
 * local Egnyte emulator, the way a person would use it: through the Enhanced Auth Service
 * with the emulator's defaults (no `domain` parameter, the domain learned from the Referer
 * Chromium sends from the domain's own origin), and with a no-referrer consent page (the
 * package asks the domain once). Another site's links and forms can neither sign the user out
 * nor start a bound sign-in (issue 18). Screenshots land in demo-app/.screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page, Request as PwRequest, Response as PwResponse } from 'playwright-core';
import { startDemo } from '../demo-app/server.js';
import type { RunningDemo } from '../demo-app/server.js';
import { startHarness } from './support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = resolve(process.cwd(), 'demo-app/.screenshots');

jest.setTimeout(120_000);

let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is required for the demo's browser test but ${CHROMIUM} does not exist. Install it (Debian/Ubuntu: apt-get install chromium); this test never downloads a browser.`);
  }
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemo({ env: { PORT: '0', DEMO_ENV_FILE: '' }, log: () => {} });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Home → "Sign in with Egnyte" → the Enhanced Auth Service prompt → consent page. */
async function signInToConsent(page: Page, typedDomain: string, prefix: string): Promise<void> {
  await page.goto(demo.url);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/Sign in with Egnyte/);
  await shot(page, `${prefix}-1-home`);
  await page.getByRole('button', { name: 'Sign in with Egnyte' }).click();

  await page.locator('label[for="domain"]').waitFor();
  expect(new URL(page.url()).origin).toBe(new URL(demo.emulator!.url).origin);
  await page.locator('#domain').fill(typedDomain);
  await shot(page, `${prefix}-2-domain-prompt`);
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.locator('select#user').waitFor();
  await shot(page, `${prefix}-3-consent`);
}

it('signs in through the emulator, shows the profile and /api/me, signs out', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const callbacks: PwRequest[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/egnyte/callback') callbacks.push(r);
  });
  try {
    await signInToConsent(page, 'ACME.egnyte.com ', '1');
    // The consent page is on the domain's own origin, as Egnyte's is on {domain}.egnyte.com.
    const consentOrigin = new URL(page.url()).origin;
    expect(consentOrigin).toBe(demo.emulator!.domainUrl('acme'));
    await page.locator('select#user').selectOption('1001');
    await page.getByRole('button', { name: 'Allow' }).click();

    // Back in the demo, on the profile.
    await page.waitForURL((u) => u.origin === new URL(demo.url).origin && u.pathname === '/profile');
    // The callback named no domain: the package learned it from the Referer Chromium sent
    // (origin only, under the default strict-origin-when-cross-origin).
    expect(callbacks).toHaveLength(1);
    expect(new URL(callbacks[0]!.url()).searchParams.has('domain')).toBe(false);
    await expect(callbacks[0]!.headerValue('referer')).resolves.toBe(`${consentOrigin}/`);
    const main = page.locator('main');
    await expect(main.textContent()).resolves.toEqual(expect.stringContaining('Ada Lovelace'));
    const text = (await main.textContent()) ?? '';
    expect(text).toContain('ada'); // username
    expect(text).toContain('ada.lovelace@acme.example');
    expect(text).toContain('IT Administrator'); // role, from the Users API
    expect(text).toContain('admin'); // user type
    expect(text).toContain('acme.egnyte.com');
    await shot(page, '1-4-profile');

    // /api/me with the browser's cookies: the user as JSON.
    const fromPage = await page.evaluate(async () => {
      const r = await fetch('/api/me', { headers: { accept: 'application/json' } });
      return { status: r.status, body: (await r.json()) as unknown };
    });
    expect(fromPage.status).toBe(200);
    expect(fromPage.body).toMatchObject({
      user: { id: 1001, username: 'ada', firstName: 'Ada', lastName: 'Lovelace' },
      domain: 'acme.egnyte.com',
      stale: false,
    });
    await page.goto(`${demo.url}/api/me`);
    await shot(page, '1-5-api-me');

    // ...and without cookies: what an API client gets.
    const anonymous = await fetch(`${demo.url}/api/me`, { headers: { accept: 'application/json' } });
    expect(anonymous.status).toBe(401);
    await expect(anonymous.json()).resolves.toMatchObject({ error: 'login_required' });

    // Sign out.
    await page.goto(`${demo.url}/profile`);
    await page.locator('main').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.origin === new URL(demo.url).origin && u.pathname === '/');
    await expect(page.locator('body').textContent()).resolves.not.toMatch(/signed in as/i);
    await shot(page, '1-6-signed-out');

    // The profile now sends the browser to sign in (the Enhanced Auth Service prompt).
    await page.goto(`${demo.url}/profile`);
    await page.locator('label[for="domain"]').waitFor();
    expect(new URL(page.url()).origin).toBe(new URL(demo.emulator!.url).origin);
    await shot(page, '1-7-profile-after-sign-out');
  } finally {
    await context.close();
  }
});

it('shows the declined-consent page when the user denies access', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  const callbacks: PwResponse[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/egnyte/callback') callbacks.push(r);
  });
  try {
    await signInToConsent(page, 'globex', '2');
    await page.getByRole('button', { name: 'Deny' }).click();

    const heading = page.getByRole('heading', { level: 1 });
    await heading.waitFor();
    await expect(heading.textContent()).resolves.toMatch(/declined/i);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('access_denied');
    expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
    expect(text).not.toContain(demo.config.clientSecret);
    await shot(page, '2-4-declined');

    // The error page carries helmet's headers.
    const last = callbacks.at(-1);
    expect(last).toBeDefined();
    const headers = await last!.allHeaders();
    expect(headers['content-security-policy']).toContain("script-src 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(last!.status()).toBe(403);

    // "Try again" starts a new sign-in.
    await page.getByRole('link', { name: 'Try again' }).click();
    await page.locator('label[for="domain"]').waitFor();
  } finally {
    await context.close();
  }
});

it('with a no-referrer consent page, the package asks the domain once, then signs in', async () => {
  const h = await startHarness({ emulator: { autoApprove: false, referrerPolicy: 'no-referrer' } });
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const callbacks: PwRequest[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/egnyte/callback') callbacks.push(r);
  });
  try {
    await page.goto(`${h.baseUrl}/egnyte/login?returnTo=%2Fme`);
    await page.locator('#domain').fill('globex');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('select#user').waitFor();
    expect(new URL(page.url()).origin).toBe(h.emulator.domainUrl('globex'));
    await page.locator('select#user').selectOption('302');
    await page.getByRole('button', { name: 'Allow' }).click();

    // Back on the app, without a Referer: the package's own page asks which domain.
    await page.getByRole('heading', { name: 'Which Egnyte domain did you sign in to?' }).waitFor();
    expect(callbacks).toHaveLength(1);
    await expect(callbacks[0]!.headerValue('referer')).resolves.toBeNull();
    const code = new URL(callbacks[0]!.url()).searchParams.get('code')!;
    await expect(page.content()).resolves.not.toContain(code);
    expect(h.emulator.calls.token).toBe(0);
    await shot(page, '3-1-which-domain');
    await page.getByLabel('Egnyte domain').fill('globex');
    await page.getByRole('button', { name: 'Continue' }).click();

    // The login restarts bound to globex: its consent page once more, then signed in.
    await page.locator('select#user').waitFor();
    await page.locator('select#user').selectOption('302');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.origin === new URL(h.baseUrl).origin && u.pathname === '/me');
    const me = JSON.parse((await page.locator('body').textContent()) ?? '{}') as { domain?: string; user?: { id?: number } };
    expect(me).toMatchObject({ domain: 'globex.egnyte.com', user: { id: 302 } });
    expect(h.emulator.tokenGrants.authorization_code).toBe(1);
  } finally {
    await context.close();
    await h.close();
  }
});

/** Another site (127.0.0.1 is not the demo's localhost): a link to logout, a form that posts to it, a link to a bound login. */
async function startOtherSite(demoUrl: string): Promise<{ url: string; server: Server }> {
  const pages: Record<string, string> = {
    '/': `<!doctype html><html><body><h1>Another site</h1>
<p><a id="logout-link" href="${demoUrl}/egnyte/logout">Sign out of the demo</a></p>
<p><a id="login-link" href="${demoUrl}/egnyte/login?domain=globex&amp;returnTo=%2Fprofile">Sign in to the demo as globex</a></p>
<form id="logout-form" method="post" action="${demoUrl}/egnyte/logout"><button type="submit">Post to logout</button></form>
</body></html>`,
  };
  const server = createServer((req, res) => {
    const page = pages[req.url ?? '/'];
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(page ?? 'not found');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

it('another site can neither sign the user out nor start a bound sign-in; the sign-out button on the demo can', async () => {
  const other = await startOtherSite(demo.url);
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const signedIn = async (): Promise<boolean> => (await context.request.get(`${demo.url}/api/me`, { headers: { accept: 'application/json' } })).status() === 200;
  try {
    await signInToConsent(page, 'acme', '4');
    await page.locator('select#user').selectOption('1001');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.origin === new URL(demo.url).origin && u.pathname === '/profile');
    expect(await signedIn()).toBe(true);

    // A link from the other site to the logout route: a page with a button, nobody signed out.
    await page.goto(other.url);
    await page.locator('#logout-link').click();
    await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
    expect(await signedIn()).toBe(true);
    await shot(page, '4-1-logout-page');

    // A form on the other site posting to the logout route: refused (403), nobody signed out.
    await page.goto(other.url);
    const [posted] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/egnyte/logout'), page.locator('#logout-form button').click()]);
    expect(posted.status()).toBe(403);
    await expect(page.locator('body').textContent()).resolves.toMatch(/another site asked this app to sign you out/);
    expect(await signedIn()).toBe(true);

    // The button on the demo's own page signs out.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.origin === new URL(demo.url).origin && u.pathname === '/');
    expect(await signedIn()).toBe(false);

    // A link from the other site to a bound login: confirmed on the demo first, then it goes to that domain.
    await page.goto(other.url);
    await page.locator('#login-link').click();
    await page.getByRole('heading', { name: 'Sign in with Egnyte?' }).waitFor();
    expect(new URL(page.url()).origin).toBe(new URL(demo.url).origin);
    await expect(page.locator('body').textContent()).resolves.toContain('globex.egnyte.com');
    await shot(page, '4-2-confirm-login');
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    await page.locator('select#user').waitFor();
    expect(new URL(page.url()).pathname).toBe('/d/globex.egnyte.com/puboauth/token');
  } finally {
    await context.close();
    await new Promise((done) => other.server.close(done));
  }
});
