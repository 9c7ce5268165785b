/**
 * The emulator over real HTTP: options, seeded users, robustness, counters, the request log and close().
 */
import { DEFAULT_EMULATOR_CLIENT, startEgnyteEmulator } from 'express-egnyte-auth/testing';
import { api, authParams, authorizeUrl, closeEmulatorsAfterEach, easUrl, exchange, get, location, parseForm, postForm, sleep, start, tokensFor } from './support.js';

closeEmulatorsAfterEach();

describe('startEgnyteEmulator: basics', () => {
  it('listens on 127.0.0.1 and exposes endpoints for egnyteAuth', async () => {
    const emu = await start();
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.endpoints.enhancedAuth).toEqual({
      us: `${emu.url}/eas/us/services/oauth/code`,
      eu: `${emu.url}/eas/eu/services/oauth/code`,
    });
    expect(emu.endpoints.domainBaseUrl('acme.egnyte.com')).toBe(`${emu.url}/d/acme.egnyte.com`);
    expect(emu.clientId).toBe('emulator-client');
    expect(emu.clientSecret).toBe('emulator-secret');
    expect(emu.calls).toEqual({ enhancedAuth: 0, authorize: 0, token: 0, userinfo: 0, users: 0, revoke: 0, fs: 0 });
    expect(emu.tokenGrants).toEqual({ authorization_code: 0, refresh_token: 0, password: 0 });
  });

  it('seeds two domains with distinct users, domains normalised, read-only', async () => {
    const emu = await start();
    expect(emu.users.map((u) => [u.domain, u.id, u.username, u.userType])).toEqual([
      ['acme.egnyte.com', 121, 'jsmith', 'admin'],
      ['acme.egnyte.com', 122, 'bjones', 'standard'],
      ['globex.egnyte.com', 301, 'hscorpio', 'power'],
      ['globex.egnyte.com', 302, 'mlee', 'standard'],
    ]);
    expect(new Set(emu.users.map((u) => u.email)).size).toBe(4);
    expect(Object.isFrozen(emu.users)).toBe(true);
    expect(Object.isFrozen(emu.users[0])).toBe(true);
  });

  it('normalises custom users and refuses invalid options', async () => {
    const emu = await start({
      users: [{ id: 7, domain: 'Initech', username: 'peter', firstName: 'Peter', lastName: 'Gibbons', email: 'p@initech.example' }],
      clients: [{ clientId: 'k1', clientSecret: 's1' }],
    });
    expect(emu.users[0]?.domain).toBe('initech.egnyte.com');
    expect(emu.clientId).toBe('k1');
    await expect(
      startEgnyteEmulator({ users: [{ id: 1, domain: 'evil.com', username: 'x', firstName: 'X', lastName: 'Y', email: 'x@y' }] }),
    ).rejects.toThrow(/not an Egnyte domain/);
    await expect(startEgnyteEmulator({ clients: [] })).rejects.toThrow('clients must not be empty');
    await expect(startEgnyteEmulator({ qps: -1 })).rejects.toThrow('qps must be a non-negative integer');
    await expect(startEgnyteEmulator({ autoApprove: { username: 'nobody' } })).rejects.toThrow('unknown user nobody');
    expect(() => emu.fault({ endpoint: 'token', kind: 'nope' as never })).toThrow('unknown kind nope');
  });
});

describe('robustness', () => {
  it('escapes hostile parameters on the consent page', async () => {
    const emu = await start();
    const hostile = '"><script>alert(1)</script>';
    const res = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { state: hostile, scope: `Egnyte.user ${hostile}` })));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(parseForm(html).hidden.state).toBe(hostile);
  });

  it('refuses bodies over 64 KiB with 413 and unknown paths or methods cleanly', async () => {
    const emu = await start();
    const big = await postForm(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`, { pad: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    expect((await get(`${emu.url}/nope`)).status).toBe(404);
    const put = await fetch(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v2/users/abc', 'x')).status).toBe(403);
    const index = await get(`${emu.url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<code>globex.egnyte.com</code>');
  });

  it('revoke needs a token and ignores tokens of other domains', async () => {
    const emu = await start({ qps: 0 });
    const tokens = await tokensFor(emu, 'acme.egnyte.com', 121);
    const revokeUrl = (host: string): string => `${emu.endpoints.domainBaseUrl(host)}/pubapi/v1/tokens/revoke`;
    expect((await postForm(revokeUrl('acme.egnyte.com'), {})).status).toBe(400);
    expect((await postForm(revokeUrl('globex.egnyte.com'), { token: String(tokens.access_token) })).status).toBe(200);
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', String(tokens.access_token))).status).toBe(200);
    // Revoking the refresh token revokes the access tokens issued with it.
    expect((await postForm(revokeUrl('acme.egnyte.com'), { token: String(tokens.refresh_token) })).status).toBe(200);
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', String(tokens.access_token))).status).toBe(401);
  });

  it('inactive users are not offered and cannot use the password grant', async () => {
    const emu = await start({
      users: [
        { id: 1, domain: 'initech', username: 'peter', firstName: 'Peter', lastName: 'Gibbons', email: 'p@i.example' },
        { id: 2, domain: 'initech', username: 'milton', firstName: 'Milton', lastName: 'W', email: 'm@i.example', active: false },
      ],
      clients: [DEFAULT_EMULATOR_CLIENT, { clientId: 'internal', clientSecret: 'i', type: 'internal' }],
    });
    const html = await (await get(authorizeUrl(emu, 'initech.egnyte.com', authParams(emu)))).text();
    expect(html).toContain('<option value="1">');
    expect(html).not.toContain('milton');
    const res = await postForm(`${emu.endpoints.domainBaseUrl('initech.egnyte.com')}/puboauth/token`, {
      grant_type: 'password',
      client_id: 'internal',
      username: 'milton',
      password: 'password',
    });
    expect(res.status).toBe(401);
  });
});

