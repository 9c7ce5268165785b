/**
 * The Egnyte emulator over real HTTP: Enhanced Auth Service prompt, consent, token
 * generations, user APIs, refresh, revocation, throttling, faults, counters and close().
 */
import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
import type { EgnyteEmulator, EgnyteEmulatorOptions } from 'express-egnyte-auth/testing';

const REDIRECT = 'http://localhost:3000/auth/egnyte/callback';
const running: EgnyteEmulator[] = [];

async function start(options?: EgnyteEmulatorOptions): Promise<EgnyteEmulator> {
  const emulator = await startEgnyteEmulator(options);
  running.push(emulator);
  return emulator;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

function get(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', ...init });
}

function postForm(url: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
}

function authParams(emu: EgnyteEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: emu.clientId,
    redirect_uri: REDIRECT,
    scope: 'Egnyte.filesystem Egnyte.user',
    state: 'st-123',
    response_type: 'code',
    ...extra,
  };
}

function authorizeUrl(emu: EgnyteEmulator, host: string, params: Record<string, string>): string {
  return `${emu.endpoints.domainBaseUrl(host)}/puboauth/token?${new URLSearchParams(params).toString()}`;
}

function easUrl(emu: EgnyteEmulator, region: 'us' | 'eu' = 'us'): string {
  const value = emu.endpoints.enhancedAuth[region];
  if (value === undefined) throw new Error(`no ${region} Enhanced Auth Service URL`);
  return value;
}

function location(res: Response): URL {
  const value = res.headers.get('location');
  if (value === null) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(value);
}

/** The hidden inputs and action of the (first) form of an emulator page. */
function parseForm(html: string): { action: string; method: string; hidden: Record<string, string> } {
  const form = /<form method="(\w+)" action="([^"]*)">/.exec(html);
  if (!form) throw new Error('no form');
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    hidden[decode(m[1] ?? '')] = decode(m[2] ?? '');
  }
  return { method: form[1] ?? '', action: decode(form[2] ?? ''), hidden };
}

function decode(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Authorize on `host` (directly), Allow as `userId`, and return the callback URL. */
async function consent(emu: EgnyteEmulator, host: string, userId: number, extra: Record<string, string> = {}): Promise<URL> {
  const page = await get(authorizeUrl(emu, host, authParams(emu, extra)));
  expect(page.status).toBe(200);
  const { action, hidden } = parseForm(await page.text());
  const res = await postForm(`${emu.url}${action}`, { ...hidden, user: String(userId), decision: 'allow' });
  expect(res.status).toBe(302);
  return location(res);
}

async function exchange(emu: EgnyteEmulator, host: string, code: string, extra: Record<string, string> = {}): Promise<Response> {
  return postForm(`${emu.endpoints.domainBaseUrl(host)}/puboauth/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: emu.clientId,
    client_secret: emu.clientSecret,
    ...extra,
  });
}

async function tokensFor(emu: EgnyteEmulator, host: string, userId: number): Promise<Record<string, unknown>> {
  const callback = await consent(emu, host, userId);
  const res = await exchange(emu, host, callback.searchParams.get('code') ?? '');
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

function api(emu: EgnyteEmulator, host: string, path: string, token?: string): Promise<Response> {
  return get(`${emu.endpoints.domainBaseUrl(host)}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

describe('Enhanced Auth Service', () => {
  it('prompts for the domain with a labelled field, hidden original params and a Continue button', async () => {
    const emu = await start();
    const res = await get(`${easUrl(emu)}?${new URLSearchParams(authParams(emu, { state: 's"<x>' })).toString()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<label for="domain">Egnyte domain</label>');
    expect(html).toMatch(/<input type="text" id="domain" name="domain" value=""/);
    expect(html).toContain('<button type="submit">Continue</button>');
    expect(html).toContain('Local emulator');
    expect(html).not.toContain('s"<x>');
    expect(html).toContain('value="s&quot;&lt;x&gt;"');
    const form = parseForm(html);
    expect(form.method).toBe('get');
    expect(form.action).toBe('/eas/us/services/oauth/code');
    expect(form.hidden).toEqual(authParams(emu, { state: 's"<x>' }));
  });

  it('normalises what the user typed and sends the browser to the domain authorize step', async () => {
    const emu = await start();
    const res = await get(
      `${easUrl(emu, 'eu')}?${new URLSearchParams({ ...authParams(emu), domain: 'ACME.egnyte.com ' }).toString()}`,
    );
    expect(res.status).toBe(302);
    const to = location(res);
    expect(`${to.origin}${to.pathname}`).toBe(`${emu.url}/d/acme.egnyte.com/puboauth/token`);
    expect(Object.fromEntries(to.searchParams)).toEqual({ ...authParams(emu), eas: '1' });
    expect(emu.requests.at(-1)).toEqual({ method: 'GET', path: '/services/oauth/code', host: 'eas', region: 'eu', at: expect.any(Number) });
  });

  it.each(['https://acme.egnyte.com/', 'acme', 'acme.egnyte.com/app/index.do'])('accepts %j', async (typed) => {
    const emu = await start();
    const res = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: typed }).toString()}`);
    expect(res.status).toBe(302);
    expect(location(res).pathname).toBe('/d/acme.egnyte.com/puboauth/token');
  });

  it('shows the prompt again with an escaped value and an error for malformed input', async () => {
    const emu = await start();
    const typed = '<b>acme</b>.evil.com';
    const res = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: typed }).toString()}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).not.toContain('<b>acme</b>');
    expect(html).toContain('value="&lt;b&gt;acme&lt;/b&gt;.evil.com"');
    expect(html).toMatch(/<p class="error" id="domain-error" role="alert">[^<]*is not an Egnyte domain/);
    expect(html).toContain('aria-invalid="true"');
    expect(parseForm(html).hidden).toEqual(authParams(emu));
  });

  it('refuses an unknown domain with 404 and a clear message; an empty one with 400', async () => {
    const emu = await start();
    const unknown = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: 'initech' }).toString()}`);
    expect(unknown.status).toBe(404);
    const html = await unknown.text();
    expect(html).toContain('There is no Egnyte domain &quot;initech.egnyte.com&quot;');
    expect(html).toContain('value="initech"');
    const empty = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: '  ' }).toString()}`);
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Enter your Egnyte domain');
  });
});

