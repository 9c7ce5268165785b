/**
 * Issue 19 through the real flow (emulator, express-session, egnyteAuth): tokens sealed at rest.
 * Keys rotate without signing anyone out (the old key still opens, new writes and the next use
 * of each login take the new one); a removed key, an altered value or a value moved from another
 * login ends that login cleanly (`token_unreadable`: `onLogout` told once, `login_required`, no
 * 500, nothing of the value in a log or a page); sessions stored by 0.1.0 keep working and hold
 * no token once their first request is done; a fresh guarded request decrypts nothing.
 */
import type { Express } from 'express';
import session from 'express-session';
import { memoryCoordination, requireEgnyteUser, type EgnyteAuthOptions, type EgnyteCoordination, type EgnyteLogoutEvent } from '../../lib/index.js';
import { legacyLoginRecordKey, loginRecordKey } from '../../lib/coordination/keys.js';
import { resolveConfig } from '../../lib/config/options.js';
import { refreshLogin } from '../../lib/login/refresh.js';
import { createRuntime, findRuntime } from '../../lib/guard/runtime.js';
import { issuedTokensOf } from '../../lib/testing/issued-tokens.js';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { sessionIdOf, storedSession, storeSession } from '../flow-support.js';
import { captureDebug } from '../support/attack-kit.js';
import { type Harness, type TestBrowser, withHarness } from '../support/harness.js';
import { recordOf, sealFor, tokensOf } from '../support/records.js';
import { itemsHoldingTokens, memoryCoordinationContents, memoryStoreContents, piecesOf } from '../support/token-scan.js';

const JSON_ACCEPT = { accept: 'application/json' };
const ACME = 'acme.egnyte.com';
/** The owner of a login's tokens on the emulated acme domain. */
const acme = (loginId: string): { loginId: string; domain: string } => ({ loginId, domain: ACME });
const KEY_1 = 'first-key-0123456789abcdef0123456789abcdef';
const KEY_2 = 'second-key-0123456789abcdef0123456789abcdef';

type Ended = Pick<EgnyteLogoutEvent, 'loginId' | 'reason'> & { req: boolean };

let emulator: EgnyteEmulator;
beforeAll(async () => {
  emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0 });
});
afterAll(() => emulator.close());

/** One app's world that outlives the app: its session store and coordination, and what `onLogout` heard. */
interface World {
  store: session.MemoryStore;
  coordination: EgnyteCoordination;
  ended: Ended[];
  /** How many times the app opened a sealed value (counted once `/test/count-opens` was asked). */
  opens: { count: number };
}

function newWorld(): World {
  return { store: new session.MemoryStore(), coordination: memoryCoordination(), ended: [], opens: { count: 0 } };
}

/** Runs an app on `world` with `auth` options (e.g. `tokenKeys`); `/api/userinfo` calls Egnyte with `req.egnyte.fetch`. */
function withApp(world: World, auth: Partial<EgnyteAuthOptions>, run: (h: Harness) => Promise<void>): Promise<void> {
  return withHarness(
    {
      sharedEmulator: emulator,
      store: world.store,
      auth: { coordination: world.coordination, onLogout: ({ loginId, reason, req }) => void world.ended.push({ loginId, reason, req: req !== undefined }), ...auth },
      routes: (app: Express) => {
        app.get('/api/userinfo', requireEgnyteUser(), async (req, res, next) => {
          try {
            const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo');
            res.status(answer.status).json(await answer.json());
          } catch (err) {
            next(err);
          }
        });
        app.get('/fresh', requireEgnyteUser(), (req, res) => {
          res.json({ user: req.egnyte!.user.username });
        });
        app.get('/test/count-opens', (req, res) => {
          const seal = findRuntime(req)!.runtime.logins.seal;
          const open = seal.open.bind(seal);
          seal.open = (loginId, sealed) => {
            world.opens.count++;
            return open(loginId, sealed);
          };
          res.end();
        });
      },
    },
    run,
  );
}

/** The browser's login id, as its session holds it. */
async function loginIdOf(world: World, browser: TestBrowser): Promise<string> {
  return (await storedSession(world.store, sessionIdOf(browser)))!.egnyte!.login!.id;
}

