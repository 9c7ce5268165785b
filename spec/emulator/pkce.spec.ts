/**
 * The emulator checks PKCE (RFC 7636) whenever the authorization request carried a challenge,
 * through the consent page, auto-approval and the Enhanced Auth Service, and ignores PKCE when
 * it did not, as a server that does not know PKCE (Egnyte, as far as public sources show) does.
 */
import { createHash } from 'node:crypto';
import { authParams, authorizeUrl, closeEmulatorsAfterEach, consent, easUrl, exchange, get, location, start } from './support.js';

closeEmulatorsAfterEach();

const ACME_HOST = 'acme.egnyte.com';
const VERIFIER = 'v'.repeat(20) + '-._~' + 'A1'.repeat(10);
const S256 = createHash('sha256').update(VERIFIER).digest('base64url');

describe('S256', () => {
  test('the right verifier redeems the code; none, or another, is refused in Egnyte\'s shape', async () => {
    const emu = await start();
    const code = async (): Promise<string> =>
      (await consent(emu, ACME_HOST, 121, { code_challenge: S256, code_challenge_method: 'S256' })).searchParams.get('code') ?? '';
    const none = await exchange(emu, ACME_HOST, await code());
    expect(none.status).toBe(400);
    expect(await none.json()).toEqual({ errorMessage: 'Invalid code verifier.' });
    expect((await exchange(emu, ACME_HOST, await code(), { code_verifier: 'w'.repeat(43) })).status).toBe(400);
    expect((await exchange(emu, ACME_HOST, await code(), { code_verifier: S256 })).status).toBe(400);
    const right = await exchange(emu, ACME_HOST, await code(), { code_verifier: VERIFIER });
    expect(right.status).toBe(200);
    expect(await right.json()).toHaveProperty('access_token');
  });

  test('RFC shapes: invalid_grant', async () => {
    const emu = await start({ tokenErrorShape: 'rfc' });
    const callback = await consent(emu, ACME_HOST, 121, { code_challenge: S256, code_challenge_method: 'S256' });
    expect(await (await exchange(emu, ACME_HOST, callback.searchParams.get('code') ?? '')).json()).toMatchObject({ error: 'invalid_grant' });
  });

  test('auto-approval through the Enhanced Auth Service keeps the challenge', async () => {
    const emu = await start({ autoApprove: true });
    const query = new URLSearchParams({ ...authParams(emu, { code_challenge: S256, code_challenge_method: 'S256' }), domain: 'acme' });
    const domainPage = location(await get(`${easUrl(emu)}?${query}`));
    const page = await get(domainPage.href);
    const target = /url=([^"]*)"/.exec(await page.text())?.[1]?.replace(/&amp;/g, '&') ?? '';
    const code = new URL(target).searchParams.get('code') ?? '';
    expect((await exchange(emu, ACME_HOST, code)).status).toBe(400);
  });
});

test('plain (the RFC default method): the verifier is the challenge', async () => {
  const emu = await start();
  const callback = await consent(emu, ACME_HOST, 121, { code_challenge: VERIFIER });
  expect((await exchange(emu, ACME_HOST, callback.searchParams.get('code') ?? '', { code_verifier: VERIFIER })).status).toBe(200);
});

test('no challenge: PKCE is ignored, a verifier sent anyway too', async () => {
  const emu = await start();
  const callback = await consent(emu, ACME_HOST, 121);
  expect((await exchange(emu, ACME_HOST, callback.searchParams.get('code') ?? '', { code_verifier: VERIFIER })).status).toBe(200);
});

test.each([
  ['an unknown method', { code_challenge: S256, code_challenge_method: 'S512' }],
  ['a short challenge', { code_challenge: 'abc', code_challenge_method: 'S256' }],
])('%s: back to the app with invalid_request', async (_name, extra) => {
  const emu = await start();
  const back = location(await get(authorizeUrl(emu, ACME_HOST, authParams(emu, extra))));
  expect(back.searchParams.get('error')).toBe('invalid_request');
  expect(back.searchParams.get('state')).toBe('st-123');
});
