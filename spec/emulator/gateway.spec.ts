/**
 * Egnyte's API as its gateway answers it, over real HTTP: users by filter and SCIM errors,
 * Mashery's headers and throttling answers, dead tokens, JSON as text/plain, the token
 * endpoint's hourly limit, refresh rotation, and the helpers tests reach for.
 */
import { api, closeEmulatorsAfterEach, postForm, start, tokensFor } from './support.js';

closeEmulatorsAfterEach();

const ACME = 'acme.egnyte.com';

describe('Users API', () => {
  it('lists users by filter userName eq "x" (case-insensitive), as a SCIM list; no match is an empty list', async () => {
    const emu = await start({ qps: 0 });
    const { access_token } = (await tokensFor(emu, ACME, 121)) as { access_token: string };
    const byName = await api(emu, ACME, `/pubapi/v2/users?filter=${encodeURIComponent('userName eq "BJones"')}`, access_token);
    expect(byName.status).toBe(200);
    expect(await byName.json()).toMatchObject({ totalResults: 1, itemsPerPage: 1, startIndex: 1, resources: [{ id: 122, userName: 'bjones' }] });
    const trailing = await api(emu, ACME, `/pubapi/v2/users/?filter=${encodeURIComponent('email eq "jane.smith@acme.example"')}`, access_token);
    expect(await trailing.json()).toMatchObject({ resources: [{ id: 121 }] });
    const none = await api(emu, ACME, `/pubapi/v2/users?filter=${encodeURIComponent('userName eq "hscorpio"')}`, access_token);
    expect(await none.json()).toEqual({ totalResults: 0, itemsPerPage: 0, startIndex: 1, resources: [] });
    const all = await api(emu, ACME, '/pubapi/v2/users?count=1&startIndex=2', access_token);
    expect(await all.json()).toMatchObject({ totalResults: 2, itemsPerPage: 1, startIndex: 2, resources: [{ id: 122 }] });
    const bad = await api(emu, ACME, `/pubapi/v2/users?filter=${encodeURIComponent('userName co "j"')}`, access_token);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ Errors: [{ description: 'Invalid filter.', code: '400' }] });
  });
});

describe('the gateway (Mashery)', () => {
  it('sends the plan, key and token usage headers on every API answer', async () => {
    const emu = await start();
    const { access_token } = (await tokensFor(emu, ACME, 121)) as { access_token: string };
    const res = await api(emu, ACME, '/pubapi/v1/userinfo', access_token);
    for (const name of ['x-plan-qps-allotted', 'x-plan-quota-allotted', 'x-plan-quota-current', 'x-apikey-qps-allotted', 'x-apikey-quota-current']) {
      expect([name, res.headers.get(name)]).toEqual([name, expect.stringMatching(/^\d+$/)]);
    }
    expect(res.headers.get('x-accesstoken-qps-allotted')).toBe('2');
    expect(res.headers.get('x-accesstoken-quota-allotted')).toBe('1000');
    expect(res.headers.get('x-accesstoken-quota-current')).toBe('1');
    expect(Date.parse(res.headers.get('x-quota-reset') ?? '')).toBeGreaterThan(Date.now());
  });

  it('over the qps: 403 <h1>Developer Over Qps</h1> with Retry-After, or 429 with throttleStatus', async () => {
    for (const throttleStatus of [403, 429] as const) {
      const emu = await start({ qps: 1, throttleStatus });
      const { access_token } = (await tokensFor(emu, ACME, 121)) as { access_token: string };
      await api(emu, ACME, '/pubapi/v1/userinfo', access_token);
      const over = await api(emu, ACME, '/pubapi/v1/userinfo', access_token);
      expect(over.status).toBe(throttleStatus);
      expect(over.headers.get('retry-after')).toBe('1');
      if (throttleStatus === 403) {
        expect(over.headers.get('x-mashery-error-code')).toBe('ERR_403_DEVELOPER_OVER_QPS');
        expect(await over.text()).toBe('<h1>Developer Over Qps</h1>');
      }
    }
  });

  it('over the daily quota: 403 ERR_403_DEVELOPER_OVER_RATE with Retry-After', async () => {
    const emu = await start({ qps: 0, dailyQuota: 2 });
    const { access_token } = (await tokensFor(emu, ACME, 121)) as { access_token: string };
    await api(emu, ACME, '/pubapi/v1/userinfo', access_token);
    await api(emu, ACME, '/pubapi/v1/userinfo', access_token);
    const over = await api(emu, ACME, '/pubapi/v1/userinfo', access_token);
    expect(over.status).toBe(403);
    expect(over.headers.get('x-mashery-error-code')).toBe('ERR_403_DEVELOPER_OVER_RATE');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(80_000);
  });

  it('deadTokenAnswer: developer_inactive answers a revoked token with 403 Developer Inactive', async () => {
    const emu = await start({ qps: 0, deadTokenAnswer: 'developer_inactive' });
    const { access_token } = (await tokensFor(emu, ACME, 121)) as { access_token: string };
    emu.revokeUserTokens('acme', 'jsmith');
    const dead = await api(emu, ACME, '/pubapi/v1/userinfo', access_token);
    expect(dead.status).toBe(403);
    expect(dead.headers.get('x-mashery-error-code')).toBe('ERR_403_DEVELOPER_INACTIVE');
    expect(await dead.text()).toBe('<h1>Developer Inactive</h1>');
  });

  it('jsonAsText labels JSON text/plain', async () => {
    const emu = await start({ jsonAsText: true });
    const { access_token } = (await tokensFor(emu, ACME, 121)) as { access_token: string };
    const res = await api(emu, ACME, '/pubapi/v1/userinfo', access_token);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(JSON.parse(await res.text())).toMatchObject({ id: 121 });
  });
});