/** The sealed value the login's record holds. */
async function sealedOf(world: World, loginId: string): Promise<string> {
  const state = await recordOf(world.coordination, loginId);
  if (state.kind !== 'live') throw new Error(`login ${loginId} is ${state.kind}`);
  return state.login.tokens;
}

/** Replaces the sealed value of the login's record (an attacker with write access to the backend). */
async function putSealed(world: World, loginId: string, sealed: string): Promise<void> {
  const key = loginRecordKey(loginId);
  const stored = JSON.parse((await world.coordination.get(key))!) as { t: string };
  stored.t = sealed;
  await world.coordination.set(key, JSON.stringify(stored), 60_000);
}

/** A browser of `h` holding `browser`'s cookies (the same user, on the app restarted). */
function sameBrowser(h: Harness, browser: TestBrowser): TestBrowser {
  const next = h.browser();
  next.cookies = browser.cookies;
  return next;
}

async function status(browser: TestBrowser, path: string): Promise<number> {
  const response = await browser.request(path, JSON_ACCEPT);
  await response.body?.cancel();
  return response.status;
}

describe('keys that rotate', () => {
  test('a key added in front: nobody is signed out, the old key still opens, new writes and each login at its next use take the new key; then the old key can go', async () => {
    const world = newWorld();
    let used!: TestBrowser;
    let unused!: TestBrowser;
    await withApp(world, { tokenKeys: [KEY_1] }, async (h) => {
      used = h.browser();
      unused = h.browser();
      await used.signIn('acme', { returnTo: '/me' });
      await unused.signIn('acme', { returnTo: '/me' });
    });
    const usedId = await loginIdOf(world, used);
    const unusedId = await loginIdOf(world, unused);
    const byKey1 = sealFor({ clientSecret: emulator.clientSecret, tokenKeys: [KEY_1] });
    const byKey2 = sealFor({ clientSecret: emulator.clientSecret, tokenKeys: [KEY_2] });
    const original = byKey1.open(acme(usedId), await sealedOf(world, usedId));
    expect(original).toMatchObject({ tokenType: 'bearer' });

    await withApp(world, { tokenKeys: [KEY_2, KEY_1] }, async (h) => {
      const browser = sameBrowser(h, used);
      expect(await status(browser, '/me')).toBe(200);
      // The token's first use after the rotation opens it with KEY_1, and seals it again with KEY_2.
      expect(await status(browser, '/api/userinfo')).toBe(200);
      const resealed = await sealedOf(world, usedId);
      expect(byKey2.open(acme(usedId), resealed)).toEqual(original);
      expect(() => byKey1.open(acme(usedId), resealed)).toThrow(/key this instance does not have/);
      // ...and the session's recovery copy with it, written at the end of that request.
      expect((await storedSession(world.store, sessionIdOf(used)))!.egnyte!.login!.recovery).toEqual({ version: 1, tokens: resealed });
      expect(await status(browser, '/api/userinfo')).toBe(200);
      expect(await sealedOf(world, usedId)).toBe(resealed);
      // A new sign-in is sealed with KEY_2.
      const newcomer = h.browser();
      await newcomer.signIn('acme', { returnTo: '/me' });
      const newId = await loginIdOf(world, newcomer);
      expect(byKey2.open(acme(newId), await sealedOf(world, newId))).toMatchObject({ tokenType: 'bearer' });
      // The login not used since the rotation still holds KEY_1's seal, and still works.
      expect(byKey1.open(acme(unusedId), await sealedOf(world, unusedId))).toMatchObject({ tokenType: 'bearer' });
    });
    expect(world.ended).toEqual([]);

    // KEY_1 removed: the login used since is fine; the one that was not is signed out at its first use of a token.
    await withApp(world, { tokenKeys: [KEY_2] }, async (h) => {
      expect(await status(sameBrowser(h, used), '/api/userinfo')).toBe(200);
      const stale = sameBrowser(h, unused);
      const refused = await stale.request('/api/userinfo', JSON_ACCEPT);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: 'login_required' });
      expect(await status(stale, '/me')).toBe(401);
    });
    expect(world.ended).toEqual([{ loginId: unusedId, reason: 'token_unreadable', req: true }]);
    expect(await recordOf(world.coordination, unusedId)).toEqual({ kind: 'ended', reason: 'token_unreadable' });
  });

  test('adopting tokenKeys: listing clientSecret behind the new key signs nobody out', async () => {
    const world = newWorld();
    let browser!: TestBrowser;
    await withApp(world, {}, async (h) => {
      browser = h.browser();
      await browser.signIn('acme', { returnTo: '/me' });
    });
    const loginId = await loginIdOf(world, browser);
    await withApp(world, { tokenKeys: [KEY_1, emulator.clientSecret] }, async (h) => {
      expect(await status(sameBrowser(h, browser), '/api/userinfo')).toBe(200);
    });
    expect(sealFor({ clientSecret: 'anything', tokenKeys: [KEY_1] }).open(acme(loginId), await sealedOf(world, loginId))).toMatchObject({ tokenType: 'bearer' });
    expect(world.ended).toEqual([]);
  });

  test('clientSecret changed without tokenKeys: each login ends at its next use of a token (everyone signs in again)', async () => {
    const world = newWorld();
    let browser!: TestBrowser;
    await withApp(world, {}, async (h) => {
      browser = h.browser();
      await browser.signIn('acme', { returnTo: '/me' });
    });
    const loginId = await loginIdOf(world, browser);
    // The emulator accepts the default key's secret only; a new secret is what the app would be given.
    await withApp(world, { clientSecret: 'a-rotated-client-secret' }, async (h) => {
      expect(await status(sameBrowser(h, browser), '/api/userinfo')).toBe(401);
    });
    expect(world.ended).toEqual([{ loginId, reason: 'token_unreadable', req: true }]);
  });
});

