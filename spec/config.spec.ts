/**
 * egnyteAuth() options: validation (every problem in one error) and the effect of each
 * option on a real sign-in against the emulator.
 */
import { EgnyteAuthError, egnyteAuth, type EgnyteAuthOptions } from '../lib/index.js';
import { startLogin } from './flow-support.js';
import { startHarness, withHarness, type Harness } from './support/harness.js';

const JSON_ACCEPT = { accept: 'application/json' };
const VALID: EgnyteAuthOptions = { clientId: 'key', clientSecret: 'secret', baseUrl: 'https://app.example.com' };

function configError(options: unknown): EgnyteAuthError {
  try {
    egnyteAuth(options as EgnyteAuthOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(EgnyteAuthError);
    expect((err as EgnyteAuthError).code).toBe('invalid_config');
    return err as EgnyteAuthError;
  }
  throw new Error('egnyteAuth accepted the options');
}

describe('validation', () => {
  test('every bad option is listed in one invalid_config error', () => {
    const err = configError({
      clientId: ' ',
      baseUrl: 'http://app.example.com',
      scope: 42,
      region: 'asia',
      hostSuffixes: [],
      domain: 'acme.evil.com',
      allowedDomains: 'acme',
      routes: { login: 'no-slash', extra: '/x' },
      postLogoutRedirect: '//evil.com',
      userCacheSeconds: -1,
      timeoutMs: 0,
      revokeOnLogout: 'yes',
      fetch: 'fetch',
      endpoints: 'emulator',
      clientID: 'typo',
    });
    const expected = [
      /^unknown option "clientID"/,
      /^clientId is required/,
      /^clientSecret is required/,
      /^baseUrl must use https/,
      /^scope must be/,
      /^region must be/,
      /^hostSuffixes must be/,
      /^domain: "acme\.evil\.com" is not an Egnyte domain/,
      /^allowedDomains must be/,
      /^routes\.extra is not a route/,
      /^routes\.login must be a plain path/,
      /^postLogoutRedirect must be/,
      /^userCacheSeconds must be/,
      /^timeoutMs must be/,
      /^revokeOnLogout must be/,
      /^fetch must be/,
      /^endpoints must be/,
    ];
    expect(err.problems).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(err.problems![i]).toMatch(pattern));
    expect(err.message).toMatch(new RegExp(`^egnyteAuth\\(options\\) has ${expected.length} problems:\\n`));
    for (const problem of err.problems!) expect(err.message).toContain(`  - ${problem}`);
    expect(err.status).toBe(500);
    expect(err.toJSON()).toEqual({ error: 'invalid_config', message: err.message, problems: err.problems });
  });

  test('one problem is one problem', () => {
    const err = configError({ ...VALID, clientSecret: '' });
    expect(err.problems).toEqual(['clientSecret is required: the secret of your Egnyte API key.']);
    expect(err.message).toMatch(/has 1 problem:/);
  });

  test('options that are not an object', () => {
    expect(configError(undefined).problems).toEqual(['options must be an object']);
  });

  test('unknown option keys are named, with the known ones', () => {
    const err = configError({ ...VALID, redirectUri: 'https://app.example.com/cb', scopes: ['Egnyte.user'] });
    expect(err.problems).toHaveLength(2);
    expect(err.problems![0]).toMatch(/^unknown option "redirectUri" \(known: clientId, clientSecret, baseUrl,/);
    expect(err.problems![1]).toMatch(/^unknown option "scopes"/);
  });

  test.each(['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'https://app.example.com', 'https://app.example.com/prefix/'])(
    'baseUrl %s is accepted',
    (baseUrl) => {
      expect(() => egnyteAuth({ ...VALID, baseUrl })).not.toThrow();
    },
  );

  test.each(['http://app.example.com', 'http://localhost.example.com', 'ftp://localhost', 'app.example.com', 'https://user:pw@app.example.com', 'https://app.example.com/?x=1'])(
    'baseUrl %s is refused',
    (baseUrl) => {
      expect(configError({ ...VALID, baseUrl }).problems).toEqual([expect.stringMatching(/^baseUrl must/)]);
    },
  );

  test.each([
    ['Egnyte.user Egnyte.filesystem', true],
    [['Egnyte.user', 'Egnyte.filesystem'], true],
    ['', true],
    [[], true],
    [['Egnyte.user', 3], false],
    ['Egnyte.user "quoted"', false],
    [{ scope: 'Egnyte.user' }, false],
  ])('scope %j accepted: %s', (scope, ok) => {
    if (ok) expect(() => egnyteAuth({ ...VALID, scope: scope as string })).not.toThrow();
    else expect(configError({ ...VALID, scope }).problems).toEqual([expect.stringMatching(/^scope must be/)]);
  });

  test('routes must differ, and a fixed domain must be allowed', () => {
    const err = configError({ ...VALID, routes: { login: '/x', callback: '/x' }, domain: 'globex', allowedDomains: ['acme'] });
    expect(err.problems).toEqual([`domain "globex.egnyte.com" is not in allowedDomains.`, 'routes.login, routes.callback and routes.logout must differ.']);
  });

  describe('tokenKeys (issue 19)', () => {
    const KEY = 'k'.repeat(32);
    const SHORT = 'short-but-secret';

    test('each problem named by position, with the others of the options, and never a key', () => {
      const err = configError({ ...VALID, clientId: '', tokenKeys: [KEY, SHORT, undefined, 42, ` ${KEY}`, `${KEY}\n`, KEY] });
      expect(err.problems).toEqual([
        'clientId is required: the API key of your Egnyte integration.',
        `tokenKeys[1] is ${SHORT.length} characters long; a key needs at least 32 (e.g. from \`openssl rand -base64 32\`).`,
        'tokenKeys[2] must be a string; got undefined (is the environment variable that holds it set?).',
        'tokenKeys[3] must be a string; got number.',
        'tokenKeys[4] has white space at its start or end (a stray newline from a file?): remove it.',
        'tokenKeys[5] has white space at its start or end (a stray newline from a file?): remove it.',
        'tokenKeys[6] repeats tokenKeys[0].',
      ]);
      for (const secret of [KEY, SHORT]) expect(err.message).not.toContain(secret);
    });

    test.each([[[]], ['one-key-as-a-string-not-a-list-of-them'], [{ 0: KEY }], [null]])('%j is not a list of keys', (tokenKeys) => {
      expect(configError({ ...VALID, tokenKeys }).problems).toEqual([expect.stringMatching(/^tokenKeys must be a non-empty array of secrets, the newest first/)]);
    });

    test('keys of 32 characters or more are accepted, and the clientSecret whatever its length (to read what it sealed)', () => {
      expect(() => egnyteAuth({ ...VALID, tokenKeys: [KEY, 'x'.repeat(64)] })).not.toThrow();
      expect(() => egnyteAuth({ ...VALID, tokenKeys: [KEY, VALID.clientSecret] })).not.toThrow();
      expect(configError({ ...VALID, tokenKeys: [VALID.clientSecret + '!'] }).problems).toEqual([expect.stringMatching(/^tokenKeys\[0\] is 7 characters long/)]);
    });
  });

  test('allowedDomains entries and the fixed domain are validated like user input', () => {
    const err = configError({ ...VALID, domain: 'acme.egnyte.com:443', allowedDomains: ['acme', 'https://evil.com/'] });
    expect(err.problems).toEqual([
      expect.stringMatching(/^domain: .*ports and IP addresses/),
      expect.stringMatching(/^allowedDomains: "https:\/\/evil\.com\/" is not an Egnyte domain/),
    ]);
  });
});

describe('options at work', () => {
  describe('scope as a string, custom routes, postLogoutRedirect', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        auth: {
          scope: '  Egnyte.user   Egnyte.link ',
          routes: { login: '/auth/start', callback: '/auth/return', logout: '/auth/end' },
          postLogoutRedirect: '/signed-out',
        },
      });
    });
    afterAll(() => h.close());

    test('the whole flow runs on the moved routes', async () => {
      const browser = h.browser();
      const guard = await browser.request('/page');
      expect(guard.status).toBe(302);
      expect(guard.headers.get('location')).toBe('/auth/start?returnTo=%2Fpage');

      const start = await browser.request('/auth/start?returnTo=%2Fme');
      const eas = new URL(start.headers.get('location')!);
      expect(eas.searchParams.get('redirect_uri')).toBe(`${h.baseUrl}/auth/return`);
      expect(eas.searchParams.get('scope')).toBe('Egnyte.user Egnyte.link');
      eas.searchParams.set('domain', 'acme');
      const landed = await browser.go(eas.href, JSON_ACCEPT);
      expect(landed.hops.map((hop) => new URL(hop.url).pathname)).toContain('/auth/return');
      expect(landed.status).toBe(200);
      expect(JSON.parse(landed.body)).toMatchObject({ user: { username: 'jsmith' } });
      expect(h.emulator.lastTokenRequest?.body.redirect_uri).toBe(`${h.baseUrl}/auth/return`);

      const out = await browser.request('/auth/end', { method: 'POST' });
      expect(out.status).toBe(302);
      expect(out.headers.get('location')).toBe('/signed-out');
      expect((await browser.request('/me', JSON_ACCEPT)).status).toBe(401);
    });

    test('the default routes are not mounted', async () => {
      for (const path of ['/egnyte/login', '/egnyte/callback?state=x&code=y', '/egnyte/logout']) {
        expect((await h.browser().request(path, JSON_ACCEPT)).status).toBe(404);
      }
      expect(h.emulator.calls.token).toBe(1);
    });
  });

  test('region as a function of the request', async () => {
    await withHarness({ auth: { region: (req) => (req.get('x-test-region') === 'eu' ? 'eu' : 'us') } }, async (h) => {
      const browser = h.browser();
      const eu = await browser.request('/egnyte/login', { headers: { 'x-test-region': 'eu' } });
      expect(new URL(eu.headers.get('location')!).href.startsWith(h.emulator.endpoints.enhancedAuth.eu!)).toBe(true);
      const us = await browser.request('/egnyte/login');
      expect(new URL(us.headers.get('location')!).href.startsWith(h.emulator.endpoints.enhancedAuth.us!)).toBe(true);
      // ?region= still overrides.
      const forced = await browser.request('/egnyte/login?region=us', { headers: { 'x-test-region': 'eu' } });
      expect(forced.headers.get('location')!.startsWith(h.emulator.endpoints.enhancedAuth.us!)).toBe(true);
    });
  });

  test('a region function returning something else is reported as invalid_config, not a crash', async () => {
    await withHarness({ auth: { region: (() => 'asia') as unknown as () => 'us' } }, async (h) => {
      const response = await h.browser().request('/egnyte/login', JSON_ACCEPT);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'invalid_config', message: 'The region function returned "asia"; it must return "us" or "eu".' });
      // ?region= does not ask the function.
      expect((await h.browser().request('/egnyte/login?region=eu')).status).toBe(302);
      expect(h.emulator.requests).toEqual([]);
    });
  });

  test('region "eu" as an option', async () => {
    await withHarness({ auth: { region: 'eu' } }, async (h) => {
      const url = await startLogin(h.browser());
      expect(url.origin + url.pathname).toBe(h.emulator.endpoints.enhancedAuth.eu);
    });
  });

  describe.each([
    ['a list', ['ACME', 'https://initech.egnyte.com/']],
    ['a predicate', (host: string) => host === 'acme.egnyte.com'],
  ])('allowedDomains as %s', (_name, allowedDomains) => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ auth: { allowedDomains } });
    });
    afterAll(() => h.close());
    beforeEach(() => h.emulator.resetCalls());

    test('a domain chosen at login is refused with 403 before Egnyte is asked', async () => {
      const response = await h.browser().request('/egnyte/login?domain=globex', JSON_ACCEPT);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'domain_not_allowed', message: expect.stringContaining('globex.egnyte.com') });
      expect(h.emulator.requests).toEqual([]);
    });

    test('a domain chosen at the Enhanced Auth Service is refused at the callback with no token request', async () => {
      const landed = await h.browser().signIn('globex');
      expect(landed.status).toBe(403);
      expect(landed.body).toContain('This Egnyte domain cannot sign in here');
      expect(h.emulator.calls.token).toBe(0);
    });

    test('an allowed domain signs in', async () => {
      const landed = await h.browser().signIn('acme', { returnTo: '/me' });
      expect(landed.status).toBe(200);
      expect(h.emulator.tokenGrants.authorization_code).toBe(1);
    });
  });

  describe('hostSuffixes', () => {
    test('qa-egnyte.com is refused by default', async () => {
      await withHarness({}, async (h) => {
        const response = await h.browser().request('/egnyte/login?domain=acme.qa-egnyte.com', JSON_ACCEPT);
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: 'invalid_domain', message: expect.stringContaining('.egnyte.com') });
        expect(h.emulator.requests).toEqual([]);
      });
    });

    test.each([
      [['qa-egnyte.com'], 'acme', 'acme.qa-egnyte.com'],
      [['egnyte.com', 'egnytegov.com'], 'agency.egnytegov.com', 'agency.egnytegov.com'],
      [['egnyte.com', 'egnytegov.com'], 'acme', 'acme.egnyte.com'],
    ])('with %j, "%s" signs in on %s', async (hostSuffixes, typed, host) => {
      const user = (id: number, domain: string) => ({ id, domain, username: `u${id}`, firstName: 'F', lastName: 'L', email: `u${id}@example.com` });
      await withHarness({
        emulator: { hostSuffixes, users: [user(1, `acme.${hostSuffixes[0]!}`), user(2, `agency.${hostSuffixes.at(-1)!}`)] },
        auth: { hostSuffixes },
      }, async (h) => {
        const direct = await h.browser().signIn(typed, { direct: true, returnTo: '/me' });
        expect(direct.status).toBe(200);
        expect(JSON.parse(direct.body)).toMatchObject({ domain: host });
        const viaEas = await h.browser().signIn(typed, { returnTo: '/me' });
        expect(viaEas.status).toBe(200);
        expect(JSON.parse(viaEas.body)).toMatchObject({ domain: host });
      });
    });
  });
});
