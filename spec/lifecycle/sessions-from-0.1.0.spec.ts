/**
 * Sessions stored by 0.1.0 (tokens in the session, a `version|{domain,tokens}` record under
 * `login:<id>`, or `ended`): read and migrated at their first request. The login moves to a
 * record of today's kind, the session keeps only its reference and a sealed recovery copy, and a
 * login 0.1.0 had ended stays ended.
 */
import session from 'express-session';
import { memoryCoordination, type EgnyteCoordination, type EgnyteTokenSet } from '../../lib/index.js';
import { legacyLoginRecordKey, loginRecordKey } from '../../lib/coordination/keys.js';
import { sessionIdOf, storedSession, storeSession } from '../flow-support.js';
import { getJson } from '../support/fault-kit.js';
import { type TestBrowser, withHarness } from '../support/harness.js';
import { recordOf, tokensOf } from '../support/records.js';

/**
 * Signs `browser` in, then rewrites what the stores hold into 0.1.0's shape: the tokens in the
 * session (with `tokensVersion`), no `endsAt`, and the record under its old key in its old format.
 */
async function asIf010(store: session.MemoryStore, coordination: EgnyteCoordination, browser: TestBrowser, options: { withId?: boolean; legacyRecord?: 'live' | 'ended' | 'none' } = {}): Promise<{ loginId: string; tokens: EgnyteTokenSet }> {
  await browser.signIn('acme', { direct: true });
  const sid = sessionIdOf(browser);
  const data = (await storedSession(store, sid))!;
  const login = data.egnyte!.login!;
  const tokens = (await tokensOf(coordination, login.id))!;
  await coordination.delete(loginRecordKey(login.id));
  const legacy = { id: login.id, domain: login.domain, tokens, tokensVersion: 1, userinfo: login.userinfo, userFetchedAt: login.userFetchedAt, loggedInAt: login.loggedInAt };
  if (options.withId === false) delete (legacy as { id?: string }).id;
  (data.egnyte as unknown as { login: unknown }).login = legacy;
  await storeSession(store, sid, data);
  if (options.legacyRecord === 'ended') await coordination.set(legacyLoginRecordKey(login.id), 'ended', 60_000);
  else if (options.legacyRecord !== 'none') await coordination.set(legacyLoginRecordKey(login.id), `1|${JSON.stringify({ domain: login.domain, tokens })}`, 60_000);
  return { loginId: login.id, tokens };
}

describe('sessions stored by 0.1.0', () => {
  test('keep working: the first request moves the login to a record, the session keeps no usable token, calls to Egnyte work', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    await withHarness({ store, auth: { coordination, userCacheSeconds: 0 } }, async (h) => {
      const browser = h.browser();
      const { loginId, tokens } = await asIf010(store, coordination, browser);
      h.emulator.resetCalls();
      expect(await getJson(browser, '/me')).toMatchObject({ status: 200, body: { loginId, user: { username: 'jsmith' } } });
      expect(h.emulator.tokenGrants.authorization_code).toBe(0);
      expect(await recordOf(coordination, loginId)).toMatchObject({ kind: 'live', login: { version: 1, domain: 'acme.egnyte.com' } });
      expect(await tokensOf(coordination, loginId)).toEqual(tokens);
      const migrated = (await storedSession(store, sessionIdOf(browser)))!.egnyte!.login!;
      expect(migrated).not.toHaveProperty('tokens');
      expect(migrated).not.toHaveProperty('tokensVersion');
      expect(migrated).toMatchObject({ id: loginId, endsAt: expect.any(Number), lastSeenAt: expect.any(Number), recovery: { version: 1 } });
      // Background jobs find it too, by the same id.
      const api = await h.auth.egnyteApiFor({ loginId });
      expect(await api.api.get('/pubapi/v1/userinfo')).toMatchObject({ username: 'jsmith' });
    });
  });

  test('a login 0.1.0 had ended stays ended: the session is no longer signed in', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    await withHarness({ store, auth: { coordination } }, async (h) => {
      const browser = h.browser();
      const { loginId } = await asIf010(store, coordination, browser, { legacyRecord: 'ended' });
      expect((await getJson(browser, '/me')).status).toBe(401);
      expect(await recordOf(coordination, loginId)).toEqual({ kind: 'absent' });
      expect((await storedSession(store, sessionIdOf(browser)))!.egnyte!.login).toBeUndefined();
    });
  });

  test('0.1 sessions without a login id, or whose record 0.1.0 lost, are given a record from the session', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    await withHarness({ store, auth: { coordination } }, async (h) => {
      const noId = h.browser();
      await asIf010(store, coordination, noId, { withId: false, legacyRecord: 'none' });
      const me = await getJson(noId, '/me');
      expect(me.status).toBe(200);
      expect(await recordOf(coordination, me.body.loginId as string)).toMatchObject({ kind: 'live' });
      const lost = h.browser();
      const { loginId } = await asIf010(store, coordination, lost, { legacyRecord: 'none' });
      expect(await getJson(lost, '/me')).toMatchObject({ status: 200, body: { loginId } });
    });
  });

  test('logout of a 0.1.0 session revokes the tokens it held, and reports the login once', async () => {
    const store = new session.MemoryStore();
    const coordination = memoryCoordination();
    const ended: string[] = [];
    await withHarness({ store, auth: { coordination, onLogout: ({ loginId }) => void ended.push(loginId) } }, async (h) => {
      const browser = h.browser();
      const { loginId } = await asIf010(store, coordination, browser);
      h.emulator.resetCalls();
      expect((await browser.request('/egnyte/logout', { method: 'POST' })).status).toBe(302);
      expect(h.emulator.calls.revoke).toBe(2);
      expect(h.emulator.liveTokens({ domain: 'acme', user: 'jsmith' })).toEqual({ access: 0, refresh: 0 });
      expect(ended).toEqual([loginId]);
      expect(await recordOf(coordination, loginId)).toEqual({ kind: 'ended', reason: 'logout' });
    });
  });
});
