/**
 * The demo app over HTTP (supertest) against the emulator: profile with and without the
 * Users API, /api/me, and the friendly error page of each failure a user can meet.
 */
import request from 'supertest';
import type { Express } from 'express';
import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
import type { EgnyteEmulator } from 'express-egnyte-auth/testing';
import { EgnyteAuthError } from 'express-egnyte-auth';
import { createDemoApp } from '../demo-app/app.js';
import { egnyteErrorView } from '../demo-app/errors.js';
import { escapeHtml } from '../demo-app/pages.js';
import { EMULATOR_USERS } from '../demo-app/server.js';

const BASE_URL = 'http://localhost:3999';
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let egnyte: EgnyteEmulator;
let app: Express;

beforeAll(async () => {
  egnyte = await startEgnyteEmulator({ users: EMULATOR_USERS.map((u) => ({ ...u })), autoApprove: true, qps: 0 });
  app = createDemoApp({
    mode: 'emulator',
    port: 0,
    host: '127.0.0.1',
    region: 'us',
    sessionSecret: 'test-secret-test-secret-test-secret!',
    baseUrl: BASE_URL,
    clientId: egnyte.clientId,
    clientSecret: egnyte.clientSecret,
    emulator: { endpoints: egnyte.endpoints, origin: egnyte.url, domains: ['acme', 'globex'] },
  });
});
afterAll(async () => {
  (app.locals['close'] as () => void)();
  await egnyte.close();
});
afterEach(() => egnyte.clearFaults());

/** Starts a login for `domain` and follows the emulator's (auto-approved) answer: the callback path. */
async function callbackPath(agent: ReturnType<typeof request.agent>, domain = 'acme'): Promise<string> {
  const login = await agent.get(`/egnyte/login?domain=${domain}&returnTo=/profile`).set('Accept', HTML).expect(302);
  const atEgnyte = await fetch(login.headers['location'] as string, { redirect: 'manual' });
  const back = new URL(atEgnyte.headers.get('location')!);
  expect(back.origin).toBe(BASE_URL);
  return back.pathname + back.search;
}

async function signedIn(domain = 'acme') {
  const agent = request.agent(app);
  const cb = await agent.get(await callbackPath(agent, domain)).set('Accept', HTML).expect(302);
  expect(cb.headers['location']).toBe('/profile');
  return agent;
}

