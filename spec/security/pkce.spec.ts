/**
 * PKCE (S256) on every authorization request: the challenge goes to Egnyte with the browser,
 * the verifier stays in the session's attempt and goes to the token endpoint only. The
 * emulator checks PKCE whenever a challenge was given, so a sign-in that works proves the
 * verifier matched. `pkce: false` sends neither.
 */
import { createHash } from 'node:crypto';
import session from 'express-session';
import { resolveConfig } from '../../lib/config/options.js';
import { sessionIdOf, startLogin, storedSession, untilCallback } from '../flow-support.js';
import { startAttempt } from '../support/attack-kit.js';
import { startHarness, type Harness } from '../support/harness.js';

const JSON_ACCEPT = { accept: 'application/json' } as const;

describe('on by default', () => {
  let h: Harness;
  const store = new session.MemoryStore();
  beforeAll(async () => {
    h = await startHarness({ store });
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.resetCalls());

  test.each([
    ['through the Enhanced Auth Service', ''],
    ['to a known domain', 'domain=acme'],
  ])('%s: an S256 challenge of the verifier kept in the attempt, fresh for every attempt', async (_name, query) => {
    const browser = h.browser();
    const first = await startLogin(browser, query);
    const second = await startLogin(browser, query);
    expect(first.searchParams.get('code_challenge_method')).toBe('S256');
    const challenge = first.searchParams.get('code_challenge') ?? '';
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.searchParams.get('code_challenge')).not.toBe(challenge);
    const pending = (await storedSession(store, sessionIdOf(browser)))!.egnyte!.pending!;
    const attempt = pending.find((entry) => entry.state === first.searchParams.get('state'))!;
    expect(attempt.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(createHash('sha256').update(attempt.codeVerifier!).digest('base64url')).toBe(challenge);
    // The verifier never travels with the browser.
    expect(first.href).not.toContain(attempt.codeVerifier);
  });

  test('the sign-in sends the verifier to the token endpoint, and it matches', async () => {
    const browser = h.browser();
    const callback = await untilCallback(browser, await startLogin(browser, 'domain=acme&returnTo=%2Fme'));
    const landed = await browser.go(callback.href, JSON_ACCEPT);
    expect(landed.status).toBe(200);
    expect(h.emulator.lastTokenRequest?.body.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
  });

  test("a stolen, unused code is worthless in another browser's session: its verifier does not match", async () => {
    const victim = h.browser();
    const stolen = new URL(await startAttempt(victim, 'acme', { direct: true }));
    const attacker = h.browser();
    const own = new URL(await startAttempt(attacker, 'acme', { direct: true }));
    own.searchParams.set('code', stolen.searchParams.get('code') ?? '');
    h.emulator.resetCalls();
    const r = await attacker.request(own.href, JSON_ACCEPT);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: 'token_exchange_failed' });
    expect(h.emulator.calls.userinfo).toBe(0);
    expect((await attacker.request('/me', JSON_ACCEPT)).status).toBe(401);
    // The victim's own sign-in, with the victim's verifier, still works.
    expect((await victim.request(stolen.href)).status).toBe(302);
    expect((await victim.request('/me', JSON_ACCEPT)).status).toBe(200);
  });
});

test('pkce: false sends no challenge and no verifier, and signs in', async () => {
  const h = await startHarness({ auth: { pkce: false } });
  try {
    const browser = h.browser();
    const url = await startLogin(browser, 'domain=acme&returnTo=%2Fme');
    expect(url.searchParams.has('code_challenge')).toBe(false);
    expect(url.searchParams.has('code_challenge_method')).toBe(false);
    const landed = await browser.go((await untilCallback(browser, url)).href, JSON_ACCEPT);
    expect(landed.status).toBe(200);
    expect(h.emulator.lastTokenRequest?.body).not.toHaveProperty('code_verifier');
  } finally {
    await h.close();
  }
});

test('pkce must be true or false', () => {
  expect(() => resolveConfig({ clientId: 'k', clientSecret: 's', baseUrl: 'https://app.example', pkce: 'yes' as never })).toThrow(
    expect.objectContaining({ code: 'invalid_config', problems: ['pkce must be true or false.'] }),
  );
});
