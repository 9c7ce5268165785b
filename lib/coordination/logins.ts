/**
 * Each login's shared record: the latest token set with a version, or a tombstone once the
 * login ended. Sessions keep a copy of the tokens for the hot path; this record is what
 * instances agree on when they refresh (compare-and-set, so a stale session write never
 * rolls tokens back) and when they log out (a tombstone no later write can pass).
 */
import type { EgnyteTokenSet } from '../types.js';
import { loginRecordKey } from './keys.js';
import type { EgnyteCoordination } from './types.js';

const ENDED = 'ended';

/** A login's latest tokens as the coordination backend holds them. */
export interface TokenRecord {
  version: number;
  /** The login's Egnyte domain, so a job outside any request can call Egnyte for it. */
  domain: string;
  tokens: EgnyteTokenSet;
  /** The stored form, for compare-and-set. */
  raw: string;
}

/** What the backend holds for a login. */
export type LoginState = { kind: 'live'; record: TokenRecord } | { kind: 'ended' } | { kind: 'unknown' };

function encode(version: number, domain: string, tokens: EgnyteTokenSet): string {
  return `${version}|${JSON.stringify({ domain, tokens })}`;
}

/** Reads a stored record. Pure; anything unreadable counts as unknown. */
export function decodeLoginState(raw: string | undefined): LoginState {
  if (raw === undefined) return { kind: 'unknown' };
  if (raw === ENDED) return { kind: 'ended' };
  const bar = raw.indexOf('|');
  const version = Number(raw.slice(0, bar));
  if (bar < 1 || !Number.isSafeInteger(version)) return { kind: 'unknown' };
  try {
    const { domain, tokens } = JSON.parse(raw.slice(bar + 1)) as { domain: string; tokens: EgnyteTokenSet };
    if (typeof domain !== 'string' || typeof tokens?.accessToken !== 'string') return { kind: 'unknown' };
    return { kind: 'live', record: { version, domain, tokens, raw } };
  } catch {
    return { kind: 'unknown' };
  }
}

/** The answer of {@link LoginRegistry.replaceTokens}. */
export type ReplaceAnswer = { ok: true; record: TokenRecord } | { ok: false; state: LoginState };

/** Token records and tombstones of logins, on one coordination backend. */
export class LoginRegistry {
  /**
   * @param recordTtlMs How long a record outlives its last write: about a session's life.
   * @param tombstoneTtlMs How long an ended login stays ended: as long as any copy of its session may.
   */
  constructor(
    private readonly coordination: EgnyteCoordination,
    private readonly recordTtlMs: number,
    private readonly tombstoneTtlMs: number,
  ) {}

  private key(loginId: string): string {
    return loginRecordKey(loginId);
  }

  /** What the backend holds for the login. */
  async state(loginId: string): Promise<LoginState> {
    return decodeLoginState(await this.coordination.get(this.key(loginId)));
  }

  /** Records a new login's first token set (version 1). */
  async create(loginId: string, domain: string, tokens: EgnyteTokenSet): Promise<TokenRecord> {
    const raw = encode(1, domain, tokens);
    await this.coordination.set(this.key(loginId), raw, this.recordTtlMs);
    return { version: 1, domain, tokens, raw };
  }

  /**
   * Stores `tokens` as the next version if the record is still `expected` (`undefined`: no
   * record, e.g. it expired or the backend lost it); else answers what is there now.
   */
  async replaceTokens(loginId: string, expected: TokenRecord | undefined, domain: string, tokens: EgnyteTokenSet): Promise<ReplaceAnswer> {
    const version = (expected?.version ?? 0) + 1;
    const raw = encode(version, domain, tokens);
    const answer = await this.coordination.compareAndSet(this.key(loginId), expected?.raw, raw, this.recordTtlMs);
    if (answer.ok) return { ok: true, record: { version, domain, tokens, raw } };
    return { ok: false, state: decodeLoginState(answer.current) };
  }

  /** Puts back a lost record (only where none is), so a backend that lost its data loses no login. */
  async restore(loginId: string, version: number, domain: string, tokens: EgnyteTokenSet): Promise<void> {
    await this.coordination.compareAndSet(this.key(loginId), undefined, encode(version, domain, tokens), this.recordTtlMs);
  }

  /**
   * Ends the login everywhere. Answers what it was: already ended (by another request or
   * instance), or its last token set, for revocation.
   */
  async end(loginId: string): Promise<{ alreadyEnded: boolean; tokens?: EgnyteTokenSet }> {
    const before = await this.state(loginId);
    await this.coordination.set(this.key(loginId), ENDED, this.tombstoneTtlMs);
    return { alreadyEnded: before.kind === 'ended', ...(before.kind === 'live' ? { tokens: before.record.tokens } : {}) };
  }

  /** True once the login ended (on any instance). */
  async isEnded(loginId: string): Promise<boolean> {
    return (await this.coordination.get(this.key(loginId))) === ENDED;
  }
}
