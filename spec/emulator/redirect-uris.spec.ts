/**
 * Issue 18, defect 9 (emulator): a key sends codes only to its registered redirect URIs, as at
 * Egnyte. The default keys (no `redirectUris`) are registered for loopback only (localhost,
 * 127.0.0.1, [::1], any port: where apps under test and the demo run), so an emulator reachable
 * from elsewhere (the demo with HOST=0.0.0.0) hands no code to another site. `anyRedirectUri:
 * true` is there for tests that want any http(s) URI.
 */
import { authParams, authorizeUrl, closeEmulatorsAfterEach, easUrl, get, location, parseForm, postForm, start } from './support.js';

closeEmulatorsAfterEach();

const FOREIGN = ['https://evil.example/steal', 'http://evil.example/egnyte/callback', 'http://localhost.evil.example:3000/egnyte/callback', 'http://127.0.0.1.nip.io/egnyte/callback'];
const LOOPBACK = ['http://localhost:3000/egnyte/callback', 'http://127.0.0.1:49152/app/egnyte/callback', 'http://[::1]:8080/auth/callback', 'https://localhost/egnyte/callback'];

describe('the default key', () => {
  test.each(FOREIGN)('refuses %s at the authorize step: 400, no redirect, no code', async (redirectUri) => {
    const emu = await start({ autoApprove: true });
    const res = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { redirect_uri: redirectUri })));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(JSON.stringify(await res.json())).toMatch(/redirect/i);
  });

  test.each(FOREIGN)('refuses %s through the Enhanced Auth Service and the consent form too', async (redirectUri) => {
    const emu = await start();
    const eas = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu, { redirect_uri: redirectUri }), domain: 'acme' })}`);
    // The service hands over to the domain's authorize step, which refuses.
    const authorize = eas.status === 302 ? await get(location(eas).href) : eas;
    expect(authorize.status).toBe(400);
    expect(authorize.headers.get('location')).toBeNull();

    const page = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu)));
    const { action, hidden } = parseForm(await page.text());
    const forged = await postForm(`${emu.url}${action}`, { ...hidden, redirect_uri: redirectUri, user: '121', decision: 'allow' });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  test.each(LOOPBACK)('accepts loopback %s (any port and path)', async (redirectUri) => {
    const emu = await start({ autoApprove: true });
    const res = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { redirect_uri: redirectUri })));
    expect(res.status).toBe(302);
    expect(`${location(res).origin}${location(res).pathname}`).toBe(new URL(redirectUri).origin + new URL(redirectUri).pathname);
  });
});

test('anyRedirectUri: true accepts any http(s) URI, for tests that want it', async () => {
  const emu = await start({ autoApprove: true, anyRedirectUri: true });
  const res = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { redirect_uri: 'https://app.example.com/egnyte/callback' })));
  expect(res.status).toBe(302);
  expect(location(res).origin).toBe('https://app.example.com');
});

test('a key with registered redirect URIs accepts exactly those, loopback or not', async () => {
  const emu = await start({ autoApprove: true, clients: [{ clientId: 'k', clientSecret: 's', redirectUris: ['https://app.example.com/egnyte/callback'] }] });
  const ok = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { redirect_uri: 'https://app.example.com/egnyte/callback' })));
  expect(ok.status).toBe(302);
  const loopback = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { redirect_uri: 'http://localhost:3000/egnyte/callback' })));
  expect(loopback.status).toBe(400);
});

test('anyRedirectUri must be a boolean', async () => {
  await expect(start({ anyRedirectUri: 'yes' as unknown as boolean })).rejects.toThrow(/anyRedirectUri must be true or false/);
});
