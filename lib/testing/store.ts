/**
 * The emulator's memory: authorization codes, access and refresh tokens, and per-token
 * call timestamps for throttling. Everything is bounded: codes expire, and the oldest
 * entries are dropped past a cap.
 */
import { randomBytes } from 'node:crypto';
import type { PkceChallenge } from './pkce.js';

/** How long an authorization code is valid, in ms. */
export const CODE_TTL_MS = 10 * 60 * 1000;
/** Most codes kept (pending plus recently used). */
export const MAX_CODES = 2_000;
/** Most access tokens (and, separately, refresh tokens) kept. */
export const MAX_TOKENS = 10_000;

/** A random, URL-safe secret value. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** What an authorization code is bound to. */
export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  host: string;
  userId: number;
  scope: string;
  expiresAt: number;
  /** The PKCE challenge of the authorization request: the token request must answer it. */
  pkce?: PkceChallenge;
  /** Set once redeemed: the tokens issued for it (revoked if the code is replayed). */
  redeemed?: { accessToken: string; refreshToken?: string };
}

/** An issued access token. */
export interface AccessTokenRecord {
  clientId: string;
  host: string;
  userId: number;
  /** Absent: never expires (legacy generation). */
  expiresAt?: number;
  /** The refresh token it came with or was refreshed from. */
  refreshToken?: string;
  revoked: boolean;
  /** Set by `expireAccessTokens()`. */
  expired: boolean;
}

/** An issued refresh token. */
export interface RefreshTokenRecord {
  clientId: string;
  host: string;
  userId: number;
  scope: string;
  revoked: boolean;
}

/** Inserts into a Map used as an insertion-ordered cache, dropping the oldest past `max`. */
function boundedSet<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

/** Codes and tokens. */
export class GrantStore {
  private readonly codes = new Map<string, CodeGrant>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  /** Issues a new authorization code. */
  issueCode(grant: Omit<CodeGrant, 'expiresAt' | 'redeemed'>, now = Date.now()): string {
    for (const [code, g] of this.codes) {
      if (g.expiresAt <= now) this.codes.delete(code);
    }
    const code = randomToken();
    boundedSet(this.codes, code, { ...grant, expiresAt: now + CODE_TTL_MS }, MAX_CODES);
    return code;
  }

  /** The (unexpired) grant of a code, redeemed or not. */
  findCode(code: string, now = Date.now()): CodeGrant | undefined {
    const grant = this.codes.get(code);
    if (!grant) return undefined;
    if (grant.expiresAt <= now) {
      this.codes.delete(code);
      return undefined;
    }
    return grant;
  }

  /** Issues an access token (and a refresh token when `withRefresh`). */
  issueTokens(
    binding: { clientId: string; host: string; userId: number; scope: string },
    options: { ttlSeconds?: number; withRefresh: boolean; refreshToken?: string },
    now = Date.now(),
  ): { accessToken: string; refreshToken?: string } {
    let refreshToken = options.refreshToken;
    if (options.withRefresh && refreshToken === undefined) {
      refreshToken = randomToken(32);
      boundedSet(
        this.refreshTokens,
        refreshToken,
        { clientId: binding.clientId, host: binding.host, userId: binding.userId, scope: binding.scope, revoked: false },
        MAX_TOKENS,
      );
    }
    const accessToken = randomToken(32);
    boundedSet(
      this.accessTokens,
      accessToken,
      {
        clientId: binding.clientId,
        host: binding.host,
        userId: binding.userId,
        ...(options.ttlSeconds !== undefined ? { expiresAt: now + options.ttlSeconds * 1000 } : {}),
        ...(refreshToken !== undefined ? { refreshToken } : {}),
        revoked: false,
        expired: false,
      },
      MAX_TOKENS,
    );
    return { accessToken, ...(options.withRefresh && refreshToken !== undefined ? { refreshToken } : {}) };
  }

  /** Every access and refresh token issued (and not yet dropped past the cap), whatever its state. */
  issuedTokens(): string[] {
    return [...this.accessTokens.keys(), ...this.refreshTokens.keys()];
  }