describe('authorize and consent', () => {
  it('EAS -> consent -> Allow returns code, state and domain to the redirect URI', async () => {
    const emu = await start();
    const eas = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: 'ACME.egnyte.com ' }).toString()}`);
    const page = await get(location(eas).toString());
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<label for="user">Sign in as</label>');
    expect(html).toContain('<select id="user" name="user">');
    expect(html).toContain('<option value="121">Jane Smith (jsmith) · admin</option>');
    expect(html).toContain('<option value="122">Bob Jones (bjones) · standard</option>');
    expect(html).not.toContain('hscorpio');
    expect(html).toContain('<li><code>Egnyte.filesystem</code></li><li><code>Egnyte.user</code></li>');
    expect(html).toContain('<code>emulator-client</code>');
    expect(html).toMatch(/<button[^>]*>Allow<\/button>/);
    expect(html).toMatch(/<button[^>]*>Deny<\/button>/);
    const form = parseForm(html);
    expect(form).toEqual({ method: 'post', action: '/d/acme.egnyte.com/puboauth/consent', hidden: { ...authParams(emu), eas: '1' } });

    const res = await postForm(`${emu.url}${form.action}`, { ...form.hidden, user: '122', decision: 'allow' });
    expect(res.status).toBe(302);
    const callback = location(res);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect([...callback.searchParams.keys()]).toEqual(['code', 'state', 'domain']);
    expect(callback.searchParams.get('state')).toBe('st-123');
    expect(callback.searchParams.get('domain')).toBe('acme.egnyte.com');
    expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('lists "all APIs the key allows" when no scope is asked for', async () => {
    const emu = await start();
    const { scope: _scope, ...params } = authParams(emu);
    const html = await (await get(authorizeUrl(emu, 'acme.egnyte.com', params))).text();
    expect(html).toContain('<li>All APIs the key allows</li>');
  });

  it('Deny redirects with access_denied and the state', async () => {
    const emu = await start();
    const { action, hidden } = parseForm(await (await get(authorizeUrl(emu, 'globex.egnyte.com', authParams(emu)))).text());
    const res = await postForm(`${emu.url}${action}`, { ...hidden, user: '301', decision: 'deny' });
    expect(res.status).toBe(302);
    const callback = location(res);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('The user denied access to the application.');
    expect(callback.searchParams.get('state')).toBe('st-123');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('a direct authorize (no EAS) carries no domain; easDomainParam:false drops it after EAS too', async () => {
    const emu = await start();
    const direct = await consent(emu, 'acme.egnyte.com', 121);
    expect(direct.searchParams.has('domain')).toBe(false);
    const quiet = await start({ easDomainParam: false, autoApprove: true });
    const eas = await get(`${easUrl(quiet)}?${new URLSearchParams({ ...authParams(quiet), domain: 'acme' }).toString()}`);
    const res = await get(location(eas).toString());
    expect(res.status).toBe(302);
    expect([...location(res).searchParams.keys()]).toEqual(['code', 'state']);
  });

  it('autoApprove skips the consent page, as the first user or the named one', async () => {
    const first = await start({ autoApprove: true, qps: 0 });
    const res = await get(authorizeUrl(first, 'acme.egnyte.com', authParams(first)));
    expect(res.status).toBe(302);
    const code = location(res).searchParams.get('code') ?? '';
    const token = (await (await exchange(first, 'acme.egnyte.com', code)).json()) as { access_token: string };
    expect(((await (await api(first, 'acme.egnyte.com', '/pubapi/v1/userinfo', token.access_token)).json()) as { id: number }).id).toBe(121);

    const named = await start({ autoApprove: { username: 'bjones' } });
    const res2 = await get(authorizeUrl(named, 'acme.egnyte.com', authParams(named)));
    const code2 = location(res2).searchParams.get('code') ?? '';
    const token2 = (await (await exchange(named, 'acme.egnyte.com', code2)).json()) as { access_token: string };
    expect(((await (await api(named, 'acme.egnyte.com', '/pubapi/v1/userinfo', token2.access_token)).json()) as { id: number }).id).toBe(122);
  });

  it('refuses an unknown client or an unregistered redirect URI with a page, never a redirect', async () => {
    const emu = await start({ clients: [{ clientId: 'strict', clientSecret: 's', redirectUris: [REDIRECT] }] });
    const badClient = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { client_id: 'nope' })));
    expect(badClient.status).toBe(400);
    expect(badClient.headers.get('location')).toBeNull();
    expect(await badClient.text()).toContain('The API key &quot;nope&quot; is not known.');

    const evil = 'https://evil.example/cb?x=<y>';
    const badRedirect = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { redirect_uri: evil })));
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.headers.get('location')).toBeNull();
    const html = await badRedirect.text();
    expect(html).toContain('is not registered for this application');
    expect(html).not.toContain('<y>');

    const ok = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu)));
    expect(ok.status).toBe(200);
    // The consent POST re-validates too.
    const { action, hidden } = parseForm(await ok.text());
    const forged = await postForm(`${emu.url}${action}`, { ...hidden, redirect_uri: evil, user: '121', decision: 'allow' });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('answers an unknown domain with 404 and a non-code response_type with an OAuth error redirect', async () => {
    const emu = await start();
    const unknown = await get(authorizeUrl(emu, 'initech.egnyte.com', authParams(emu)));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('There is no Egnyte domain &quot;initech.egnyte.com&quot; in this emulator.');
    const implicit = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { response_type: 'token' })));
    expect(implicit.status).toBe(302);
    expect(Object.fromEntries(location(implicit).searchParams)).toEqual({
      error: 'unsupported_response_type',
      error_description: 'Only response_type=code is supported.',
      state: 'st-123',
    });
  });
});

describe('token endpoint and APIs', () => {
  it('current generation: code -> tokens -> userinfo -> users -> refresh -> revoke', async () => {
    const emu = await start();
    const callback = await consent(emu, 'acme.egnyte.com', 122);
    const res = await exchange(emu, 'acme.egnyte.com', callback.searchParams.get('code') ?? '');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const tokens = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(2592000);
    const access = String(tokens.access_token);
    const refresh = String(tokens.refresh_token);
    expect(access).not.toBe(refresh);

    expect(emu.lastTokenRequest).toEqual({
      body: {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code'),
        redirect_uri: REDIRECT,
        client_id: 'emulator-client',
        client_secret: 'emulator-secret',
      },
      contentType: 'application/x-www-form-urlencoded',
    });

    const info = await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', access);
    expect(info.status).toBe(200);
    expect(info.headers.get('x-accesstoken-qps-allotted')).toBe('2');
    expect(info.headers.get('x-accesstoken-qps-current')).toBe('1');
    expect(await info.json()).toEqual({
      id: 122,
      username: 'bjones',
      first_name: 'Bob',
      last_name: 'Jones',
      email: 'bob.jones@acme.example',
      user_type: 'standard',
    });

    const user = await api(emu, 'acme.egnyte.com', '/pubapi/v2/users/121', access);
    expect(user.status).toBe(200);
    expect(user.headers.get('x-accesstoken-qps-current')).toBe('2');
    expect(await user.json()).toEqual({
      id: 121,
      userName: 'jsmith',
      externalId: 'emulator-acme-121',
      email: 'jane.smith@acme.example',
      name: { formatted: 'Jane Smith', givenName: 'Jane', familyName: 'Smith' },
      active: true,
      locked: false,
      authType: 'egnyte',
      userType: 'admin',
      role: 'IT Administrator',
    });
    await sleep(1100);
    const missing = await api(emu, 'acme.egnyte.com', '/pubapi/v2/users/301', access);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ errorMessage: 'User does not exist.' });

    const refreshed = await postForm(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
    });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Record<string, unknown>;
    expect(Object.keys(next).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(next.access_token).not.toBe(access);
    expect(emu.tokenGrants).toEqual({ authorization_code: 1, refresh_token: 1, password: 0 });

    const revoke = await postForm(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/pubapi/v1/tokens/revoke`, {
      token: String(next.access_token),
    });
    expect(revoke.status).toBe(200);
    expect(await revoke.json()).toEqual({});
    const after = await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', String(next.access_token));
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ errorMessage: 'Invalid token' });
    // Revoking an access token revokes its refresh token (and the tokens refreshed from it).
    const old = await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', access);
    expect(old.status).toBe(401);
    const again = await postForm(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_grant', error_description: 'The refresh token is invalid or revoked.' });
  });

  it('legacy generation: non-expiring token, no refresh token', async () => {
    const emu = await start({ tokenGeneration: 'legacy' });
    const tokens = await tokensFor(emu, 'globex.egnyte.com', 301);
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(-1);
    const info = await api(emu, 'globex.egnyte.com', '/pubapi/v1/userinfo', String(tokens.access_token));
    expect(((await info.json()) as { username: string }).username).toBe('hscorpio');
  });

  it('legacy-no-token-type generation: no token_type at all', async () => {
    const emu = await start({ tokenGeneration: 'legacy-no-token-type' });
    const tokens = await tokensFor(emu, 'acme.egnyte.com', 121);
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in']);
    expect(tokens.expires_in).toBe(-1);
  });

  it('honours accessTokenTtlSeconds and lets access tokens expire by time', async () => {
    const emu = await start({ accessTokenTtlSeconds: 1 });
    const tokens = await tokensFor(emu, 'acme.egnyte.com', 121);
    expect(tokens.expires_in).toBe(1);
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', String(tokens.access_token))).status).toBe(200);
    await sleep(1100);
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', String(tokens.access_token))).status).toBe(401);
  });

  it('refuses Basic client authentication: credentials must be in the body', async () => {
    const emu = await start();
    const callback = await consent(emu, 'acme.egnyte.com', 121);
    const basic = `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64')}`;
    const res = await postForm(
      `${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`,
      { grant_type: 'authorization_code', code: callback.searchParams.get('code') ?? '', redirect_uri: REDIRECT },
      { authorization: basic },
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    expect(emu.lastTokenRequest?.authorizationHeader).toBe(basic);
    expect(emu.lastTokenRequest?.body.client_secret).toBeUndefined();
    // The code was not spent by the refused attempt.
    expect((await exchange(emu, 'acme.egnyte.com', callback.searchParams.get('code') ?? '')).status).toBe(200);
  });

  it('refuses a wrong secret, a non-form body and unknown grant types', async () => {
    const emu = await start();
    const tokenUrl = `${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`;
    const wrong = await postForm(tokenUrl, { grant_type: 'password', client_id: emu.clientId, client_secret: 'x', username: 'jsmith', password: 'password' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
    const json = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', client_id: emu.clientId, client_secret: emu.clientSecret }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
    expect(emu.lastTokenRequest).toEqual({ body: {}, contentType: 'application/json' });
    const grant = await postForm(tokenUrl, { grant_type: 'client_credentials', client_id: emu.clientId, client_secret: emu.clientSecret });
    expect(grant.status).toBe(400);
    expect(((await grant.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('refuses a reused code and revokes what the first use gave', async () => {
    const emu = await start();
    const code = (await consent(emu, 'acme.egnyte.com', 121)).searchParams.get('code') ?? '';
    const first = (await (await exchange(emu, 'acme.egnyte.com', code)).json()) as { access_token: string };
    const second = await exchange(emu, 'acme.egnyte.com', code);
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({ error: 'invalid_grant', error_description: 'The authorization code has already been used.' });
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', first.access_token)).status).toBe(401);
  });

  it('refuses a wrong redirect_uri, a code from another domain and a code of another client', async () => {
    const emu = await start({ clients: [{ clientId: 'a', clientSecret: 'sa' }, { clientId: 'b', clientSecret: 'sb' }] });
    const code = (await consent(emu, 'acme.egnyte.com', 121)).searchParams.get('code') ?? '';
    const wrongRedirect = await exchange(emu, 'acme.egnyte.com', code, { redirect_uri: 'http://localhost:3000/other' });
    expect(wrongRedirect.status).toBe(400);
    expect(await wrongRedirect.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'redirect_uri does not match the one of the authorization request.',
    });
    expect((await exchange(emu, 'globex.egnyte.com', code)).status).toBe(400);
    expect((await exchange(emu, 'acme.egnyte.com', code, { client_id: 'b', client_secret: 'sb' })).status).toBe(400);
    expect((await exchange(emu, 'acme.egnyte.com', 'made-up')).status).toBe(400);
    expect((await exchange(emu, 'acme.egnyte.com', code)).status).toBe(200);
  });

  it('answers a key registered for another domain with the app-profile error', async () => {
    const emu = await start({ clients: [{ clientId: 'dev', clientSecret: 'ds', registeredDomains: ['acme'] }] });
    expect((await tokensFor(emu, 'acme.egnyte.com', 121)).access_token).toEqual(expect.any(String));
    const code = (await consent(emu, 'globex.egnyte.com', 301)).searchParams.get('code') ?? '';
    const res = await exchange(emu, 'globex.egnyte.com', code);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errorMessage: 'Invalid Egnyte domain configured in app profile.' });
  });

  it('password grant for seeded users', async () => {
    const emu = await start();
    const tokenUrl = `${emu.endpoints.domainBaseUrl('globex.egnyte.com')}/puboauth/token`;
    const creds = { grant_type: 'password', client_id: emu.clientId, client_secret: emu.clientSecret };
    const ok = await postForm(tokenUrl, { ...creds, username: 'mlee', password: 'password' });
    expect(ok.status).toBe(200);
    const { access_token } = (await ok.json()) as { access_token: string };
    expect(((await (await api(emu, 'globex.egnyte.com', '/pubapi/v1/userinfo', access_token)).json()) as { id: number }).id).toBe(302);
    const bad = await postForm(tokenUrl, { ...creds, username: 'mlee', password: 'nope' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_grant');
    const otherDomain = await postForm(tokenUrl, { ...creds, username: 'jsmith', password: 'password' });
    expect(otherDomain.status).toBe(400);
    expect(emu.tokenGrants.password).toBe(3);
  });

  it('Developer Inactive for a missing or unknown token, 401 for a token of another domain', async () => {
    const emu = await start({ qps: 0 });
    for (const token of [undefined, 'not-a-token']) {
      const res = await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', token);
      expect(res.status).toBe(403);
      expect(res.headers.get('x-mashery-error-code')).toBe('ERR_403_DEVELOPER_INACTIVE');
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe('<h1>Developer Inactive</h1>');
    }
    const tokens = await tokensFor(emu, 'acme.egnyte.com', 121);
    const cross = await api(emu, 'globex.egnyte.com', '/pubapi/v1/userinfo', String(tokens.access_token));
    expect(cross.status).toBe(401);
    expect(await cross.json()).toEqual({ errorMessage: 'Invalid token' });
    const unknownDomain = await api(emu, 'initech.egnyte.com', '/pubapi/v1/userinfo', String(tokens.access_token));
    expect(unknownDomain.status).toBe(404);
  });

  it('expireAccessTokens: access tokens answer 401 but refresh works; revokeAll kills refresh too', async () => {
    const emu = await start({ qps: 0 });
    const tokens = await tokensFor(emu, 'acme.egnyte.com', 121);
    emu.expireAccessTokens();
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', String(tokens.access_token))).status).toBe(401);
    const refresh = (): Promise<Response> =>
      postForm(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`, {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.refresh_token),
        client_id: emu.clientId,
        client_secret: emu.clientSecret,
      });
    const res = await refresh();
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', access_token)).status).toBe(200);
    emu.revokeAll();
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', access_token)).status).toBe(401);
    expect((await refresh()).status).toBe(400);
  });

  it('throttles per token: the third call within a second gets 403 OVER_QPS with Retry-After', async () => {
    const emu = await start();
    const a = String((await tokensFor(emu, 'acme.egnyte.com', 121)).access_token);
    const b = String((await tokensFor(emu, 'acme.egnyte.com', 122)).access_token);
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', a)).status).toBe(200);
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', a)).status).toBe(200);
    const over = await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', a);
    expect(over.status).toBe(403);
    expect(over.headers.get('x-mashery-error-code')).toBe('ERR_403_DEVELOPER_OVER_QPS');
    expect(over.headers.get('retry-after')).toBe('1');
    expect(over.headers.get('x-accesstoken-qps-allotted')).toBe('2');
    expect(over.headers.get('x-accesstoken-qps-current')).toBe('2');
    expect(await over.text()).toBe('<h1>Developer Over Qps</h1>');
    // Another token is not affected.
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', b)).status).toBe(200);
    await sleep(1100);
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', a)).status).toBe(200);
  });

  it('qps: 0 disables throttling', async () => {
    const emu = await start({ qps: 0 });
    const a = String((await tokensFor(emu, 'acme.egnyte.com', 121)).access_token);
    const statuses = await Promise.all(Array.from({ length: 6 }, () => api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', a).then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describe('faults', () => {
  const tokenUrl = (emu: EgnyteEmulator, host = 'acme.egnyte.com'): string => `${emu.endpoints.domainBaseUrl(host)}/puboauth/token`;

  it('hang never answers: a client timeout (AbortSignal) fires', async () => {
    const emu = await start();
    emu.fault({ endpoint: 'token', kind: 'hang' });
    const started = Date.now();
    await expect(fetch(tokenUrl(emu), { method: 'POST', body: 'a=b', signal: AbortSignal.timeout(300) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(emu.calls.token).toBe(1);
  });

  it('reset destroys the connection without an answer, then (times: 1) behaves normally', async () => {
    const emu = await start();
    emu.fault({ endpoint: 'userinfo', kind: 'reset', times: 1 });
    await expect(api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo')).rejects.toThrow('fetch failed');
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo')).status).toBe(403);
    expect(emu.calls.userinfo).toBe(2);
  });

  it('conflict_409 answers 409 with Retry-After, counted down by times', async () => {
    const emu = await start();
    emu.fault({ endpoint: 'token', kind: 'conflict_409', times: 2, retryAfter: 7 });
    for (let i = 0; i < 2; i += 1) {
      const res = await postForm(tokenUrl(emu), { grant_type: 'password' });
      expect(res.status).toBe(409);
      expect(res.headers.get('retry-after')).toBe('7');
    }
    const normal = await postForm(tokenUrl(emu), { grant_type: 'password' });
    expect(normal.status).toBe(401);
    expect(emu.calls.token).toBe(3);
    expect(emu.tokenGrants.password).toBe(3);
  });

  it('slow answers normally after delayMs', async () => {
    const emu = await start();
    emu.fault({ endpoint: 'userinfo', kind: 'slow', delayMs: 400, times: 1 });
    const started = Date.now();
    const res = await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo');
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('<h1>Developer Inactive</h1>');
  });

  it('answers each kind with the documented status, headers and body', async () => {
    const emu = await start();
    const cases: Array<[Parameters<EgnyteEmulator['fault']>[0]['kind'], number, string, Record<string, string>]> = [
      ['developer_inactive', 403, '<h1>Developer Inactive</h1>', { 'x-mashery-error-code': 'ERR_403_DEVELOPER_INACTIVE' }],
      ['developer_inactive_401', 401, '<h1>Developer Inactive</h1>', {}],
      ['key_domain_mismatch', 400, '{"errorMessage":"Invalid Egnyte domain configured in app profile."}', {}],
      ['over_qps', 403, '<h1>Developer Over Qps</h1>', { 'x-mashery-error-code': 'ERR_403_DEVELOPER_OVER_QPS', 'retry-after': '1' }],
      ['over_rate', 403, '<h1>Developer Over Rate</h1>', { 'x-mashery-error-code': 'ERR_403_DEVELOPER_OVER_RATE', 'retry-after': '1' }],
      ['too_many_requests', 429, '{"message":"Too Many Requests"}', { 'retry-after': '1' }],
      ['unauthorized', 401, '{"errorMessage":"Invalid token"}', {}],
      ['server_error', 500, '{"message":"Internal error"}', {}],
      ['bad_gateway_html', 502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' }],
      ['malformed_json', 200, '{"access_token": "abc', { 'content-type': 'application/json' }],
      ['no_access_token', 200, '{"token_type":"bearer","expires_in":3600}', {}],
    ];
    for (const [kind, status, body, headers] of cases) {
      emu.fault({ endpoint: 'all', kind, times: 1 });
      const res = await postForm(tokenUrl(emu), {});
      expect([kind, res.status, await res.text()]).toEqual([kind, status, body]);
      for (const [name, value] of Object.entries(headers)) expect([kind, name, res.headers.get(name)]).toEqual([kind, name, value]);
    }
    emu.fault({ endpoint: 'token', kind: 'invalid_grant', times: 1 });
    const grant = await postForm(tokenUrl(emu), {});
    expect(grant.status).toBe(400);
    expect(((await grant.json()) as { error: string }).error).toBe('invalid_grant');
    expect(emu.calls.token).toBe(cases.length + 1);
  });

  it('matches only its endpoint and domain; clearFaults removes them', async () => {
    const emu = await start({ qps: 0 });
    emu.fault({ endpoint: 'userinfo', kind: 'server_error', domain: 'GLOBEX' });
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo')).status).toBe(403);
    expect((await api(emu, 'globex.egnyte.com', '/pubapi/v1/userinfo')).status).toBe(500);
    expect((await api(emu, 'globex.egnyte.com', '/pubapi/v2/users/301')).status).toBe(403);
    expect((await api(emu, 'globex.egnyte.com', '/pubapi/v1/userinfo')).status).toBe(500);
    emu.clearFaults();
    expect((await api(emu, 'globex.egnyte.com', '/pubapi/v1/userinfo')).status).toBe(403);
  });

  it('applies to the Enhanced Auth Service and the authorize step', async () => {
    const emu = await start();
    emu.fault({ endpoint: 'enhancedAuth', kind: 'bad_gateway_html', times: 1 });
    expect((await get(easUrl(emu))).status).toBe(502);
    expect((await get(easUrl(emu))).status).toBe(200);
    emu.fault({ endpoint: 'authorize', kind: 'server_error', times: 1 });
    expect((await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu)))).status).toBe(500);
    expect((await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu)))).status).toBe(200);
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
    });
    const html = await (await get(authorizeUrl(emu, 'initech.egnyte.com', authParams(emu)))).text();
    expect(html).toContain('<option value="1">');
    expect(html).not.toContain('milton');
    const res = await postForm(`${emu.endpoints.domainBaseUrl('initech.egnyte.com')}/puboauth/token`, {
      grant_type: 'password',
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
      username: 'milton',
      password: 'password',
    });
    expect(res.status).toBe(400);
  });
});

describe('counters, request log and close()', () => {
  it('counts every endpoint; resetCalls zeroes counters and the log', async () => {
    const emu = await start();
    const eas = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: 'acme' }).toString()}`);
    const page = await get(location(eas).toString());
    const { action, hidden } = parseForm(await page.text());
    const callback = location(await postForm(`${emu.url}${action}`, { ...hidden, user: '121', decision: 'allow' }));
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
