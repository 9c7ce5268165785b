/**
 * The token seal (lib/login/token-seal.ts, issue 19) on its own: AES-256-GCM with a fresh nonce
 * per seal, bound to the login id; keys from `tokenKeys` (the first seals, all open) or from
 * `clientSecret`; every way a value can fail to open is a TokenUnreadableError that names the
 * cause and never the value.
 */
import { TokenUnreadableError, tokenSealFor, type TokenOwner, type TokenSeal } from '../lib/login/token-seal.js';
import type { EgnyteTokenSet } from '../lib/index.js';
import { itemsHoldingTokens, piecesOf } from './support/token-scan.js';

const TOKENS: EgnyteTokenSet = {
  accessToken: 'access-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  refreshToken: 'refresh-RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR',
  tokenType: 'bearer',
  expiresAt: 1_900_000_000_000,
  scope: 'Egnyte.user',
};
const KEY_1 = 'key-one-0123456789abcdef0123456789abcdef';
const KEY_2 = 'key-two-0123456789abcdef0123456789abcdef';
const LOGIN: TokenOwner = { loginId: 'login-aaaaaaaaaaaaaaaaaaaaaaaa', domain: 'acme.egnyte.com' };
const OTHER_LOGIN: TokenOwner = { loginId: 'login-bbbbbbbbbbbbbbbbbbbbbbbb', domain: 'acme.egnyte.com' };

/** The cause `open` throws with, or `'opened'`. */
function openCause(seal: TokenSeal, owner: TokenOwner, sealed: string): string {
  try {
    seal.open(owner, sealed);
    return 'opened';
  } catch (err) {
    expect(err).toBeInstanceOf(TokenUnreadableError);
    const sample = typeof sealed === 'string' ? sealed.slice(12, 40) : '';
    if (sample.length > 8) expect((err as Error).message).not.toContain(sample);
    return (err as TokenUnreadableError).why;
  }
}

const body = (sealed: string): Buffer => Buffer.from(sealed.slice(12), 'base64url');
const withBody = (sealed: string, bytes: Buffer): string => sealed.slice(0, 12) + bytes.toString('base64url');

test('a sealed value opens for its login, to the same token set, and holds no 16 characters of a token', () => {
  const seal = tokenSealFor({ clientSecret: 'emulator-secret' });
  const sealed = seal.seal(LOGIN, TOKENS);
  expect(sealed).toMatch(/^t1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+$/);
  expect(seal.open(LOGIN, sealed)).toEqual(TOKENS);
  expect(itemsHoldingTokens([{ where: 'sealed', text: sealed }], piecesOf([TOKENS.accessToken, TOKENS.refreshToken!]))).toEqual([]);
  expect(sealed).not.toContain('bearer');
  expect(sealed).not.toContain('Egnyte.user');
});

test('every seal takes a fresh nonce: 2,000 seals of one token set, 2,000 different nonces and values', () => {
  const seal = tokenSealFor({ clientSecret: 'emulator-secret' });
  const values = Array.from({ length: 2000 }, () => seal.seal(LOGIN, TOKENS));
  expect(new Set(values).size).toBe(2000);
  expect(new Set(values.map((v) => body(v).subarray(0, 12).toString('hex'))).size).toBe(2000);
});

test('a value copied to another login does not open there', () => {
  const seal = tokenSealFor({ clientSecret: 'emulator-secret' });
  expect(openCause(seal, OTHER_LOGIN, seal.seal(LOGIN, TOKENS))).toBe('does_not_open');
  expect(openCause(seal, { ...LOGIN, loginId: '' }, seal.seal(LOGIN, TOKENS))).toBe('does_not_open');
});

test('a value whose login now names another domain does not open (its tokens would be sent there)', () => {
  const seal = tokenSealFor({ clientSecret: 'emulator-secret' });
  const sealed = seal.seal(LOGIN, TOKENS);
  for (const domain of ['evil.egnyte.com', 'acme.egnyte.com.evil.example', 'acme.qa-egnyte.com', '']) expect(openCause(seal, { ...LOGIN, domain }, sealed)).toBe('does_not_open');
  // The boundary between id and domain is fixed: moving characters across it changes the binding.
  const shifted = { loginId: `${LOGIN.loginId}a`, domain: LOGIN.domain.slice(1) };
  expect(openCause(seal, shifted, seal.seal({ loginId: LOGIN.loginId, domain: `a${LOGIN.domain.slice(1)}` }, TOKENS))).toBe('does_not_open');
});