describe('a value that does not open ends its login, cleanly', () => {
  test('altered in the backend: login_required (JSON and page), onLogout once, the tokens revoked from the session\'s copy, nothing of the value in a log or the page', async () => {
    const world = newWorld();
    const debug = captureDebug();
    try {
      await withApp(world, {}, async (h) => {
        const browser = h.browser();
        await browser.signIn('acme', { returnTo: '/me' });
        const loginId = await loginIdOf(world, browser);
        const sealed = await sealedOf(world, loginId);
        const flipped = sealed.slice(0, 30) + (sealed[30] === 'A' ? 'B' : 'A') + sealed.slice(31);
        await putSealed(world, loginId, flipped);
        expect(emulator.liveTokens({ domain: 'acme', user: 'jsmith' }).access).toBeGreaterThan(0);
        const before = emulator.calls.revoke;

        const page = await browser.request('/api/userinfo', { accept: 'text/html' });
        const html = await page.text();
        expect(page.status).toBe(401);
        expect(html).toMatch(/sign in again/i);
        // The session's copy was intact: those tokens are revoked.
        expect(emulator.calls.revoke).toBeGreaterThan(before);
        expect(await status(browser, '/me')).toBe(401);
        expect(world.ended).toEqual([{ loginId, reason: 'token_unreadable', req: true }]);
        expect(await recordOf(world.coordination, loginId)).toEqual({ kind: 'ended', reason: 'token_unreadable' });
        const output = debug.lines.join('\n');
        expect(output).toMatch(/login tokens unreadable: does_not_open/);
        for (const value of [sealed, flipped]) for (const text of [html, output]) expect(text).not.toContain(value.slice(12, 40));
      });
    } finally {
      debug.stop();
    }
  });

  test.each(['record', 'session'] as const)("the %s's domain altered to another host: the tokens are not sent there, the login ends", async (where) => {
    const world = newWorld();
    await withApp(world, {}, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme', { returnTo: '/me' });
      const loginId = await loginIdOf(world, browser);
      if (where === 'record') {
        const key = loginRecordKey(loginId);
        const stored = JSON.parse((await world.coordination.get(key))!) as { d: string };
        stored.d = 'globex.egnyte.com';
        await world.coordination.set(key, JSON.stringify(stored), 60_000);
      } else {
        const sid = sessionIdOf(browser);
        const data = (await storedSession(world.store, sid))!;
        data.egnyte!.login!.domain = 'globex.egnyte.com';
        await storeSession(world.store, sid, data);
      }
      const seen = emulator.requests.length;
      expect(await status(browser, '/api/userinfo')).toBe(401);
      const sent = emulator.requests.slice(seen);
      expect(sent.filter((r) => r.host === 'globex.egnyte.com')).toEqual([]);
      // The intact copy (the session's, or the record's) is revoked where it came from.
      expect(sent.filter((r) => r.host === 'acme.egnyte.com' && r.path.includes('revoke')).length).toBeGreaterThan(0);
      expect(world.ended).toEqual([{ loginId, reason: 'token_unreadable', req: true }]);
    });
  });

  test("a job, which knows only the record's domain: altered, the tokens are not sent there either", async () => {
    const world = newWorld();
    await withApp(world, {}, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme', { returnTo: '/me' });
      const loginId = await loginIdOf(world, browser);
      const key = loginRecordKey(loginId);
      const stored = JSON.parse((await world.coordination.get(key))!) as { d: string };
      stored.d = 'globex.egnyte.com';
      await world.coordination.set(key, JSON.stringify(stored), 60_000);
      const seen = emulator.requests.length;
      const job = await h.auth.egnyteApiFor({ loginId });
      await expect(job.api.get('/pubapi/v1/userinfo')).rejects.toMatchObject({ code: 'login_required' });
      expect(emulator.requests.slice(seen).filter((r) => r.host === 'globex.egnyte.com')).toEqual([]);
      expect(world.ended).toEqual([{ loginId, reason: 'token_unreadable', req: false }]);
    });
  });

  test('moved from another login: the login it was moved to ends, the other goes on; a job finds the same', async () => {
    const world = newWorld();
    await withApp(world, {}, async (h) => {
      const alice = h.browser();
      const bob = h.browser();
      const carol = h.browser();
      for (const b of [alice, bob, carol]) await b.signIn('acme', { returnTo: '/me' });
      const [aliceId, bobId, carolId] = await Promise.all([alice, bob, carol].map((b) => loginIdOf(world, b)));
      await putSealed(world, aliceId!, await sealedOf(world, bobId!));
      const answer = await alice.request('/api/userinfo', JSON_ACCEPT);
      expect([answer.status, await answer.json()]).toEqual([401, expect.objectContaining({ error: 'login_required' })]);
      expect(await status(bob, '/api/userinfo')).toBe(200);

      // A background job: refused with login_required, the login ended once (no request to tell).
      await putSealed(world, carolId!, await sealedOf(world, bobId!));
      const job = await h.auth.egnyteApiFor({ loginId: carolId! });
      await expect(job.api.get('/pubapi/v1/userinfo')).rejects.toMatchObject({ code: 'login_required' });
      await expect(h.auth.egnyteApiFor({ loginId: carolId! })).rejects.toMatchObject({ code: 'login_required' });
      // Carol's browser learns it at its next use of a token (its fresh user is served without one).
      expect(await status(carol, '/api/userinfo')).toBe(401);
      expect(world.ended).toEqual([
        { loginId: aliceId, reason: 'token_unreadable', req: true },
        { loginId: carolId, reason: 'token_unreadable', req: false },
      ]);
    });
  });

  test("the user's re-read (userCacheSeconds 0) ends it the same way", async () => {
    const world = newWorld();
    await withApp(world, { userCacheSeconds: 0 }, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme', { returnTo: '/me' });
      const loginId = await loginIdOf(world, browser);
      await putSealed(world, loginId, 'junk');
      expect(await status(browser, '/me')).toBe(401);
      expect(world.ended).toEqual([{ loginId, reason: 'token_unreadable', req: true }]);
    });
  });

  test('a refresh that finds the record unreadable (altered since its caller read it) says so, and refreshes nothing', async () => {
    const runtime = createRuntime(resolveConfig({ clientId: emulator.clientId, clientSecret: emulator.clientSecret, baseUrl: 'http://localhost:1', endpoints: emulator.endpoints }));
    const now = Date.now();
    const login = { version: 1, domain: 'acme.egnyte.com', tokens: 'junk', loggedInAt: now, lastSeenAt: now, endsAt: now + 60_000 };
    await runtime.logins.records.create('a-login', login);
    const grants = emulator.tokenGrants.refresh_token;
    expect(await refreshLogin(runtime.logins, 'a-login', login)).toEqual({ kind: 'signed_out', error: expect.objectContaining({ code: 'login_required' }), unreadable: true });
    expect(emulator.tokenGrants.refresh_token).toBe(grants);
  });
});

