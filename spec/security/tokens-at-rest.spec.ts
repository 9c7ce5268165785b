/**
 * Issue 19 on one instance: Egnyte's tokens never rest in the clear. After sign-ins, refreshes
 * with rotating refresh tokens, the app's own calls, background calls and a logout, no token the
 * emulator issued, nor any 16 characters of one, is in any entry of memoryCoordination() or any
 * session of a MemoryStore. (Across 3 instances on Redis: spec/multi-instance/tokens-at-rest.spec.ts.)
 */
import session from 'express-session';
import { memoryCoordination, requireEgnyteUser } from '../../lib/index.js';
import { issuedTokensOf } from '../../lib/testing/issued-tokens.js';
import { sessionIdOf, storedSession } from '../flow-support.js';
import { withHarness } from '../support/harness.js';
import { itemsHoldingTokens, memoryCoordinationContents, memoryStoreContents, piecesOf } from '../support/token-scan.js';

const JSON_ACCEPT = { accept: 'application/json' };

test('no token, nor 16 characters of one, in memoryCoordination() or the MemoryStore after sign-ins, refreshes, calls, jobs and a logout', async () => {
  const coordination = memoryCoordination();
  const store = new session.MemoryStore();
  await withHarness(
    {
      store,
      // Tokens of 30 s are always within the 60 s expiry skew: every use of a token refreshes it first.
      emulator: { accessTokenTtlSeconds: 30, rotateRefreshTokens: true },
      auth: { coordination, userCacheSeconds: 0 },
      routes: (app) => {
        app.get('/api/userinfo', requireEgnyteUser(), async (req, res) => {
          const answer = await req.egnyte!.fetch('/pubapi/v1/userinfo');
          res.status(answer.status).json(await answer.json());
        });
      },
    },
    async (h) => {
      const browsers = [h.browser(), h.browser(), h.browser()];
      const loginIds: string[] = [];
      for (const browser of browsers) {
        expect((await browser.signIn('acme', { returnTo: '/me' })).status).toBe(200);
        loginIds.push((await storedSession(store, sessionIdOf(browser)))!.egnyte!.login!.id);
      }
      for (let round = 0; round < 2; round++) {
        for (const browser of browsers) {
          expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(200);
          expect((await browser.request('/api/userinfo', JSON_ACCEPT)).status).toBe(200);
        }
        for (const loginId of loginIds) {
          const job = await h.auth.egnyteApiFor({ loginId });
          expect(await job.api.get('/pubapi/v1/userinfo')).toMatchObject({ username: 'jsmith' });
        }
      }
      expect((await browsers[2]!.request('/egnyte/logout', { method: 'POST' })).status).toBe(302);

      const issued = issuedTokensOf(h.emulator);
      // 3 sign-ins, then at least one refresh (a new access and a new refresh token) per login and round.
      expect(h.emulator.tokenGrants.refresh_token).toBeGreaterThanOrEqual(6);
      expect(issued.length).toBeGreaterThanOrEqual(2 * (3 + 6));
      const pieces = piecesOf(issued);
      const items = [...memoryCoordinationContents(coordination), ...memoryStoreContents(store)];
      // There is something to look at: the live logins' records and sessions.
      for (const loginId of loginIds) expect(items.some((item) => item.text.includes(loginId))).toBe(true);
      expect(items.filter((item) => item.where.startsWith('MemoryStore')).length).toBeGreaterThanOrEqual(2);
      // The search finds a piece of a token cut out of one, inside other text.
      const token = issued[issued.length - 1]!;
      expect(itemsHoldingTokens([{ where: 'control', text: `{"x":"..${token.slice(7, 23)}.."}` }], pieces)).toEqual([{ where: 'control', piece: token.slice(7, 23) }]);

      expect(itemsHoldingTokens(items, pieces)).toEqual([]);
    },
  );
});