describe('token endpoint limits and rotation', () => {
  it('tokenRequestsPerHour: past it, 409 with Retry-After', async () => {
    const emu = await start({ tokenRequestsPerHour: 2 });
    const url = `${emu.endpoints.domainBaseUrl(ACME)}/puboauth/token`;
    const form = { grant_type: 'refresh_token', refresh_token: 'x', client_id: emu.clientId, client_secret: emu.clientSecret };
    expect((await postForm(url, form)).status).toBe(400);
    expect((await postForm(url, form)).status).toBe(400);
    const over = await postForm(url, form);
    expect(over.status).toBe(409);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(3000);
  });

  it('rotateRefreshTokens: each refresh answers a new refresh token and the old one stops working', async () => {
    const emu = await start({ rotateRefreshTokens: true });
    const first = (await tokensFor(emu, ACME, 121)) as { refresh_token: string };
    const url = `${emu.endpoints.domainBaseUrl(ACME)}/puboauth/token`;
    const refresh = (token: string): Promise<Response> =>
      postForm(url, { grant_type: 'refresh_token', refresh_token: token, client_id: emu.clientId, client_secret: emu.clientSecret });
    const second = (await (await refresh(first.refresh_token)).json()) as { access_token: string; refresh_token: string };
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await refresh(first.refresh_token)).status).toBe(400);
    expect((await refresh(second.refresh_token)).status).toBe(200);
  });
});

describe('helpers', () => {
  it('addUser, revokeUserTokens and expireAccessTokens({ domain, user })', async () => {
    const emu = await start({ qps: 0 });
    emu.addUser({ id: 501, domain: 'initech', username: 'peter', firstName: 'Peter', lastName: 'Gibbons', email: 'p@i.example' });
    expect(() => emu.addUser({ id: 501, domain: 'initech', username: 'x', firstName: 'X', lastName: 'Y', email: 'x@y' })).toThrow('duplicate user');
    expect(emu.users.map((u) => u.domain)).toContain('initech.egnyte.com');
    const peter = (await tokensFor(emu, 'initech.egnyte.com', 501)) as { access_token: string };
    const jane = (await tokensFor(emu, ACME, 121)) as { access_token: string };
    const bob = (await tokensFor(emu, ACME, 122)) as { access_token: string };
    emu.expireAccessTokens({ domain: 'acme', user: 'bjones' });
    expect((await api(emu, ACME, '/pubapi/v1/userinfo', bob.access_token)).status).toBe(401);
    expect((await api(emu, ACME, '/pubapi/v1/userinfo', jane.access_token)).status).toBe(200);
    emu.revokeUserTokens('initech', 501);
    expect((await api(emu, 'initech.egnyte.com', '/pubapi/v1/userinfo', peter.access_token)).status).toBe(401);
    expect(() => emu.revokeUserTokens('acme', 'nobody')).toThrow('no user nobody on acme.egnyte.com');
  });
});