describe('signed in', () => {
  it('shows the profile from userinfo and the Users API', async () => {
    const agent = await signedIn('globex');
    const res = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(res.text).toContain('Hank Scorpio');
    expect(res.text).toContain('Project Manager');
    expect(res.text).toContain('hank@globex.example');
    expect(res.text).toContain('globex.egnyte.com');
    expect(res.text).not.toContain('class="note"');
  });

  it('still shows the basic profile, with a note, when the Users API is throttled or fails', async () => {
    const agent = await signedIn();
    egnyte.fault({ endpoint: 'users', kind: 'over_qps', retryAfter: 3 });
    const throttled = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(throttled.text).toContain('Ada Lovelace');
    expect(throttled.text).toMatch(/class="note">The extra details from Egnyte&#39;s Users API could not be loaded just now \(rate_limited\)/);
    expect(throttled.text).not.toContain('IT Administrator');

    egnyte.clearFaults();
    egnyte.fault({ endpoint: 'users', kind: 'server_error' });
    const failed = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(failed.text).toContain('Ada Lovelace');
    expect(failed.text).toMatch(/Users API answered 500/);
  });

  it('serves /api/me as JSON, and signs out with POST /egnyte/logout', async () => {
    const agent = await signedIn();
    const me = await agent.get('/api/me').expect(200).expect('Content-Type', /json/);
    expect(me.body).toMatchObject({ user: { id: 1001, username: 'ada', email: 'ada.lovelace@acme.example', userType: 'admin' }, domain: 'acme.egnyte.com' });
    const home = await agent.get('/').set('Accept', HTML).expect(200);
    expect(home.text).toContain('Signed in as Ada Lovelace');

    await agent.post('/egnyte/logout').set('Accept', HTML).expect(302).expect('Location', '/?signedOut=1');
    const confirmed = await agent.get('/?signedOut=1').set('Accept', HTML).expect(200);
    expect(confirmed.text).toContain('<p class="note ok" role="status">You are signed out.</p>');
    expect(confirmed.text).not.toContain('Signed in as');
    await agent.get('/api/me').expect(401);
    const after = await agent.get('/profile').set('Accept', HTML).expect(302);
    expect(after.headers['location']).toMatch(/^\/egnyte\/login\?returnTo=%2Fprofile/);
  });
});

describe('wording', () => {
  it('does not confirm a sign-out to a browser that is signed in', async () => {
    const agent = await signedIn();
    const home = await agent.get('/?signedOut=1').set('Accept', HTML).expect(200);
    expect(home.text).not.toContain('You are signed out');
  });

  it('a replayed callback while signed in: back where it went, never "session was lost"', async () => {
    const agent = request.agent(app);
    const path = await callbackPath(agent);
    await agent.get(path).set('Accept', HTML).expect(302);
    const replay = await agent.get(path).set('Accept', HTML).expect(302);
    expect(replay.headers['location']).toBe('/profile');
    const page = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(page.text).not.toContain('session was lost');

    // A callback the package cannot match at all (no state) while signed in: "already signed in".
    const stray = await agent.get('/egnyte/callback?code=stray').set('Accept', HTML).expect(400);
    expect(stray.text).toContain('Signed in as Ada Lovelace');
    expect(stray.text).toContain('<h1>You are already signed in</h1>');
    expect(stray.text).toContain('You are still signed in as Ada Lovelace.');
    expect(stray.text).toContain('href="/profile">Go to your profile</a>');
    expect(stray.text).not.toContain('session was lost');
  });

  it('an invalid domain: each sentence once, and the typed domain kept in the form', async () => {
    const typed = 'acme.example.org"><b>';
    const res = await request(app).get(`/egnyte/login?domain=${encodeURIComponent(typed)}&returnTo=%2Fprofile`).set('Accept', HTML).expect(400);
    expect(res.text.match(/Type your company&#39;s Egnyte name/g)).toHaveLength(1);
    expect(res.text).toContain('is not an Egnyte domain');
    expect(res.text).toContain('value="acme.example.org&quot;&gt;&lt;b&gt;"');
    expect(res.text).toContain('<input type="hidden" name="returnTo" value="/profile">');
    expect(res.text).toContain('<p class="actions"><button type="submit">Try again</button> <a href="/">Home</a></p>');
    expect(res.text).not.toContain('<b>');
  });

  it('keeps room between the button and the link of every error page', async () => {
    const page = await request(app).get('/nope').set('Accept', HTML).expect(404);
    expect(page.text).toContain('<p class="actions"><a class="button" href="/">Home</a></p>');
    const css = await request(app).get('/styles.css').expect(200);
    expect(css.text).toMatch(/\.actions \{[^}]*gap: \.75rem 1\.5rem/);
  });
});

describe('error pages', () => {
  it('declined consent: a friendly page for browsers, the package JSON for API clients', async () => {
    const agent = request.agent(app);
    const path = await callbackPath(agent);
    const state = new URL(path, BASE_URL).searchParams.get('state')!;
    const res = await agent.get(`/egnyte/callback?error=access_denied&state=${state}`).set('Accept', HTML).expect(403);
    expect(res.text).toContain('<h1>You declined access</h1>');
    expect(res.text).toContain('href="/egnyte/login?returnTo=%2Fprofile"');
    expect(res.headers['content-security-policy']).toContain("script-src 'none'");
    expect(res.headers['cache-control']).toBe('no-store');

    const agent2 = request.agent(app);
    const state2 = new URL(await callbackPath(agent2), BASE_URL).searchParams.get('state')!;
    const json = await agent2.get(`/egnyte/callback?error=access_denied&state=${state2}`).set('Accept', 'application/json').expect(403);
    expect(json.body).toMatchObject({ error: 'access_denied' });
  });

  it('bad domain: escaped, never echoed raw', async () => {
    const res = await request(app).get('/egnyte/login?domain=%3Cscript%3Ealert(1)%3C%2Fscript%3E').set('Accept', HTML).expect(400);
    expect(res.text).toContain('<h1>That is not an Egnyte domain</h1>');
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('&lt;script&gt;');
  });

  it('session lost: the callback without the session cookie', async () => {
    const agent = request.agent(app);
    const path = await callbackPath(agent);
    const res = await request(app).get(path).set('Accept', HTML).expect(400);
    expect(res.text).toContain('Your sign-in session was lost');
    expect(res.text).toMatch(/Error code: (session_missing|state_mismatch)/);
  });

  it('throttled token endpoint (409): Retry-After header and "Try again in N seconds"', async () => {
    const agent = request.agent(app);
    const path = await callbackPath(agent);
    egnyte.fault({ endpoint: 'token', kind: 'conflict_409', retryAfter: 2, times: 1 });
    const res = await agent.get(path).set('Accept', HTML);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.text).toContain('Egnyte asked us to slow down');
    expect(res.text).toContain('Try again in 2 seconds.');
    // No sign-in asks Egnyte again until then (issue 18): the next tests sign in after it.
    const other = request.agent(app);
    const held = await other.get(await callbackPath(other)).set('Accept', HTML);
    expect(held.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 2100));
  });

  it('Developer Inactive and uncertified keys get their own explanation', async () => {
    const agent = request.agent(app);
    const path = await callbackPath(agent);
    egnyte.fault({ endpoint: 'token', kind: 'developer_inactive', times: 1 });
    const res = await agent.get(path).set('Accept', HTML);
    expect(res.text).toContain('is not active');
    expect(res.text).toContain('developer_inactive');

    const agent2 = request.agent(app);
    const path2 = await callbackPath(agent2);
    egnyte.fault({ endpoint: 'token', kind: 'key_domain_mismatch', times: 1 });
    const res2 = await agent2.get(path2).set('Accept', HTML);
    expect(res2.text).toContain('not yet available for your Egnyte domain');
  });

  it('never shows stack traces or secrets', async () => {
    const agent = request.agent(app);
    const path = await callbackPath(agent);
    egnyte.fault({ endpoint: 'token', kind: 'bad_gateway_html', times: 1 });
    const res = await agent.get(path).set('Accept', HTML);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.text).not.toMatch(/\bat .+:\d+:\d+/);
    expect(res.text).not.toContain(egnyte.clientSecret);
  });

  it('404s as a page or JSON', async () => {
    const page = await request(app).get('/nope').set('Accept', HTML).expect(404);
    expect(page.text).toContain('Page not found');
    const json = await request(app).get('/nope').expect(404);
    expect(json.body).toEqual({ error: 'not_found', message: 'No such page.' });
  });

  it('has a specific page for every code', () => {
    const codes: Array<EgnyteAuthError['code']> = [
      'invalid_config', 'invalid_domain', 'domain_not_allowed', 'state_missing', 'state_mismatch', 'session_missing',
      'access_denied', 'authorization_failed', 'missing_code', 'invalid_request', 'unknown_domain', 'token_exchange_failed',
      'developer_inactive', 'key_domain_mismatch', 'rate_limited', 'upstream_unavailable', 'upstream_error',
      'login_required', 'session_store_failed',
    ];
    for (const code of codes) {
      const view = egnyteErrorView(new EgnyteAuthError(code, 'msg', { retryAfter: 2 }));
      expect(view.title).not.toBe('Something went wrong while signing in');
      expect(view.code).toBe(code);
      expect(view.retryAfter).toBe(2);
    }
    expect(egnyteErrorView(new EgnyteAuthError('access_denied', 'x')).title).toMatch(/declined/);
    expect(egnyteErrorView(new EgnyteAuthError('invalid_config', 'x', { problems: ['a', 'b'] })).list).toEqual(['a', 'b']);
  });

  it('escapeHtml escapes all five characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