test('any byte changed (nonce, ciphertext, tag), cut off or added: it does not open', () => {
  const seal = tokenSealFor({ clientSecret: 'emulator-secret' });
  const sealed = seal.seal(LOGIN, TOKENS);
  const bytes = body(sealed);
  for (let i = 0; i < bytes.length; i++) {
    for (const flip of [0x01, 0x80]) {
      const changed = Buffer.from(bytes);
      changed[i]! ^= flip;
      expect([i, flip, openCause(seal, LOGIN, withBody(sealed, changed))]).toEqual([i, flip, 'does_not_open']);
    }
  }
  expect(openCause(seal, LOGIN, withBody(sealed, bytes.subarray(0, bytes.length - 1)))).toBe('does_not_open');
  expect(openCause(seal, LOGIN, withBody(sealed, Buffer.concat([bytes, Buffer.from([0])])))).toBe('does_not_open');
  expect(openCause(seal, LOGIN, withBody(sealed, bytes.subarray(0, 28)))).toBe('does_not_open');
  // Two sealed values spliced: the nonce of one with the rest of the other.
  const other = body(seal.seal(LOGIN, TOKENS));
  expect(openCause(seal, LOGIN, withBody(sealed, Buffer.concat([other.subarray(0, 12), bytes.subarray(12)])))).toBe('does_not_open');
});

test('anything else is not a sealed value: plain JSON (0.1.0), junk, an empty string, a wrong format', () => {
  const seal = tokenSealFor({ clientSecret: 'emulator-secret' });
  const sealed = seal.seal(LOGIN, TOKENS);
  for (const value of [JSON.stringify(TOKENS), JSON.stringify({ l: LOGIN, t: TOKENS }), 'junk', '', `t2${sealed.slice(2)}`, sealed.slice(0, 10), `${sealed.slice(0, 11)}x${sealed.slice(12)}`]) {
    expect([value.slice(0, 20), openCause(seal, LOGIN, value)]).toEqual([value.slice(0, 20), 'not_sealed']);
  }
  expect(openCause(seal, LOGIN, 42 as unknown as string)).toBe('not_sealed');
});

test('an authentic value that holds no token set does not open', () => {
  const seal = tokenSealFor({ clientSecret: 'emulator-secret' });
  expect(openCause(seal, LOGIN, seal.seal(LOGIN, { accessToken: 1 } as unknown as EgnyteTokenSet))).toBe('does_not_open');
});

describe('keys', () => {
  test('the default key is derived from clientSecret: another secret does not open, and knows the value is not its own', () => {
    const sealed = tokenSealFor({ clientSecret: 'emulator-secret' }).seal(LOGIN, TOKENS);
    expect(tokenSealFor({ clientSecret: 'emulator-secret' }).open(LOGIN, sealed)).toEqual(TOKENS);
    expect(openCause(tokenSealFor({ clientSecret: 'rotated-secret' }), LOGIN, sealed)).toBe('unknown_key');
  });

  test('with tokenKeys, clientSecret no longer opens; listing clientSecret as a key keeps what it sealed readable', () => {
    const byDefault = tokenSealFor({ clientSecret: 'emulator-secret' });
    const sealed = byDefault.seal(LOGIN, TOKENS);
    expect(openCause(tokenSealFor({ clientSecret: 'emulator-secret', tokenKeys: [KEY_1] }), LOGIN, sealed)).toBe('unknown_key');
    const adopting = tokenSealFor({ clientSecret: 'emulator-secret', tokenKeys: [KEY_1, 'emulator-secret'] });
    expect(adopting.open(LOGIN, sealed)).toEqual(TOKENS);
    expect(adopting.isCurrent(sealed)).toBe(false);
    expect(openCause(byDefault, LOGIN, adopting.seal(LOGIN, TOKENS))).toBe('unknown_key');
  });

  test('rotation: a key added in front seals from now on, the old one still opens; removed, it opens nothing', () => {
    const before = tokenSealFor({ clientSecret: 'emulator-secret', tokenKeys: [KEY_1] });
    const rotated = tokenSealFor({ clientSecret: 'emulator-secret', tokenKeys: [KEY_2, KEY_1] });
    const after = tokenSealFor({ clientSecret: 'emulator-secret', tokenKeys: [KEY_2] });
    const old = before.seal(LOGIN, TOKENS);
    const fresh = rotated.seal(LOGIN, TOKENS);
    expect(rotated.open(LOGIN, old)).toEqual(TOKENS);
    expect(rotated.open(LOGIN, fresh)).toEqual(TOKENS);
    expect([rotated.isCurrent(old), rotated.isCurrent(fresh), before.isCurrent(old)]).toEqual([false, true, true]);
    // New writes use the new key: the instance with the old key alone cannot read them.
    expect(openCause(before, LOGIN, fresh)).toBe('unknown_key');
    expect(after.open(LOGIN, fresh)).toEqual(TOKENS);
    expect(openCause(after, LOGIN, old)).toBe('unknown_key');
    // The key id says which key sealed, and changes with it.
    expect(fresh.slice(0, 12)).not.toBe(old.slice(0, 12));
  });

  test("a value's key id swapped for another known key's: it does not open", () => {
    const rotated = tokenSealFor({ clientSecret: 'emulator-secret', tokenKeys: [KEY_2, KEY_1] });
    const byKey1 = tokenSealFor({ clientSecret: 'emulator-secret', tokenKeys: [KEY_1] }).seal(LOGIN, TOKENS);
    const byKey2 = rotated.seal(LOGIN, TOKENS);
    expect(openCause(rotated, LOGIN, byKey2.slice(0, 12) + byKey1.slice(12))).toBe('does_not_open');
  });
});
