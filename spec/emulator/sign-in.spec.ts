/**
 * The emulator's browser side over real HTTP: the Enhanced Auth Service prompt, the authorize step and consent.
 */
import { REDIRECT, api, authParams, authorizeUrl, closeEmulatorsAfterEach, consent, decode, easUrl, exchange, get, location, parseForm, postForm, start } from './support.js';

closeEmulatorsAfterEach();

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

  it("normalises what the user typed and sends the browser to the authorize step on the domain's own origin", async () => {
    const emu = await start();
    const res = await get(
      `${easUrl(emu, 'eu')}?${new URLSearchParams({ ...authParams(emu), domain: 'ACME.egnyte.com ' }).toString()}`,
    );
    expect(res.status).toBe(302);
    const to = location(res);
    expect(emu.domainUrl('acme')).toBe(`http://acme.egnyte.com.localhost:${new URL(emu.url).port}`);
    expect(`${to.origin}${to.pathname}`).toBe(`${emu.domainUrl('acme.egnyte.com')}/puboauth/token`);
    expect(Object.fromEntries(to.searchParams)).toEqual({ ...authParams(emu), eas: '1' });
    expect(emu.requests.at(-1)).toEqual({ method: 'GET', path: '/services/oauth/code', host: 'eas', region: 'eu', at: expect.any(Number) });
  });

  it.each(['https://acme.egnyte.com/', 'acme', 'acme.egnyte.com/app/index.do'])('accepts %j', async (typed) => {
    const emu = await start();
    const res = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: typed }).toString()}`);
    expect(res.status).toBe(302);
    expect(location(res).host).toBe(new URL(emu.domainUrl('acme')).host);
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
  it('EAS -> consent on the domain origin -> Allow returns code and state (no domain) to the redirect URI', async () => {
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
    expect(form).toEqual({ method: 'post', action: '/puboauth/consent', hidden: { ...authParams(emu), eas: '1' } });
    // Egnyte's pages leave the browser its default referrer policy.
    expect(page.headers.get('referrer-policy')).toBeNull();

    const res = await postForm(new URL(form.action, location(eas)).href, { ...form.hidden, user: '122', decision: 'allow' });
    expect(res.status).toBe(302);
    const callback = location(res);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect([...callback.searchParams.keys()]).toEqual(['code', 'state']);
    expect(callback.searchParams.get('state')).toBe('st-123');
    expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('the domain origin and the path-based base serve the same domain; an unknown *.localhost name is not a domain', async () => {
    const emu = await start();
    const viaOrigin = await get(`${emu.domainUrl('globex')}/puboauth/token?${new URLSearchParams(authParams(emu)).toString()}`);
    expect(viaOrigin.status).toBe(200);
    expect(parseForm(await viaOrigin.text()).action).toBe('/puboauth/consent');
    const viaPath = await get(authorizeUrl(emu, 'globex.egnyte.com', authParams(emu)));
    expect(parseForm(await viaPath.text()).action).toBe('/d/globex.egnyte.com/puboauth/consent');
    const unknown = await get(`http://initech.egnyte.com.localhost:${new URL(emu.url).port}/puboauth/token?${new URLSearchParams(authParams(emu)).toString()}`);
    expect(unknown.status).toBe(404);
    expect(emu.requests.map((r) => r.host)).toEqual(['globex.egnyte.com', 'globex.egnyte.com', 'initech.egnyte.com']);
  });

  it('endpoints.domainFromReferer maps its own domain origins only', async () => {
    const emu = await start();
    const map = emu.endpoints.domainFromReferer;
    expect(map(new URL(`${emu.domainUrl('acme')}/`))).toBe('acme.egnyte.com');
    expect(map(new URL(`${emu.domainUrl('acme')}/puboauth/token?x=1`))).toBe('acme.egnyte.com');
    expect(map(new URL(`${emu.url}/eas/us/services/oauth/code`))).toBeUndefined();
    expect(map(new URL('http://acme.egnyte.com.localhost:1/'))).toBeUndefined();
    expect(map(new URL(`https://acme.egnyte.com.localhost:${new URL(emu.url).port}/`))).toBeUndefined();
    expect(map(new URL('https://acme.egnyte.com/'))).toBeUndefined();
  });

  it('referrerPolicy sets Referrer-Policy on every answer; an unknown policy is refused', async () => {
    const emu = await start({ referrerPolicy: 'no-referrer' });
    const eas = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: 'acme' }).toString()}`);
    expect(eas.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await get(location(eas).href);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const { action, hidden } = parseForm(await page.text());
    const res = await postForm(new URL(action, location(eas)).href, { ...hidden, user: '121', decision: 'allow' });
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    await expect(start({ referrerPolicy: 'nope' })).rejects.toThrow('unknown referrerPolicy nope');
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

  it('easDomainParam: true adds domain= after the EAS only; a direct authorize never carries it', async () => {
    const emu = await start({ easDomainParam: true });
    const direct = await consent(emu, 'acme.egnyte.com', 121);
    expect(direct.searchParams.has('domain')).toBe(false);
    const eas = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: 'acme' }).toString()}`);
    const page = await get(location(eas).href);
    const { action, hidden } = parseForm(await page.text());
    const res = await postForm(new URL(action, location(eas)).href, { ...hidden, user: '121', decision: 'allow' });
    expect([...location(res).searchParams.keys()]).toEqual(['code', 'state', 'domain']);
    expect(location(res).searchParams.get('domain')).toBe('acme.egnyte.com');
  });

  it("autoApprove on the domain's own origin answers a page that continues by itself (meta refresh)", async () => {
    const emu = await start({ autoApprove: true });
    const eas = await get(`${easUrl(emu)}?${new URLSearchParams({ ...authParams(emu), domain: 'acme' }).toString()}`);
    const page = await get(location(eas).href);
    expect(page.status).toBe(200);
    const html = await page.text();
    const refresh = /<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(html)?.[1];
    const callback = new URL(decode(refresh ?? ''));
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect([...callback.searchParams.keys()]).toEqual(['code', 'state']);
    expect(html).toContain(`<a href="${refresh}">Continue</a>`);
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

  it("refuses a missing or unknown key, an internal key and a bad redirect URI with Egnyte's JSON, never a redirect", async () => {
    const emu = await start({
      clients: [{ clientId: 'strict', clientSecret: 's', redirectUris: [REDIRECT] }, { clientId: 'internal', clientSecret: 'i', type: 'internal' }],
    });
    const cases: [Record<string, string>, number, unknown][] = [
      [{ client_id: '' }, 400, { formErrors: [{ code: 'REQUIRED_PARAMS_MISSING', msg: 'client_id is required.' }], inputErrors: {} }],
      [{ client_id: 'nope' }, 401, { errorMessage: 'No valid app info found for api key' }],
      [{ client_id: 'internal' }, 400, { errorMessage: 'Incorrect request type GET for resource owner flow. Please check the documentation and try again.' }],
      [{ redirect_uri: 'https://evil.example/cb?x=<y>' }, 400, { errorMessage: 'Request hostname and redirect url hostname do not match' }],
      [{ redirect_uri: 'http://localhost:3000/other' }, 400, { formErrors: [{ code: 'INVALID_CALLBACK', msg: 'Invalid redirect uri redirect uri must be a valid https url.' }], inputErrors: {} }],
    ];
    for (const [extra, status, body] of cases) {
      for (const path of ['/puboauth/token', '/puboauth/authorize']) {
        const res = await get(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}${path}?${new URLSearchParams(authParams(emu, extra)).toString()}`);
        expect([path, res.status, res.headers.get('location'), await res.json()]).toEqual([path, status, null, body]);
      }
    }

    const ok = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu)));
    expect(ok.status).toBe(200);
    // The consent POST re-validates too.
    const { action, hidden } = parseForm(await ok.text());
    const forged = await postForm(`${emu.url}${action}`, { ...hidden, redirect_uri: 'https://evil.example/cb', user: '121', decision: 'allow' });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  it("tokenErrorShape: 'rfc' keeps the emulator's escaped error pages on the browser step", async () => {
    const emu = await start({ tokenErrorShape: 'rfc' });
    const badClient = await get(authorizeUrl(emu, 'acme.egnyte.com', authParams(emu, { client_id: 'n<o>pe' })));
    expect(badClient.status).toBe(401);
    const html = await badClient.text();
    expect(html).toContain('The API key &quot;n&lt;o&gt;pe&quot; is not known.');
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
