/**
 * egnytePasswordGrant(): the token request as Egnyte's SDKs send it, a paced client for the
 * token, every bad option listed at once, and the password and secret kept out of every
 * error and log line, even when Egnyte's answer repeats them.
 */
import { inspect } from 'node:util';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { FetchLike } from '../../lib/config/options.js';
import { egnytePasswordGrant } from '../../lib/password-grant/password-grant.js';
import type { EgnytePasswordGrantOptions } from '../../lib/password-grant/options.js';
import { createEgnytePacer } from '../../lib/egnyte/pacing.js';
import { EgnyteAuthError } from '../../lib/errors/errors.js';
import { DEFAULT_INTERNAL_CLIENT, EMULATOR_USER_PASSWORD, startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { captureDebug } from '../support/attack-kit.js';
import { arrivals, maxInAnyWindow } from './support.js';

let emulator: EgnyteEmulator;

beforeAll(async () => {
  emulator = await startEgnyteEmulator({ qps: 2 });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
});

const INTERNAL = DEFAULT_INTERNAL_CLIENT;

/** The grant with the emulator's internal-application key, as Egnyte's SDKs send it: no secret. */
function options(extra: Partial<EgnytePasswordGrantOptions> = {}): EgnytePasswordGrantOptions {
  return {
    domain: 'acme',
    clientId: INTERNAL.clientId,
    username: 'jsmith',
    password: EMULATOR_USER_PASSWORD,
    endpoints: emulator.endpoints,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<EgnyteAuthError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof EgnyteAuthError)) throw new Error(`expected an EgnyteAuthError, got ${String(error)}`);
  return error;
}

test('signs in with the password grant (and a secret, when given) and calls the API with the token', async () => {
  const egnyte = await egnytePasswordGrant(options({ domain: ' https://ACME.egnyte.com/app ', scope: ['Egnyte.user', 'Egnyte.filesystem'], clientSecret: INTERNAL.clientSecret }));
  expect(egnyte.domain).toBe('acme.egnyte.com');
  expect(egnyte.tokens).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'bearer', expiresAt: expect.any(Number) });
  expect(emulator.lastTokenRequest?.body).toEqual({
    grant_type: 'password',
    client_id: INTERNAL.clientId,
    client_secret: INTERNAL.clientSecret,
    username: 'jsmith',
    password: EMULATOR_USER_PASSWORD,
    scope: 'Egnyte.user Egnyte.filesystem',
  });
  expect(emulator.lastTokenRequest?.contentType).toBe('application/x-www-form-urlencoded');
  expect(emulator.tokenGrants.password).toBe(1);
  await expect(egnyte.api.get('/pubapi/v1/userinfo')).resolves.toMatchObject({ id: 121, username: 'jsmith' });
  await expect(egnyte.api.userById(122)).resolves.toMatchObject({ username: 'bjones' });
  expect(egnyte.quota?.qps?.allotted).toBe(2);
});

test('without clientSecret, no client_secret is sent (as Egnyte\'s SDKs do)', async () => {
  let form: URLSearchParams | undefined;
  const tokenEndpoint: FetchLike = async (_url, init) => {
    form = new URLSearchParams(String(init?.body));
    return Response.json({ access_token: 'at-1', token_type: 'bearer', expires_in: -1 });
  };
  const egnyte = await egnytePasswordGrant(options({ fetch: tokenEndpoint }));
  expect(form && Object.fromEntries(form)).toEqual({ grant_type: 'password', client_id: INTERNAL.clientId, username: 'jsmith', password: EMULATOR_USER_PASSWORD });
  // A legacy non-expiring token: no expiresAt, no refresh token.
  expect(egnyte.tokens).toEqual({ accessToken: 'at-1', tokenType: 'bearer' });
});

test('signs in against the emulator\'s internal key without a client secret', async () => {
  const egnyte = await egnytePasswordGrant(options());
  expect(emulator.lastTokenRequest?.body.client_secret).toBeUndefined();
  await expect(egnyte.api.get('/pubapi/v1/userinfo')).resolves.toMatchObject({ username: 'jsmith' });
});

test('a partner key is refused with advice to use an internal-application key', async () => {
  const error = await failure(egnytePasswordGrant(options({ clientId: emulator.clientId, clientSecret: emulator.clientSecret })));
  expect(error).toMatchObject({ code: 'token_exchange_failed', upstreamStatus: 400 });
  expect(error.message).toMatch(/not an internal-application key/);
});

test('a wrong secret, when one is given, is refused as a key problem, not a password problem', async () => {
  const error = await failure(egnytePasswordGrant(options({ clientSecret: 'not-the-secret' })));
  expect(error).toMatchObject({ code: 'token_exchange_failed', status: 502, upstreamStatus: 401 });
  expect(error.message).not.toMatch(/username or password was refused/);
});

test('calls with the token are paced: 5 at once never exceed 2 per second, through the given limiter', async () => {
  const made: string[] = [];
  const egnyte = await egnytePasswordGrant(
    options({
      username: 'bjones',
      apiWaitMs: 20_000,
      limiter: (o) => (made.push(o.keyPrefix), new RateLimiterMemory(o)),
    }),
  );
  await Promise.all(Array.from({ length: 5 }, () => egnyte.api.get('/pubapi/v1/userinfo')));
  const times = arrivals(emulator, '/pubapi/v1/userinfo');
  expect(times).toHaveLength(5);
  expect(maxInAnyWindow(times)).toBeLessThanOrEqual(2);
  expect(made).toEqual(['egnyte-api:qps', 'egnyte-api:day']);
});

