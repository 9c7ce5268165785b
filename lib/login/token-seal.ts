/**
 * How a login's token set rests: sealed with AES-256-GCM (node:crypto), opened only where a
 * token is used (a call to Egnyte, a refresh, a revocation, a background job), never on a guarded
 * request that does not call Egnyte.
 *
 * What a sealed value is: `t1.<key id>.<nonce, ciphertext and tag, base64url>`. The nonce is 12
 * fresh random bytes per seal. The additional data binds the value to its format, its key id, the
 * login id it was sealed for and that login's Egnyte domain: a value copied to another login (or
 * into anything else this package may seal one day) does not open, nor one whose record now names
 * another domain (which would send the tokens there), nor one with a single bit changed.
 *
 * Who holds sealed values: the login's record in the coordination backend (record.ts) and the
 * session's recovery copy of it; nothing else holds tokens. Who can open one: an `egnyteAuth()`
 * given the secret it was sealed with. The keys are derived with HKDF-SHA-256 from the app's
 * secrets at start-up and live only in this process's memory: from `tokenKeys` when given (the
 * first seals, every one opens), else from `clientSecret` alone. No key and no secret is ever
 * stored or logged; a key id (an HKDF output of its own, 48 bits) only says which key sealed.
 *
 * When a value ends: with its record (or the session holding its copy). A value sealed with a
 * key no longer first is sealed again with the first at the login's next use (access.ts), so a
 * rotation reaches every login that is used; a value that does not open at all (its key removed,
 * damaged, copied) ends its login (`token_unreadable`, access.ts), and nothing else.
 */
import { type KeyObject, createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import type { EgnyteTokenSet } from '../session/types.js';

/** Seals and opens token sets for one `egnyteAuth()`. */
export interface TokenSeal {
  /** The stored form of `tokens` for the login `owner`. */
  seal(owner: TokenOwner, tokens: EgnyteTokenSet): string;
  /** The token set of `owner` back; throws {@link TokenUnreadableError} when `sealed` does not open for it. */
  open(owner: TokenOwner, sealed: string): EgnyteTokenSet;
  /** True when `sealed` was sealed with the key that seals now (nothing is decrypted). */
  isCurrent(sealed: string): boolean;
}

/** The login a token set belongs to, as its record names it: what a sealed value is bound to. */
export interface TokenOwner {
  loginId: string;
  /** The login's Egnyte domain, where its tokens are sent. */
  domain: string;
}

/** Why a sealed value did not open, as logs may name it (never the value). */
export type UnreadableCause = 'not_sealed' | 'unknown_key' | 'does_not_open';

const CAUSES: Readonly<Record<UnreadableCause, string>> = {
  not_sealed: 'not a sealed token set',
  unknown_key: 'sealed with a key this instance does not have (removed from tokenKeys, or clientSecret changed)',
  does_not_open: 'does not open (damaged, or sealed for another login or domain)',
};

/** A sealed token set that does not open. Its message names the cause, never the value. */
export class TokenUnreadableError extends Error {
  constructor(readonly why: UnreadableCause) {
    super(`The login's tokens cannot be read: ${CAUSES[why]}.`);
    this.name = 'TokenUnreadableError';
  }
}

function isTokenSet(value: unknown): value is EgnyteTokenSet {
  const tokens = value as Partial<EgnyteTokenSet> | null;
  return typeof tokens === 'object' && tokens !== null && typeof tokens.accessToken === 'string' && typeof tokens.tokenType === 'string';
}

/** Checks what an opened value holds: a token set, or a clear failure. */
export function asTokenSet(value: unknown): EgnyteTokenSet {
  if (!isTokenSet(value)) throw new TypeError('the value holds no token set');
  return value;
}

const FORMAT = 't1';
const SALT = 'express-egnyte-auth token seal';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_LENGTH = 8; // 6 bytes, base64url
/** `t1.` + key id + `.` */
const HEADER_LENGTH = FORMAT.length + 1 + KEY_ID_LENGTH + 1;

interface SealKey {
  id: string;
  key: KeyObject;
}

/** The AES-256 key and the key id of one secret. */
function deriveKey(secret: string): SealKey {
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', secret, SALT, 'aes-256-gcm key', 32)));
  const id = Buffer.from(hkdfSync('sha256', secret, SALT, 'key id', 6)).toString('base64url');
  return { id, key };
}

/** Login ids are base64url and domains host names: joined by NUL, no two owners give the same bytes. */
function additionalData(header: string, { loginId, domain }: TokenOwner): Buffer {
  return Buffer.from(`express-egnyte-auth tokens\0${header}${loginId}\0${domain}`, 'utf8');
}

class AesGcmTokenSeal implements TokenSeal {
  readonly #sealing: SealKey;
  readonly #header: string;
  readonly #opening: ReadonlyMap<string, KeyObject>;

  constructor(secrets: readonly string[]) {
    const keys = secrets.map(deriveKey);
    this.#sealing = keys[0]!;
    this.#header = `${FORMAT}.${this.#sealing.id}.`;
    this.#opening = new Map(keys.map(({ id, key }) => [id, key]));
  }

  seal(owner: TokenOwner, tokens: EgnyteTokenSet): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#sealing.key, nonce);
    cipher.setAAD(additionalData(this.#header, owner));
    const body = Buffer.concat([nonce, cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return this.#header + body.toString('base64url');
  }

  open(owner: TokenOwner, sealed: string): EgnyteTokenSet {
    if (typeof sealed !== 'string' || !sealed.startsWith(`${FORMAT}.`) || sealed.charAt(HEADER_LENGTH - 1) !== '.') throw new TokenUnreadableError('not_sealed');
    const header = sealed.slice(0, HEADER_LENGTH);
    const key = this.#opening.get(header.slice(FORMAT.length + 1, -1));
    if (!key) throw new TokenUnreadableError('unknown_key');
    const body = Buffer.from(sealed.slice(HEADER_LENGTH), 'base64url');
    if (body.length <= NONCE_BYTES + TAG_BYTES) throw new TokenUnreadableError('does_not_open');
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, NONCE_BYTES));
      decipher.setAAD(additionalData(header, owner));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      plain = decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES), undefined, 'utf8') + decipher.final('utf8');
    } catch {
      throw new TokenUnreadableError('does_not_open');
    }
    try {
      return asTokenSet(JSON.parse(plain));
    } catch {
      // Authentic, so sealed by a holder of the key: but not by this package's rules.
      throw new TokenUnreadableError('does_not_open');
    }
  }

  isCurrent(sealed: string): boolean {
    return sealed.startsWith(this.#header);
  }
}

/** The secrets an `egnyteAuth()` seals tokens with: `tokenKeys` when given, else `clientSecret`. */
export interface TokenSealSecrets {
  clientSecret: string;
  tokenKeys?: readonly string[] | undefined;
}

/**
 * The seal of an `egnyteAuth()` with these options (validated ones: resolveConfig checks
 * `tokenKeys`). Also for the package's specs, which read records as the app keeps them; not
 * part of the public API.
 */
export function tokenSealFor({ clientSecret, tokenKeys }: TokenSealSecrets): TokenSeal {
  return new AesGcmTokenSeal(tokenKeys && tokenKeys.length > 0 ? tokenKeys : [clientSecret]);
}