describe('a fresh guarded request decrypts nothing', () => {
  test('only a use of the token opens the seal', async () => {
    const world = newWorld();
    await withApp(world, {}, async (h) => {
      const browser = h.browser();
      await browser.signIn('acme', { returnTo: '/me' });
      await (await browser.request('/test/count-opens')).text();
      for (let i = 0; i < 20; i++) expect(await status(browser, '/fresh')).toBe(200);
      expect(world.opens.count).toBe(0);
      expect(await status(browser, '/api/userinfo')).toBe(200);
      expect(world.opens.count).toBe(1);
    });
  });
});

describe('sessions stored by 0.1.0 (tokens in the session, in the clear)', () => {
  /** Signs in, then turns the browser's session and record into what 0.1.0 stored. Answers the login id. */
  async function asStoredBy010(world: World, h: Harness, browser: TestBrowser, legacyRecord: 'live' | 'ended'): Promise<string> {
    await browser.signIn('acme', { returnTo: '/me' });
    const sid = sessionIdOf(browser);
    const data = (await storedSession(world.store, sid))!;
    const login = data.egnyte!.login!;
    const tokens = (await tokensOf(world.coordination, login.id))!;
    const user = (await (await browser.request('/me', JSON_ACCEPT)).json()) as { user: unknown };
    await world.coordination.delete(loginRecordKey(login.id));
    await world.coordination.set(legacyLoginRecordKey(login.id), legacyRecord === 'ended' ? 'ended' : `1|${JSON.stringify({ domain: login.domain, tokens })}`, 3_600_000);
    const legacy = { id: login.id, domain: login.domain, user: user.user, userFetchedAt: Date.now(), loggedInAt: login.loggedInAt, tokens, tokensVersion: 1 };
    await storeSession(world.store, sid, { ...data, egnyte: { login: legacy as never } });
    return login.id;
  }

  test('keep working, and hold no token once their first request is done (the 0.1.0 record deleted)', async () => {
    const world = newWorld();
    await withApp(world, {}, async (h) => {
      const browser = h.browser();
      const loginId = await asStoredBy010(world, h, browser, 'live');
      const pieces = piecesOf(issuedTokensOf(emulator));
      const stored = (): ReturnType<typeof itemsHoldingTokens> => itemsHoldingTokens([...memoryCoordinationContents(world.coordination), ...memoryStoreContents(world.store)], pieces);
      expect(stored().map((found) => found.where).sort()).toEqual([`MemoryStore session ${sessionIdOf(browser)}`, `memoryCoordination ${legacyLoginRecordKey(loginId)}`]);

      expect(await (await browser.request('/me', JSON_ACCEPT)).json()).toMatchObject({ user: { username: 'jsmith' }, loginId });
      expect(stored()).toEqual([]);
      expect(await world.coordination.get(legacyLoginRecordKey(loginId))).toBeUndefined();
      const migrated = (await storedSession(world.store, sessionIdOf(browser)))!.egnyte!.login!;
      expect(migrated).not.toHaveProperty('tokens');
      expect(migrated.recovery).toEqual({ version: 1, tokens: await sealedOf(world, loginId) });
      expect(await status(browser, '/api/userinfo')).toBe(200);
      expect(world.ended).toEqual([]);
    });
  });

  test('one whose login 0.1.0 had ended: signed out cleanly, its tokens gone from the session', async () => {
    const world = newWorld();
    await withApp(world, {}, async (h) => {
      const browser = h.browser();
      await asStoredBy010(world, h, browser, 'ended');
      const refused = await browser.request('/me', JSON_ACCEPT);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: 'login_required' });
      expect((await storedSession(world.store, sessionIdOf(browser)))?.egnyte?.login).toBeUndefined();
    });
  });
});