  /** The record of an access token, whatever its state. */
  findAccessToken(token: string): AccessTokenRecord | undefined {
    return this.accessTokens.get(token);
  }

  /** The record of a refresh token, whatever its state. */
  findRefreshToken(token: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(token);
  }

  /** True when the access token can be used now on `host`. */
  isAccessTokenUsable(record: AccessTokenRecord, host: string, now = Date.now()): boolean {
    if (record.revoked || record.expired || record.host !== host) return false;
    return record.expiresAt === undefined || record.expiresAt > now;
  }

  /**
   * Revokes a token given as either an access or a refresh token: the refresh token and
   * every access token tied to it go. Only tokens of `host` are touched (when given).
   */
  revoke(token: string, host?: string): void {
    const access = this.accessTokens.get(token);
    if (access && (host === undefined || access.host === host)) {
      access.revoked = true;
      if (access.refreshToken !== undefined) this.revokeRefresh(access.refreshToken);
      return;
    }
    const refresh = this.refreshTokens.get(token);
    if (refresh && (host === undefined || refresh.host === host)) this.revokeRefresh(token);
  }

  private revokeRefresh(refreshToken: string): void {
    const refresh = this.refreshTokens.get(refreshToken);
    if (refresh) refresh.revoked = true;
    for (const record of this.accessTokens.values()) {
      if (record.refreshToken === refreshToken) record.revoked = true;
    }
  }

  /** The access tokens issued so far that `match` picks answer as expired from now on. */
  expireAccessTokens(match: (record: { host: string; userId: number }) => boolean = () => true): void {
    for (const record of this.accessTokens.values()) if (match(record)) record.expired = true;
  }

  /** Revokes every access and refresh token of one user of `host`. */
  revokeUser(host: string, userId: number): void {
    for (const record of this.accessTokens.values()) if (record.host === host && record.userId === userId) record.revoked = true;
    for (const record of this.refreshTokens.values()) if (record.host === host && record.userId === userId) record.revoked = true;
  }

  /**
   * How many tokens `match` picks still work now: access tokens neither revoked, expired nor past
   * their lifetime, and refresh tokens not revoked.
   */
  countLive(match: (record: { host: string; userId: number }) => boolean, now = Date.now()): { access: number; refresh: number } {
    let access = 0;
    let refresh = 0;
    for (const record of this.accessTokens.values()) if (match(record) && this.isAccessTokenUsable(record, record.host, now)) access += 1;
    for (const record of this.refreshTokens.values()) if (match(record) && !record.revoked) refresh += 1;
    return { access, refresh };
  }

  /** Revokes every token issued so far. */
  revokeAll(): void {
    for (const record of this.accessTokens.values()) record.revoked = true;
    for (const record of this.refreshTokens.values()) record.revoked = true;
  }

  /** Forgets everything. */
  clear(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }
}

/**
 * Per-key sliding window of calls: one second for the qps limit, a day for the quota, an
 * hour for token requests. A key keeps at most `limit` timestamps, so memory stays bounded.
 */
export class QpsMeter {
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
  ) {}

  /** The configured limit (`0`: unlimited). */
  get allotted(): number {
    return this.limit;
  }

  /**
   * Records a call for `key` unless over the limit. Returns whether it is allowed, how many
   * calls the key made in the window (this one included when allowed), and in how many
   * seconds the oldest of them leaves the window.
   */
  hit(key: string, now = Date.now()): { allowed: boolean; current: number; resetSeconds: number } {
    const recent = (this.calls.get(key) ?? []).filter((t) => t > now - this.windowMs);
    const resetSeconds = (oldest: number): number => Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
    if (this.limit > 0 && recent.length >= this.limit) {
      this.calls.set(key, recent);
      return { allowed: false, current: recent.length, resetSeconds: resetSeconds(recent[0] ?? now) };
    }
    recent.push(now);
    // Without a limit only the count matters: keep the window from growing without end.
    if (this.limit === 0 && recent.length > 10_000) recent.splice(0, recent.length - 10_000);
    this.calls.delete(key);
    boundedSet(this.calls, key, recent, MAX_TOKENS);
    return { allowed: true, current: recent.length, resetSeconds: resetSeconds(recent[0] ?? now) };
  }
}
