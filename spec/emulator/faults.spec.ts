/**
 * Injected faults over real HTTP: each kind, its matching and counting.
 */
import type { EgnyteEmulator } from 'express-egnyte-auth/testing';
import { api, authParams, authorizeUrl, closeEmulatorsAfterEach, easUrl, get, postForm, start } from './support.js';

closeEmulatorsAfterEach();

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
    expect(normal.status).toBe(400); // REQUIRED_PARAMS_MISSING: no client_id
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