describe('counters, request log and close()', () => {
  it('counts every endpoint; resetCalls zeroes counters and the log', async () => {
    const emu = await start();
    const eas = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: 'acme' }).toString()}`);
    const page = await get(location(eas).toString());
    const { action, hidden } = parseForm(await page.text());
    const callback = location(await postForm(new URL(action, location(eas)).href, { ...hidden, user: '121', decision: 'allow' }));
    const code = callback.searchParams.get('code') ?? '';
    const tokens = (await (await exchange(emu, 'acme.egnyte.com', code)).json()) as { access_token: string; refresh_token: string };
    await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', tokens.access_token);
    await api(emu, 'acme.egnyte.com', '/pubapi/v2/users/121', tokens.access_token);
    await postForm(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/pubapi/v1/tokens/revoke`, { token: tokens.access_token });
    expect(emu.calls).toEqual({ enhancedAuth: 1, authorize: 2, token: 1, userinfo: 1, users: 1, revoke: 1, fs: 0 });
    expect(emu.tokenGrants).toEqual({ authorization_code: 1, refresh_token: 0, password: 0 });
    expect(emu.requests.map(({ at: _at, ...entry }) => entry)).toEqual([
      { method: 'GET', path: '/services/oauth/code', host: 'eas', region: 'us' },
      { method: 'GET', path: '/puboauth/token', host: 'acme.egnyte.com' },
      { method: 'POST', path: '/puboauth/consent', host: 'acme.egnyte.com' },
      { method: 'POST', path: '/puboauth/token', host: 'acme.egnyte.com' },
      { method: 'GET', path: '/pubapi/v1/userinfo', host: 'acme.egnyte.com' },
      { method: 'GET', path: '/pubapi/v2/users/121', host: 'acme.egnyte.com' },
      { method: 'POST', path: '/pubapi/v1/tokens/revoke', host: 'acme.egnyte.com' },
    ]);
    const logged = JSON.stringify(emu.requests);
    for (const secret of [code, tokens.access_token, tokens.refresh_token, emu.clientSecret]) expect(logged).not.toContain(secret);

    const counters = emu.calls;
    emu.resetCalls();
    expect(counters).toEqual({ enhancedAuth: 0, authorize: 0, token: 0, userinfo: 0, users: 0, revoke: 0, fs: 0 });
    expect(emu.tokenGrants).toEqual({ authorization_code: 0, refresh_token: 0, password: 0 });
    expect(emu.requests).toEqual([]);
  });

  it('close() returns promptly with a hanging request and makes it fail', async () => {
    const emu = await startEgnyteEmulator();
    emu.fault({ endpoint: 'userinfo', kind: 'hang' });
    const pending = api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo').then(
      () => 'answered',
      () => 'failed',
    );
    await sleep(100);
    expect(emu.calls.userinfo).toBe(1);
    const started = Date.now();
    await emu.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBe('failed');
    await expect(fetch(emu.url)).rejects.toThrow('fetch failed');
    await emu.close(); // idempotent
  });

  it('close() also ends a slow request and keep-alive connections promptly', async () => {
    const emu = await startEgnyteEmulator();
    await get(easUrl(emu)).then((r) => r.text()); // leaves a keep-alive socket
    emu.fault({ endpoint: 'all', kind: 'slow', delayMs: 10_000 });
    const pending = get(easUrl(emu)).then(
      () => 'answered',
      () => 'failed',
    );
    await sleep(100);
    const started = Date.now();
    await emu.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBe('failed');
  });
});
