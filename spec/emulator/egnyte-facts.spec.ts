/**
 * Each fact of EGNYTE.md (the team's reference of Egnyte's OAuth2, `../shared/EGNYTE.md`)
 * that an emulator can show, checked against the emulator: one row per fact, named by a
 * quote of its line. When the file is beside the repository, each quote must still be in it,
 * so a reworded fact shows up here rather than silently losing its test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EgnyteEmulator, EgnyteEmulatorOptions } from 'express-egnyte-auth/testing';
import { DEFAULT_INTERNAL_CLIENT } from 'express-egnyte-auth/testing';
import { REDIRECT, api, authParams, authorizeUrl, closeEmulatorsAfterEach, consent, easUrl, exchange, get, location, postForm, start, tokensFor } from './support.js';

closeEmulatorsAfterEach();

const EGNYTE_MD = resolve(process.cwd(), '../shared/EGNYTE.md');
const ACME = 'acme.egnyte.com';

type Check = (emu: EgnyteEmulator) => Promise<void>;
const json = async (res: Response | Promise<Response>): Promise<unknown> => (await res).json();
const tokenUrl = (emu: EgnyteEmulator, host = ACME): string => `${emu.endpoints.domainBaseUrl(host)}/puboauth/token`;
const eas = (emu: EgnyteEmulator, extra: Record<string, string>, region: 'us' | 'eu' = 'us'): Promise<Response> =>
  get(`${easUrl(emu, region)}?${new URLSearchParams({ ...authParams(emu), ...extra }).toString()}`);
const access = async (emu: EgnyteEmulator, userId = 121): Promise<string> => String((await tokensFor(emu, ACME, userId)).access_token);
const password = (emu: EgnyteEmulator, extra: Record<string, string> = {}): Promise<Response> =>
  postForm(tokenUrl(emu), { grant_type: 'password', client_id: DEFAULT_INTERNAL_CLIENT.clientId, username: 'jsmith', password: 'password', ...extra });

/** [quote of the EGNYTE.md line, emulator options, check]. */
const FACTS: [string, EgnyteEmulatorOptions, Check][] = [
  ['`client_id`, `redirect_uri`, `scope` (space-separated), `state`, `response_type=code`', {}, async (emu) => {
    const page = await get(authorizeUrl(emu, ACME, authParams(emu)));
    expect(await page.text()).toContain('<li><code>Egnyte.filesystem</code></li><li><code>Egnyte.user</code></li>');
  }],
  ['Egnyte redirects back to `redirect_uri?code=...&state=...` (or `?error=access_denied`)', {}, async (emu) => {
    expect([...(await consent(emu, ACME, 121)).searchParams.keys()]).toEqual(['code', 'state']);
  }],
  ['(client credentials in the body, not Basic auth;', {}, async (emu) => {
    const code = (await consent(emu, ACME, 121)).searchParams.get('code') ?? '';
    const basic = `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64')}`;
    expect((await postForm(tokenUrl(emu), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic })).status).toBe(401);
    expect((await exchange(emu, ACME, code)).status).toBe(200);
  }],
  ['legacy: `{"access_token": "...", "token_type": "bearer", "expires_in": -1}`', { tokenGeneration: 'legacy' }, async (emu) => {
    expect(await tokensFor(emu, ACME, 121)).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: -1 });
  }],
  ['current: `{"access_token", "refresh_token", "token_type": "bearer", "expires_in": 2592000}`', {}, async (emu) => {
    expect(await tokensFor(emu, ACME, 121)).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 2592000 });
  }],
  ['keep the old refresh token when the answer carries none', {}, async (emu) => {
    const { refresh_token } = await tokensFor(emu, ACME, 121);
    const body = { grant_type: 'refresh_token', refresh_token: String(refresh_token), client_id: emu.clientId, client_secret: emu.clientSecret };
    expect(await json(postForm(tokenUrl(emu), body))).not.toHaveProperty('refresh_token');
    expect((await postForm(tokenUrl(emu), body)).status).toBe(200);
  }],
  ['A token also dies when the user\'s password changes or it is revoked', {}, async (emu) => {
    const token = await access(emu);
    emu.revokeUserTokens('acme', 'jsmith');
    expect((await api(emu, ACME, '/pubapi/v1/userinfo', token)).status).toBe(401);
  }],
  ['US: `https://us-partner-integrations.egnyte.com/services/oauth/code`', {}, async (emu) => {
    for (const region of ['us', 'eu'] as const) expect((await eas(emu, {}, region)).status).toBe(200);
  }],
  ['It asks the user for their domain', {}, async (emu) => {
    expect(await (await eas(emu, {})).text()).toContain('<label for="domain">Egnyte domain</label>');
    expect(location(await eas(emu, { domain: 'acme' })).origin).toBe(emu.domainUrl('acme'));
  }],
  ['The callback carries `code` and `state`.', { autoApprove: true }, async (emu) => {
    const page = await (await get(location(await eas(emu, { domain: 'acme' })).href)).text();
    expect(page).toMatch(/url=http:\/\/localhost:3000\/auth\/egnyte\/callback\?code=[^&"]+&amp;state=st-123"/);
  }],
  ['An emulator must default to the evidenced behaviour (no parameter, the browser\'s normal `Referer`).', {}, async (emu) => {
    const page = await get(location(await eas(emu, { domain: 'acme' })).href);
    expect(page.headers.get('referrer-policy')).toBeNull();
    expect(emu.endpoints.domainFromReferer(new URL(`${emu.domainUrl('acme')}/`))).toBe(ACME);
  }],
  ['uses `/puboauth/authorize` for the browser step (beside `/puboauth/token`)', {}, async (emu) => {
    const res = await get(`${emu.endpoints.domainBaseUrl(ACME)}/puboauth/authorize?${new URLSearchParams(authParams(emu)).toString()}`);
    expect(res.status).toBe(200);
  }],
  ['with a loopback `http://127.0.0.1` redirect URI', {}, async (emu) => {
    expect((await get(authorizeUrl(emu, ACME, authParams(emu, { redirect_uri: 'http://127.0.0.1:8765/callback' })))).status).toBe(200);
  }],
  ['**Implicit grant** (`response_type=token`', {}, async (emu) => {
    expect(location(await get(authorizeUrl(emu, ACME, authParams(emu, { response_type: 'token' })))).searchParams.get('error')).toBe('unsupported_response_type');
  }],
  ['send **no** `client_secret`; accept one if given. A GET is refused.', {}, async (emu) => {
    expect((await password(emu)).status).toBe(200);
    expect((await password(emu, { client_secret: DEFAULT_INTERNAL_CLIENT.clientSecret })).status).toBe(200);
    expect((await password(emu, { client_id: emu.clientId, client_secret: emu.clientSecret })).status).toBe(400);
  }],
  ['`{"errorMessage":"Incorrect request type GET for resource owner flow..."}`', {}, async (emu) => {
    const res = await get(authorizeUrl(emu, ACME, authParams(emu, { client_id: DEFAULT_INTERNAL_CLIENT.clientId })));
    expect(await res.json()).toEqual({ errorMessage: expect.stringMatching(/^Incorrect request type GET for resource owner flow/) });
  }],
  ['`{"id": 121, "username": "jsmith", "first_name": "Jane", "last_name": "Smith"}`', {}, async (emu) => {
    expect(await json(api(emu, ACME, '/pubapi/v1/userinfo', await access(emu)))).toMatchObject({ id: 121, username: 'jsmith', first_name: 'Jane', last_name: 'Smith', email: expect.any(String), user_type: 'admin' });
  }],
  ['`externalId`, `email`, `name{formatted,givenName,familyName}`, `active`, `locked`,', {}, async (emu) => {
    const user = (await json(api(emu, ACME, '/pubapi/v2/users/122', await access(emu)))) as Record<string, unknown>;
    expect(Object.keys(user)).toEqual(['id', 'userName', 'externalId', 'email', 'name', 'active', 'locked', 'authType', 'userType', 'role']);
  }],
  ['revoking an access token also revokes its refresh token', {}, async (emu) => {
    const tokens = await tokensFor(emu, ACME, 121);
    await postForm(`${emu.endpoints.domainBaseUrl(ACME)}/pubapi/v1/tokens/revoke`, { token: String(tokens.access_token) });
    const body = { grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token), client_id: emu.clientId, client_secret: emu.clientSecret };
    expect((await postForm(tokenUrl(emu), body)).status).toBe(400);
  }],
  ['No scope means all APIs the key allows.', {}, async (emu) => {
    const { scope: _scope, ...params } = authParams(emu);
    expect(await (await get(authorizeUrl(emu, ACME, params))).text()).toContain('All APIs the key allows');
  }],
  ['403 with header\n  `X-Mashery-Error-Code: ERR_403_DEVELOPER_INACTIVE`', {}, async (emu) => {
    const res = await api(emu, ACME, '/pubapi/v1/userinfo', 'wrong');
    expect([res.status, res.headers.get('x-mashery-error-code'), await res.text()]).toEqual([403, 'ERR_403_DEVELOPER_INACTIVE', '<h1>Developer Inactive</h1>']);
  }],
  ['**"Invalid Egnyte domain configured in app profile."**', { clients: [{ clientId: 'dev', clientSecret: 's', registeredDomains: ['globex'] }] }, async (emu) => {
    const code = (await consent(emu, ACME, 121)).searchParams.get('code') ?? '';
    expect(await json(exchange(emu, ACME, code))).toEqual({ errorMessage: 'Invalid Egnyte domain configured in app profile.' });
  }],
  ['per token, 2 calls per second and 1,000 per day by default', {}, async (emu) => {
    const res = await api(emu, ACME, '/pubapi/v1/userinfo', await access(emu));
    expect([res.headers.get('x-accesstoken-qps-allotted'), res.headers.get('x-accesstoken-quota-allotted')]).toEqual(['2', '1000']);
  }],
  ['newer gateways answer 429 with `Retry-After`', { qps: 1, throttleStatus: 429 }, async (emu) => {
    emu.fault({ endpoint: 'userinfo', kind: 'too_many_requests', times: 1 });
    expect((await api(emu, ACME, '/pubapi/v1/userinfo', await access(emu))).headers.get('retry-after')).toBe('1');
  }],
  ['answers **409**\n  with `Retry-After` past that', { tokenRequestsPerHour: 100 }, async (emu) => {
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push((await password(emu, { password: 'wrong' })).status);
    expect([statuses[99], statuses[100]]).toEqual([401, 409]);
  }],
  ['all mean `acme.egnyte.com`', {}, async (emu) => {
    for (const typed of ['acme', 'ACME', ' acme.egnyte.com ', 'https://acme.egnyte.com/', 'acme.egnyte.com/app/index.do']) {
      expect(location(await eas(emu, { domain: typed })).origin).toBe(emu.domainUrl('acme'));
    }
  }],
  ['is refused before any request is made', {}, async (emu) => {
    expect((await eas(emu, { domain: 'acme.egnyte.com.evil.com' })).status).toBe(400);
  }],
  ['`qa-egnyte.com`,\n`egnytegov.com` when configured', { hostSuffixes: ['egnyte.com', 'qa-egnyte.com'], users: [{ id: 1, domain: 'acme.qa-egnyte.com', username: 'q', firstName: 'Q', lastName: 'A', email: 'q@a' }] }, async (emu) => {
    expect(location(await eas(emu, { domain: 'acme.qa-egnyte.com' })).origin).toBe(emu.domainUrl('acme.qa-egnyte.com'));
  }],
  ['`{"formErrors":[{"code":"INVALID_CALLBACK","msg":"..."}],"inputErrors":{}}`', {}, async (emu) => {
    const code = (await consent(emu, ACME, 121)).searchParams.get('code') ?? '';
    expect(await json(exchange(emu, ACME, code, { redirect_uri: 'http://localhost:3000/other' }))).toMatchObject({ formErrors: [{ code: 'INVALID_CALLBACK' }], inputErrors: {} });
  }],
  ['`"No valid app info found for api key"` (unknown key), `REQUIRED_PARAMS_MISSING` (no', {}, async (emu) => {
    expect(await json(get(authorizeUrl(emu, ACME, authParams(emu, { client_id: 'x' }))))).toEqual({ errorMessage: 'No valid app info found for api key' });
    expect(await json(get(authorizeUrl(emu, ACME, authParams(emu, { client_id: '' }))))).toMatchObject({ formErrors: [{ code: 'REQUIRED_PARAMS_MISSING' }] });
  }],
  ['`"Request hostname and redirect url hostname do not match"`', { clients: [{ clientId: 'k', clientSecret: 's', redirectUris: [REDIRECT] }] }, async (emu) => {
    expect(await json(get(authorizeUrl(emu, ACME, authParams(emu, { redirect_uri: 'https://abc.ngrok.io/callback' }))))).toEqual({ errorMessage: 'Request hostname and redirect url hostname do not match' });
  }],
  ['egnyte-js-sdk treats 401 and `ERR_403_DEVELOPER_INACTIVE` alike', { deadTokenAnswer: 'developer_inactive' }, async (emu) => {
    const token = await access(emu);
    emu.revokeAll();
    expect((await api(emu, ACME, '/pubapi/v1/userinfo', token)).headers.get('x-mashery-error-code')).toBe('ERR_403_DEVELOPER_INACTIVE');
  }],
  ['a missing user: `{"Errors":[{"description","code"}]}`', {}, async (emu) => {
    const token = await access(emu);
    expect(await json(api(emu, ACME, `/pubapi/v2/users?filter=${encodeURIComponent('userName eq "bjones"')}`, token))).toMatchObject({ resources: [{ id: 122 }] });
    expect(await json(api(emu, ACME, '/pubapi/v2/users/9', token))).toEqual({ Errors: [{ description: 'User does not exist.', code: '404' }] });
  }],
  ['Mashery also sends `X-Plan-*`, `X-APIKey-*`, `X-Quota-Reset`', {}, async (emu) => {
    const res = await api(emu, ACME, '/pubapi/v1/userinfo', await access(emu));
    expect([res.headers.has('x-plan-qps-allotted'), res.headers.has('x-apikey-quota-current'), res.headers.has('x-quota-reset')]).toEqual([true, true, true]);
    emu.fault({ endpoint: 'userinfo', kind: 'over_qps', times: 1 });
    expect(await (await api(emu, ACME, '/pubapi/v1/userinfo', 'x')).text()).toBe('<h1>Developer Over Qps</h1>');
  }],
  ['JSON answers sometimes arrive as `text/plain`', { jsonAsText: true }, async (emu) => {
    expect((await password(emu)).headers.get('content-type')).toBe('text/plain; charset=utf-8');
  }],
  ['Whether refresh tokens rotate is undocumented', { rotateRefreshTokens: true }, async (emu) => {
    const { refresh_token } = await tokensFor(emu, ACME, 121);
    const body = { grant_type: 'refresh_token', refresh_token: String(refresh_token), client_id: emu.clientId, client_secret: emu.clientSecret };
    expect(await json(postForm(tokenUrl(emu), body))).toHaveProperty('refresh_token');
    expect((await postForm(tokenUrl(emu), body)).status).toBe(400);
  }],
  ['No Egnyte source shows PKCE, OIDC (`id_token`, discovery) or an `iss` parameter.', {}, async (emu) => {
    const callback = await consent(emu, ACME, 121, { code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    expect(callback.searchParams.has('iss')).toBe(false);
    expect(await json(exchange(emu, ACME, callback.searchParams.get('code') ?? ''))).not.toHaveProperty('id_token');
    expect((await get(`${emu.endpoints.domainBaseUrl(ACME)}/.well-known/openid-configuration`)).status).toBe(404);
  }],
  ['are not tenants: never send them a code', {}, async (emu) => {
    // Refused as a domain at the prompt, as the package refuses it everywhere.
    expect((await eas(emu, { domain: 'us-partner-integrations' })).status).toBe(400);
    expect(emu.endpoints.domainFromReferer(new URL(easUrl(emu)))).toBeUndefined();
  }],
];

const reference = existsSync(EGNYTE_MD) ? readFileSync(EGNYTE_MD, 'utf8') : undefined;

describe.each(FACTS.map(([quote, options, check]) => [quote.replace(/\s+/g, ' '), quote, options, check] as const))('EGNYTE.md: %s', (_name, quote, options, check) => {
  test('the emulator shows it', async () => {
    await check(await start(options));
  });
  (reference === undefined ? test.skip : test)('the line is still in EGNYTE.md', () => {
    expect(reference?.replace(/\s+/g, ' ')).toContain(quote.replace(/\s+/g, ' '));
  });
});
