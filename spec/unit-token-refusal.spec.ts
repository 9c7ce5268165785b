/**
 * The token endpoint's refusals in the shapes Egnyte really answers with (EGNYTE.md, "More
 * answers seen in the wild"): a refused code is the user's to retry (400, sign in again), a
 * refused key or redirect URI is the app's configuration (500 `invalid_config`, naming the
 * fix), Developer Inactive there is the key's environment. Egnyte's free text is never quoted.
 */
import { classifyEgnyteFailure } from '../lib/egnyte/upstream.js';
import { refreshTokens } from '../lib/egnyte/token-client.js';
import { resolveConfig } from '../lib/config/options.js';

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Response(text, { status, headers: { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers } });
}

const formErrors = (code: string, msg: string): unknown => ({ formErrors: [{ code, msg }], inputErrors: {} });

describe('a refused grant: 400 token_exchange_failed, "sign in again", never "check the API key"', () => {
  test.each([
    ['expired or unknown code', answer(400, { errorMessage: 'Invalid or expired authorization code.' })],
    ['inactive user', answer(400, { errorMessage: 'User is not active.' })],
    ['an unknown message', answer(400, { message: 'Something else' })],
    ['an empty body', answer(400, '')],
    ['RFC invalid_request', answer(400, { error: 'invalid_request' })],
  ])('%s', async (_name, response) => {
    const err = await classifyEgnyteFailure(response, 'token');
    expect(err).toMatchObject({ code: 'token_exchange_failed', status: 400, upstreamStatus: 400 });
    expect(err.message).toMatch(/Sign in again\.$/);
    expect(err.message).not.toMatch(/API key/);
  });

  test('RFC invalid_grant keeps its name in the message', async () => {
    const err = await classifyEgnyteFailure(answer(400, { error: 'invalid_grant' }), 'token');
    expect(err).toMatchObject({ code: 'token_exchange_failed', status: 400 });
    expect(err.message).toMatch(/refused the sign-in code \(invalid_grant\)/);
  });

  test.each([
    ['RFC invalid_grant with 401', answer(401, { error: 'invalid_grant' })],
    ["the password grant's wrong password (401)", answer(401, { errorMessage: 'Invalid username or password.' })],
  ])('%s: the grant, not the key', async (_name, response) => {
    expect(await classifyEgnyteFailure(response, 'token')).toMatchObject({ code: 'token_exchange_failed', upstreamStatus: 401 });
  });

  test("Egnyte's free text is not quoted (it may echo the code)", async () => {
    const err = await classifyEgnyteFailure(answer(400, { errorMessage: 'code SECRET-CODE-123 is invalid' }), 'token');
    expect(err.message).not.toContain('SECRET-CODE-123');
  });
});

describe("the app's configuration: 500 invalid_config whose message names the fix", () => {
  test.each([
    ['unknown key', answer(401, { errorMessage: 'No valid app info found for api key' }), /No valid app info found for api key.*clientId/],
    ['no client_id', answer(400, formErrors('REQUIRED_PARAMS_MISSING', 'client_id is required.')), /REQUIRED_PARAMS_MISSING.*clientId/],
    ['redirect URI refused', answer(400, formErrors('INVALID_CALLBACK', 'Invalid redirect uri.')), /INVALID_CALLBACK.*redirect URI.*baseUrl/],
    [
      'redirect URI on another host',
      answer(400, { errorMessage: 'Request hostname and redirect url hostname do not match' }),
      /hostname do not match.*redirect URI.*baseUrl/,
    ],
    ['wrong secret', answer(401, { errorMessage: 'Invalid client credentials.' }), /clientId.*clientSecret/],
    ['RFC invalid_client', answer(401, { error: 'invalid_client' }), /clientId.*clientSecret/],
    ['RFC unauthorized_client (400)', answer(400, { error: 'unauthorized_client' }), /clientId.*clientSecret/],
  ])('%s', async (_name, response, message) => {
    const err = await classifyEgnyteFailure(response, 'token');
    expect(err).toMatchObject({ code: 'invalid_config', status: 500 });
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/sign in again/i);
  });

  test.each([
    ['403 with the Mashery header', answer(403, '<h1>Developer Inactive</h1>', { 'x-mashery-error-code': 'ERR_403_DEVELOPER_INACTIVE' })],
    ['401 with the HTML body only', answer(401, '<h1>Developer Inactive</h1>')],
  ])('Developer Inactive from the token endpoint (%s): the key and the environment do not match', async (_name, response) => {
    const err = await classifyEgnyteFailure(response, 'token');
    expect(err.code).toBe('developer_inactive');
    expect(err.message).toMatch(/Developer Inactive/);
    expect(err.message).toMatch(/configuration/);
    expect(err.message).toMatch(/qa-egnyte\.com.*egnyte\.com/);
    expect(err.message).toMatch(/hostSuffixes/);
  });
});

describe('unchanged', () => {
  test.each([
    ['key not registered for the domain', answer(400, { errorMessage: 'Invalid Egnyte domain configured in app profile.' }), 'key_domain_mismatch'],
    ['409', answer(409, { errorMessage: 'Too many token requests.' }, { 'retry-after': '60' }), 'rate_limited'],
    ['500', answer(500, { message: 'x' }), 'upstream_unavailable'],
  ])('token endpoint, %s', async (_name, response, code) => {
    expect((await classifyEgnyteFailure(response, 'token')).code).toBe(code);
  });

  test('the API endpoints: a 401 is still a dead token', async () => {
    expect((await classifyEgnyteFailure(answer(401, { errorMessage: 'Invalid token' }), 'api')).code).toBe('login_required');
  });
});

describe('a refresh refused in any of these shapes ends in a clean re-login', () => {
  test.each([
    ['refresh token revoked', 400, { errorMessage: 'Invalid refresh token.' }],
    ['key secret rotated', 401, { errorMessage: 'Invalid client credentials.' }],
    ['key deleted', 401, { errorMessage: 'No valid app info found for api key' }],
  ])('%s', async (_name, status, body) => {
    const config = resolveConfig({
      clientId: 'key',
      clientSecret: 'secret',
      baseUrl: 'https://app.example',
      fetch: async () => answer(status, body),
    });
    await expect(refreshTokens(config, 'acme.egnyte.com', { accessToken: 'a', refreshToken: 'r', tokenType: 'bearer' })).rejects.toMatchObject({
      code: 'login_required',
    });
  });
});
