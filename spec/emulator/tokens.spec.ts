/**
 * The token endpoint and the APIs over real HTTP: token generations, userinfo, users, refresh, revocation, throttling.
 */
import { DEFAULT_INTERNAL_CLIENT } from 'express-egnyte-auth/testing';
import { REDIRECT, api, closeEmulatorsAfterEach, consent, exchange, postForm, sleep, start, tokensFor } from './support.js';

closeEmulatorsAfterEach();

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
    expect(await missing.json()).toEqual({ Errors: [{ description: 'User does not exist.', code: '404' }] });

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
    expect(await again.json()).toEqual({ errorMessage: 'Invalid refresh token.' });
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
    expect(await res.json()).toEqual({ errorMessage: 'Send client_id and client_secret in the form body.' });
    expect(emu.lastTokenRequest?.authorizationHeader).toBe(basic);
    expect(emu.lastTokenRequest?.body.client_secret).toBeUndefined();
    // The code was not spent by the refused attempt.
    expect((await exchange(emu, 'acme.egnyte.com', callback.searchParams.get('code') ?? '')).status).toBe(200);
  });

  it("refuses a wrong secret, a non-form body and unknown grant types, in Egnyte's shapes", async () => {
    const emu = await start();
    const tokenUrl = `${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`;
    const creds = { client_id: emu.clientId, client_secret: emu.clientSecret };
    const wrong = await postForm(tokenUrl, { grant_type: 'refresh_token', refresh_token: 'x', client_id: emu.clientId, client_secret: 'x' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ errorMessage: 'Invalid client credentials.' });
    const json = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', ...creds }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ errorMessage: 'The body must be application/x-www-form-urlencoded.' });
    expect(emu.lastTokenRequest).toEqual({ body: {}, contentType: 'application/json' });
    const grant = await postForm(tokenUrl, { grant_type: 'client_credentials', ...creds });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toEqual({ errorMessage: 'Unsupported grant type.' });
    const noGrant = await postForm(tokenUrl, creds);
    expect(await noGrant.json()).toEqual({ formErrors: [{ code: 'REQUIRED_PARAMS_MISSING', msg: 'grant_type is required.' }], inputErrors: {} });
    const noClient = await postForm(tokenUrl, { grant_type: 'refresh_token', refresh_token: 'x' });
    expect(noClient.status).toBe(400);
    expect(await noClient.json()).toEqual({ formErrors: [{ code: 'REQUIRED_PARAMS_MISSING', msg: 'client_id is required.' }], inputErrors: {} });
    const unknown = await postForm(tokenUrl, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nope', client_secret: 'x' });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ errorMessage: 'No valid app info found for api key' });
  });

  it("tokenErrorShape: 'rfc' answers RFC 6749 bodies instead", async () => {
    const emu = await start({ tokenErrorShape: 'rfc' });
    const code = (await consent(emu, 'acme.egnyte.com', 121)).searchParams.get('code') ?? '';
    expect((await exchange(emu, 'acme.egnyte.com', code)).status).toBe(200);
    const again = await exchange(emu, 'acme.egnyte.com', code);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_grant', error_description: 'The authorization code has already been used.' });
    await expect(start({ tokenErrorShape: 'xml' as 'rfc' })).rejects.toThrow('unknown tokenErrorShape xml');
  });

  it('refuses a reused code and revokes what the first use gave', async () => {
    const emu = await start();
    const code = (await consent(emu, 'acme.egnyte.com', 121)).searchParams.get('code') ?? '';
    const first = (await (await exchange(emu, 'acme.egnyte.com', code)).json()) as { access_token: string };
    const second = await exchange(emu, 'acme.egnyte.com', code);
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({ errorMessage: 'Invalid or expired authorization code.' });
    expect((await api(emu, 'acme.egnyte.com', '/pubapi/v1/userinfo', first.access_token)).status).toBe(401);
  });

  it('refuses a wrong redirect_uri (INVALID_CALLBACK, or the hostname error), a code from another domain and one of another client', async () => {
    const emu = await start({ clients: [{ clientId: 'a', clientSecret: 'sa' }, { clientId: 'b', clientSecret: 'sb' }] });
    const code = (await consent(emu, 'acme.egnyte.com', 121)).searchParams.get('code') ?? '';
    const wrongRedirect = await exchange(emu, 'acme.egnyte.com', code, { redirect_uri: 'http://localhost:3000/other' });
    expect(wrongRedirect.status).toBe(400);
    expect(await wrongRedirect.json()).toEqual({ formErrors: [{ code: 'INVALID_CALLBACK', msg: 'Invalid redirect uri.' }], inputErrors: {} });
    const otherHost = await exchange(emu, 'acme.egnyte.com', code, { redirect_uri: 'https://ngrok.example/cb' });
    expect(await otherHost.json()).toEqual({ errorMessage: 'Request hostname and redirect url hostname do not match' });
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

  it('password grant: an internal key, no client_secret needed (a given one must be right); a partner key is refused', async () => {
    const emu = await start();
    const tokenUrl = `${emu.endpoints.domainBaseUrl('globex.egnyte.com')}/puboauth/token`;
    const creds = { grant_type: 'password', client_id: DEFAULT_INTERNAL_CLIENT.clientId };
    const ok = await postForm(tokenUrl, { ...creds, username: 'mlee', password: 'password' });
    expect(ok.status).toBe(200);
    const { access_token } = (await ok.json()) as { access_token: string };
    expect(((await (await api(emu, 'globex.egnyte.com', '/pubapi/v1/userinfo', access_token)).json()) as { id: number }).id).toBe(302);
    const withSecret = await postForm(tokenUrl, { ...creds, client_secret: DEFAULT_INTERNAL_CLIENT.clientSecret, username: 'MLEE', password: 'password' });
    expect(withSecret.status).toBe(200);
    const wrongSecret = await postForm(tokenUrl, { ...creds, client_secret: 'x', username: 'mlee', password: 'password' });
    expect(wrongSecret.status).toBe(401);
    const bad = await postForm(tokenUrl, { ...creds, username: 'mlee', password: 'nope' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ errorMessage: 'Invalid username or password.' });
    const otherDomain = await postForm(tokenUrl, { ...creds, username: 'jsmith', password: 'password' });
    expect(otherDomain.status).toBe(401);
    const partner = await postForm(tokenUrl, { grant_type: 'password', client_id: emu.clientId, client_secret: emu.clientSecret, username: 'mlee', password: 'password' });
    expect(partner.status).toBe(400);
    expect(await partner.json()).toEqual({ errorMessage: 'The resource owner flow is only available to internal application keys.' });
    expect(emu.tokenGrants.password).toBe(6);
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

  it('liveTokens counts the tokens that still work, per domain and user; revoking one leaves the others', async () => {
    const emu = await start();
    const first = await tokensFor(emu, 'acme.egnyte.com', 121);
    await tokensFor(emu, 'acme.egnyte.com', 122);
    expect(emu.liveTokens()).toEqual({ access: 2, refresh: 2 });
    expect(emu.liveTokens({ domain: 'acme', user: 121 })).toEqual({ access: 1, refresh: 1 });
    const revoke = await postForm(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/pubapi/v1/tokens/revoke`, { token: String(first.access_token) }, {
      authorization: `Bearer ${String(first.access_token)}`,
    });
    expect(revoke.status).toBe(200);
    expect(emu.liveTokens({ domain: 'acme', user: 121 })).toEqual({ access: 0, refresh: 0 });
    expect(emu.liveTokens({ domain: 'acme', user: 122 })).toEqual({ access: 1, refresh: 1 });
    emu.expireAccessTokens({ domain: 'acme', user: 122 });
    expect(emu.liveTokens({ domain: 'acme', user: 122 })).toEqual({ access: 0, refresh: 1 });
  });

  it('slow_answer: the request is handled at once and only its answer waits', async () => {
    const emu = await start({ rotateRefreshTokens: true });
    const { refresh_token } = await tokensFor(emu, 'acme.egnyte.com', 121);
    emu.fault({ endpoint: 'token', kind: 'slow_answer', delayMs: 400, times: 1 });
    const started = Date.now();
    const answer = postForm(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/puboauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(refresh_token),
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
    });
    await sleep(100);
    // Already refreshed (and rotated) at Egnyte, while the answer is still on its way.
    expect(emu.tokenGrants.refresh_token).toBe(1);
    expect(emu.liveTokens({ domain: 'acme', user: 121 })).toEqual({ access: 2, refresh: 1 });
    const res = await answer;
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
  });
});
