/** Pure readers of Egnyte's answers: token responses, userinfo and the callback query. */
import { parseCallbackParams, parseLoginParams } from '../lib/flow/params.js';
import { parseEgnyteUser } from '../lib/egnyte/user.js';
import { EgnyteAuthError } from '../lib/errors/errors.js';
import { normalizeTokenResponse } from '../lib/egnyte/token-client.js';

describe('normalizeTokenResponse', () => {
  test('legacy: negative expires_in dropped, token_type kept', () => {
    expect(normalizeTokenResponse({ access_token: 'a', token_type: 'bearer', expires_in: -1 })).toEqual({ access_token: 'a', token_type: 'bearer' });
  });
  test('legacy without token_type: bearer filled in', () => {
    expect(normalizeTokenResponse({ access_token: 'a', expires_in: -1 })).toEqual({ access_token: 'a', token_type: 'bearer' });
  });
  test('current: kept as is; numeric strings and fractions become whole seconds', () => {
    expect(normalizeTokenResponse({ access_token: 'a', refresh_token: 'r', token_type: 'bearer', expires_in: 2592000 })).toEqual({
      access_token: 'a',
      refresh_token: 'r',
      token_type: 'bearer',
      expires_in: 2592000,
    });
    expect(normalizeTokenResponse({ access_token: 'a', expires_in: '3600.7' }).expires_in).toBe(3600);
    expect(normalizeTokenResponse({ access_token: 'a', expires_in: 'never' })).not.toHaveProperty('expires_in');
  });
  test('empty refresh token and non-string scope are dropped', () => {
    expect(normalizeTokenResponse({ access_token: 'a', refresh_token: '', scope: ['x'] })).toEqual({ access_token: 'a', token_type: 'bearer' });
  });
  test.each([null, [], 'x', {}, { access_token: '' }, { access_token: 5 }])('no access token in %j -> token_exchange_failed', (body) => {
    expect(() => normalizeTokenResponse(body)).toThrow(expect.objectContaining({ code: 'token_exchange_failed' }));
  });
});

describe('parseEgnyteUser', () => {
  test('reads snake_case userinfo into camelCase, keeping raw', () => {
    const raw = { id: 121, username: 'jsmith', first_name: 'Jane', last_name: 'Smith', email: 'j@x', user_type: 'admin', extra: true };
    expect(parseEgnyteUser(raw, 'acme.egnyte.com')).toEqual({ subject: 'acme.egnyte.com:121', id: 121, username: 'jsmith', firstName: 'Jane', lastName: 'Smith', email: 'j@x', userType: 'admin', raw });
  });
  test('older answers without email and user_type; numeric string ids', () => {
    expect(parseEgnyteUser({ id: '7', username: 'u' }, 'acme.egnyte.com')).toEqual({ subject: 'acme.egnyte.com:7', id: 7, username: 'u', firstName: '', lastName: '', raw: { id: '7', username: 'u' } });
  });
  test.each([{}, { id: 1 }, { username: 'u' }, { id: 'x', username: 'u' }, { id: 1.5, username: 'u' }, null])('%j -> upstream_error', (body) => {
    expect(() => parseEgnyteUser(body, 'acme.egnyte.com')).toThrow(EgnyteAuthError);
  });
});

describe('callback and login parameters', () => {
  test('reads the known parameters; empty ones are absent', () => {
    expect(parseCallbackParams({ code: 'c', state: 's', domain: 'acme', error: '', other: 'x' })).toEqual({ code: 'c', state: 's', domain: 'acme' });
    expect(parseLoginParams({ returnTo: '/x', domain: '  ', region: 'eu' })).toEqual({ returnTo: '/x', region: 'eu' });
  });
  test('repeated or structured parameters are refused with invalid_request', () => {
    expect(() => parseCallbackParams({ code: ['a', 'b'], state: 's' })).toThrow(expect.objectContaining({ code: 'invalid_request', status: 400 }));
    expect(() => parseLoginParams({ domain: { x: '1' } })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
  test('oversized values are refused without echoing them', () => {
    const big = 'A'.repeat(3000);
    try {
      parseCallbackParams({ code: big, state: 's' });
      throw new Error('accepted');
    } catch (err) {
      expect((err as EgnyteAuthError).code).toBe('invalid_request');
      expect((err as Error).message).not.toContain('AAAA');
    }
  });
});
