/**
 * Secrets never reach logs or errors: with every express-egnyte-auth debug namespace on, a
 * full flow with faults prints no access token, refresh token, code, client secret, session
 * cookie, store password or encrypted token set, and no error handed to the app carries one (message, JSON,
 * util.inspect, cause chain).
 */
import { inspect } from 'node:util';
import { egnyteSessionStore, memoryCoordination } from '../../lib/index.js';
import { FlakyStore, captureDebug, sessionCookie, startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness, type TestBrowser } from '../support/harness.js';
import { recordOf, tokensOf } from '../support/records.js';

let h: Harness;
const store = new FlakyStore();
const coordination = memoryCoordination();
const errors: unknown[] = [];
const secrets = new Set<string>();
/** The encrypted token sets seen in the login records. */
const sealedSeen = new Set<string>();
let debug: ReturnType<typeof captureDebug>;

beforeAll(async () => {
  debug = captureDebug();
  h = await startHarness({
    store: egnyteSessionStore(store, { timeoutMs: 300 }),
    // Tokens of 30 s are always within the 60 s expiry skew: every guarded request refreshes.
    emulator: { accessTokenTtlSeconds: 30 },
    auth: { timeoutMs: 300, userCacheSeconds: 0, coordination },
    routes: (app) => {
      app.get('/test/tokens', async (req, res) => {
        const loginId = req.session.egnyte?.login?.id;
        // The tokens as stored (encrypted) are kept out of logs and errors too (issue 19).
        const state = loginId ? await recordOf(coordination, loginId) : undefined;
        if (state?.kind === 'live') {
          secrets.add(state.login.tokens.slice(12, 60));
          sealedSeen.add(state.login.tokens);
        }
        res.json((loginId && (await tokensOf(coordination, loginId))) ?? null);
      });
      app.use((err: unknown, _req: unknown, _res: unknown, next: (e: unknown) => void) => {
        errors.push(err);
        next(err);
      });
    },
  });
  secrets.add(h.emulator.clientSecret);
  secrets.add(FlakyStore.SECRET_IN_ERROR);
  secrets.add('hunter2-store-password');
});
afterAll(async () => {
  debug.stop();
  await h.close();
});

async function collectTokens(browser: TestBrowser): Promise<void> {
  const res = await browser.request('/test/tokens', { accept: 'application/json' });
  const tokens = (await res.json()) as { accessToken?: string; refreshToken?: string } | null;
  if (tokens?.accessToken) secrets.add(tokens.accessToken);
  if (tokens?.refreshToken) secrets.add(tokens.refreshToken);
}

function collectCookie(browser: TestBrowser): void {
  const cookie = sessionCookie(browser);
  if (!cookie) return;
  secrets.add(cookie);
  secrets.add(decodeURIComponent(cookie));
  secrets.add(decodeURIComponent(cookie).slice(2).split('.')[0]!);
}

async function attempt(browser: TestBrowser, fault?: Parameters<Harness['emulator']['fault']>[0]): Promise<number> {
  const url = await startAttempt(browser, 'acme');
  secrets.add(new URL(url).searchParams.get('code')!);
  collectCookie(browser);
  if (fault) h.emulator.fault(fault);
  const res = await browser.request(url, { accept: 'application/json' });
  await res.body?.cancel();
  h.emulator.clearFaults();
  collectCookie(browser);
  return res.status;
}

test('a full flow with faults', async () => {
  const browser = h.browser();
  for (const kind of ['invalid_grant', 'malformed_json', 'no_access_token', 'reset', 'hang', 'bad_gateway_html', 'conflict_409'] as const) {
    expect(await attempt(browser, { endpoint: 'token', kind, times: 1 })).toBeGreaterThanOrEqual(400);
  }
  // Egnyte's 409 (Retry-After: 1) pauses every token request of the key for that second.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(await attempt(browser, { endpoint: 'userinfo', kind: 'developer_inactive', times: 1 })).toBe(401);
  expect(await attempt(browser)).toBe(302);
  await collectTokens(browser);

  // Guarded requests: refresh (expired token) then userinfo, with faults on each. A fresh
  // session per case: the guard shares a settled reload with its session for 2 s.
  for (const fault of [undefined, { endpoint: 'userinfo', kind: 'over_qps' }, { endpoint: 'token', kind: 'server_error' }, { endpoint: 'token', kind: 'hang' }] as const) {
    const b = h.browser();
    expect(await attempt(b)).toBe(302);
    await collectTokens(b);
    if (fault) h.emulator.fault({ ...fault, times: 1 });
    const me = await b.request('/me', { accept: 'application/json' });
    expect(me.status).toBe(200);
    await me.body?.cancel();
    await collectTokens(b);
  }
  const refused = h.browser();
  expect(await attempt(refused)).toBe(302);
  await collectTokens(refused);
  h.emulator.fault({ endpoint: 'token', kind: 'invalid_grant', times: 1 });
  expect((await refused.request('/me', { accept: 'application/json' })).status).toBe(401);

  // Sign in again, then the store fails, then logout with revocation.
  expect(await attempt(browser)).toBe(302);
  await collectTokens(browser);
  store.modes.get = 'fail';
  expect((await browser.request('/me', { accept: 'application/json' })).status).toBe(503);
  store.heal();
  const out = await browser.request('/egnyte/logout', { method: 'POST' });
  expect(out.status).toBe(302);
  collectCookie(browser);

  expect(h.emulator.tokenGrants.refresh_token).toBeGreaterThanOrEqual(3);
  expect(h.emulator.calls.revoke).toBeGreaterThanOrEqual(1);
});

test('the debug output names what happened and no secret', () => {
  const output = debug.lines.join('\n');
  expect(output).toMatch(/express-egnyte-auth:callback signed in on acme\.egnyte\.com/);
  expect(output).toMatch(/express-egnyte-auth:upstream POST \/d\/acme\.egnyte\.com\/puboauth\/token failed in \d+ms: timeout/);
  expect(output).toMatch(/express-egnyte-auth:config session store get failed/);
  // At least two generations of tokens, plain and encrypted, every code, every cookie.
  expect(secrets.size).toBeGreaterThan(20);
  expect(sealedSeen.size).toBeGreaterThanOrEqual(5);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    expect(output).not.toContain(secret);
  }
});

test('errors handed to the app carry no secret', () => {
  expect(errors.length).toBeGreaterThanOrEqual(9);
  const codes = errors.map((e) => (e as { code?: string }).code);
  expect(codes).toEqual(expect.arrayContaining(['token_exchange_failed', 'upstream_unavailable', 'rate_limited', 'developer_inactive', 'session_store_failed']));
  for (const err of errors) {
    const views: string[] = [String((err as Error).message), JSON.stringify(err), inspect(err, { depth: Infinity, showHidden: true }), String((err as Error).stack)];
    for (let cause = (err as Error).cause, i = 0; cause !== undefined && i < 10; cause = (cause as Error).cause, i++) {
      views.push(inspect(cause, { depth: Infinity, showHidden: true }), JSON.stringify(cause) ?? '');
    }
    const all = views.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
  }
});