test('an app\'s own pacer can be shared', async () => {
  const pacer = createEgnytePacer({ apiWaitMs: 0 });
  const egnyte = await egnytePasswordGrant(options({ pacer }));
  await egnyte.fetch('/pubapi/v1/userinfo').then((r) => r.body?.cancel());
  expect((await failure(egnytePasswordGrant(options({ pacer, perDay: 5 })))).problems).toEqual(['pass either pacer or limiter/perSecond/perDay/apiWaitMs, not both.']);
});

test.each(['egnyte', 'rfc'] as const)('a wrong password (%s-shaped refusal) is token_exchange_failed 401, never quoting the password', async (shape) => {
  const rfcEmulator = shape === 'rfc' ? await startEgnyteEmulator({ tokenErrorShape: 'rfc' }) : emulator;
  try {
    const error = await failure(egnytePasswordGrant(options({ password: 'Wr0ng-Pa55word!', endpoints: rfcEmulator.endpoints })));
    expect(error).toMatchObject({ code: 'token_exchange_failed', status: 401, upstreamStatus: 401 });
    expect(error.message).toMatch(/username or password was refused/);
    expect(error.message).not.toContain('Wr0ng-Pa55word!');
  } finally {
    if (rfcEmulator !== emulator) await rfcEmulator.close();
  }
});

test('Egnyte\'s refusals keep their codes: key not valid on this domain, token endpoint throttling', async () => {
  emulator.fault({ endpoint: 'token', kind: 'key_domain_mismatch', times: 1 });
  expect((await failure(egnytePasswordGrant(options()))).code).toBe('key_domain_mismatch');
  emulator.fault({ endpoint: 'token', kind: 'conflict_409', times: 1, retryAfter: 30 });
  expect(await failure(egnytePasswordGrant(options()))).toMatchObject({ code: 'rate_limited', retryAfter: 30 });
});

describe('the password and the secret never show, even when Egnyte echoes them', () => {
  const PASSWORD = 'correct-horse_battery.staple';
  const SECRET = 'sk_live_9f8e7d6c5b4a';
  /** Plays Egnyte's token endpoint repeating what it was sent, in every field it has. */
  const echoing = (status: number, bodyOf: (form: URLSearchParams) => string): FetchLike => async (_url, init) => {
    const form = new URLSearchParams(String(init?.body));
    return new Response(bodyOf(form), { status, headers: { 'content-type': 'application/json' } });
  };
  const echoes: [string, FetchLike][] = [
    ['an RFC-shaped error naming them', echoing(400, (f) => JSON.stringify({ error: f.get('password'), error_description: `bad ${f.get('password')} / ${f.get('client_secret')}` }))],
    ['an errorMessage quoting them', echoing(401, (f) => JSON.stringify({ errorMessage: `Invalid password ${f.get('password')} for secret ${f.get('client_secret')}` }))],
    ['formErrors with them as codes', echoing(400, (f) => JSON.stringify({ formErrors: [{ code: f.get('password'), msg: f.get('client_secret') }] }))],
    ['an HTML page', echoing(500, (f) => `<h1>Error</h1><p>${f.toString()}</p>`)],
    ['a 200 that is not JSON', echoing(200, (f) => `{"access_token": "${f.get('password')}`)],
    ['a 200 without a token', echoing(200, (f) => JSON.stringify({ token_type: 'bearer', note: f.get('password') }))],
  ];

  test.each(echoes)('%s', async (_name, fetchFn) => {
    const debug = captureDebug();
    let error: EgnyteAuthError;
    try {
      error = await failure(egnytePasswordGrant(options({ password: PASSWORD, clientSecret: SECRET, fetch: fetchFn })));
    } finally {
      debug.stop();
    }
    const shown = [error.message, JSON.stringify(error), String(error.stack), inspect(error, { depth: 5 }), debug.lines.join('\n')].join('\n');
    expect(shown).not.toContain(PASSWORD);
    expect(shown).not.toContain(SECRET);
    expect(debug.lines.length).toBeGreaterThan(0);
  });
});

test('every bad option is listed at once, before any request, and the password is never quoted', async () => {
  const error = await failure(
    egnytePasswordGrant({
      domain: 'acme.egnyte.com.evil.example',
      clientId: '',
      username: '  ',
      password: '',
      clientSecret: '',
      scope: 'Egnyte.user "quoted"',
      endpoints: { domainBaseUrl: 'http://x' as unknown as (h: string) => string },
      fetch: 'fetch' as unknown as FetchLike,
      timeoutMs: 0,
      perSecond: 0,
      perDay: 1.5,
      apiWaitMs: -1,
      limiter: {} as never,
      colour: 'blue',
    } as unknown as EgnytePasswordGrantOptions),
  );
  expect(error.code).toBe('invalid_config');
  expect(error.problems).toHaveLength(14);
  expect(error.message).toMatch(/^egnytePasswordGrant\(options\) has 14 problems:/);
  expect(emulator.requests).toEqual([]);
  const withPassword = await failure(egnytePasswordGrant(options({ domain: 'nope.example', password: 'S3cret-Passw0rd' })));
  expect(withPassword.problems).toHaveLength(1);
  expect(JSON.stringify(withPassword) + withPassword.message).not.toContain('S3cret-Passw0rd');
  await expect(egnytePasswordGrant(null as unknown as EgnytePasswordGrantOptions)).rejects.toMatchObject({ code: 'invalid_config' });
});
