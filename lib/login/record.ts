/**
 * A login's one record: the single truth about a signed-in login, shared by every instance.
 *
 * What it holds: the token set (sealed, see token-seal.ts) with its version, the Egnyte domain,
 * when the user signed in, when a request of the user was last seen, and when the login is over
 * if nobody uses it again (`endsAt`, lifetime.ts). Or, once the login ended, its tombstone (the
 * reason). Nothing else holds tokens: the session keeps only a reference to the record (the
 * login id) and cached copies of its times and of the user.
 *
 * Who may hold it: the coordination backend, under `loginRecordKey(id)`. Login ids are random
 * (newLoginId), known to the session that signed in and to whatever the app handed
 * `req.egnyte.loginId` to.
 *
 * Who may change it, and how: only through this module, one atomic backend operation per
 * transition, never a read then a blind write:
 * - created once at sign-in, only where nothing is (compare-and-set from nothing); a 0.1.0
 *   login's old record (its tokens in the clear, under `legacyLoginRecordKey`) is deleted once
 *   its session's login moved here (migrate.ts);
 * - tokens replaced by a refresh, and activity recorded by a request of the user, each a
 *   compare-and-set against the exact value read (a lost race is retried on the newer value, so
 *   a refresh never undoes a touch nor a touch a refresh);
 * - the same tokens sealed again with the first of `tokenKeys` (same version) by a use after a
 *   key rotation, only while the record still holds the value that use opened (access.ts);
 * - ended by `end()`: one swap to the tombstone, which answers what was there before, so of any
 *   number of concurrent ends exactly one learns that it ended a live login (and gets its tokens
 *   to revoke). No operation turns a tombstone back into a live record.
 *
 * When it ends, and what ends with it: a live record expires `RECORD_GRACE_MS` after its
 * `endsAt` (so the first request or job after the end still finds its tokens to revoke and its
 * times to say why); a tombstone lives as long as the login could still have, plus the same grace,
 * so no session that refers to the login outlives it. A record that is absent is unknown: ended
 * long ago, or lost by the backend; either way nobody can use it.
 */
import { legacyLoginRecordKey, loginRecordKey } from '../coordination/keys.js';
import type { EgnyteCoordination } from '../coordination/types.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { randomValue } from '../random.js';
import type { EgnyteLogoutReason } from '../types.js';
import { RECORD_GRACE_MS } from './lifetime.js';

/** Why a login ended: the reasons `onLogout` is told, plus a sign-in that failed half-way (never told). */
export type EndReason = EgnyteLogoutReason | 'sign_in_failed';

/** A new login id: 144 random bits, base64url. Unguessable, since it names the record (and `egnyteApiFor` takes it). */
export function newLoginId(): string {
  return randomValue(18);
}

/** A live login as its record holds it. */
export interface LiveLogin {
  /** Version of `tokens`: 1 at sign-in, one more at each refresh. */
  version: number;
  /** The login's Egnyte domain. */
  domain: string;
  /** The token set, sealed (token-seal.ts): opened only where a token is used. */
  tokens: string;
  /** When the user signed in (ms since epoch). */
  loggedInAt: number;
  /** When a request of the user was last recorded (ms). */
  lastSeenAt: number;
  /** When the login is over if nobody uses it again (ms). */
  endsAt: number;
}

/** What the backend holds for a login. `raw` is the stored form, for compare-and-set. */
export type LoginState = { kind: 'live'; login: LiveLogin; raw: string } | { kind: 'ended'; reason: EndReason } | { kind: 'absent' };

const ABSENT: LoginState = Object.freeze({ kind: 'absent' });
const END_REASONS: ReadonlySet<string> = new Set<EndReason>([
  'logout', 'signed_in_again', 'max_session_age', 'idle_timeout', 'token_refused', 'domain_not_allowed', 'login_lost', 'token_unreadable', 'sign_in_failed',
]);
/** Compare-and-set retries before a transition gives up: each retry means another writer won a race, which settles fast. */
const MAX_RETRIES = 8;

function encode(login: LiveLogin): string {
  return JSON.stringify({ v: login.version, d: login.domain, t: login.tokens, in: login.loggedInAt, seen: login.lastSeenAt, end: login.endsAt });
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Reads a stored record. Pure; anything unreadable counts as absent. */
export function decodeLoginState(raw: string | undefined): LoginState {
  if (raw === undefined) return ABSENT;
  let stored: Record<string, unknown>;
  try {
    stored = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return ABSENT;
  }
  if (typeof stored !== 'object' || stored === null) return ABSENT;
  if (typeof stored.ended === 'string') return { kind: 'ended', reason: END_REASONS.has(stored.ended) ? (stored.ended as EndReason) : 'logout' };
  const { v, d, t, in: loggedInAt, seen, end } = stored;
  if (!isNumber(v) || typeof d !== 'string' || typeof t !== 'string' || !isNumber(loggedInAt) || !isNumber(seen) || !isNumber(end)) return ABSENT;
  return { kind: 'live', login: { version: v, domain: d, tokens: t, loggedInAt, lastSeenAt: seen, endsAt: end }, raw };
}

/** The record of a live login expires this long from now: its grace after `endsAt`. */
function liveTtlMs(login: LiveLogin, now: number): number {
  return Math.max(login.endsAt - now, 0) + RECORD_GRACE_MS;
}

/** What a login's record held in 0.1.0 (`version|{domain,tokens}` or `ended`), under its old key. */
export type LegacyState = { kind: 'live'; version: number; tokens: unknown } | { kind: 'ended' } | { kind: 'absent' };

/** Reads a record stored by 0.1.0. Pure. */
export function decodeLegacyState(raw: string | undefined): LegacyState {
  if (raw === undefined) return { kind: 'absent' };
  if (raw === 'ended') return { kind: 'ended' };
  const bar = raw.indexOf('|');
  const version = Number(raw.slice(0, bar));
  if (bar < 1 || !Number.isSafeInteger(version)) return { kind: 'absent' };
  try {
    const { tokens } = JSON.parse(raw.slice(bar + 1)) as { tokens: unknown };
    return { kind: 'live', version, tokens };
  } catch {
    return { kind: 'absent' };
  }
}

/** The answer of {@link LoginRecords.end}. */
export interface EndAnswer {
  /** True for the one call that turned the login from live (or unknown) into ended. */
  ended: boolean;
  /** What the record held before: the live login (for its tokens and domain), or nothing. */
  previous: LiveLogin | undefined;
}

/** Login records on one coordination backend. */
export class LoginRecords {
  constructor(private readonly coordination: EgnyteCoordination) {}

  /** What the backend holds for the login. */
  async read(loginId: string): Promise<LoginState> {
    return decodeLoginState(await this.coordination.get(loginRecordKey(loginId)));
  }

  /** What 0.1.0 left under the login's old key (for migrating its sessions). */
  async readLegacy(loginId: string): Promise<LegacyState> {
    return decodeLegacyState(await this.coordination.get(legacyLoginRecordKey(loginId)));
  }

  /** Deletes what 0.1.0 left under the login's old key (its tokens in the clear), once migrated. */
  async forgetLegacy(loginId: string): Promise<void> {
    await this.coordination.delete(legacyLoginRecordKey(loginId));
  }

  /**
   * Records a new login, only where nothing is: answers the record there now (the new one, or
   * what was there before: another request migrated the same login, or it ended).
   */
  async create(loginId: string, login: LiveLogin, now = Date.now()): Promise<LoginState> {
    const raw = encode(login);
    const answer = await this.coordination.compareAndSet(loginRecordKey(loginId), undefined, raw, liveTtlMs(login, now));
    return answer.ok ? { kind: 'live', login, raw } : decodeLoginState(answer.current);
  }

  /**
   * Changes a live login atomically: `change` gets the current login and answers the next one,
   * or `undefined` to leave it. Retried on the newer value when another writer got in between.
   * Answers the state after: the changed login, the untouched one, or not live at all.
   */
  async update(loginId: string, change: (login: LiveLogin) => LiveLogin | undefined, now = Date.now()): Promise<LoginState> {
    const key = loginRecordKey(loginId);
    let state = decodeLoginState(await this.coordination.get(key));
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      if (state.kind !== 'live') return state;
      const next = change(state.login);
      if (next === undefined) return state;
      const raw = encode(next);
      const answer = await this.coordination.compareAndSet(key, state.raw, raw, liveTtlMs(next, now));
      if (answer.ok) return { kind: 'live', login: next, raw };
      state = decodeLoginState(answer.current);
    }
    throw new EgnyteAuthError('coordination_unavailable', 'The login changed too often at once to record this change. Try again in a moment.', { retryAfter: 1 });
  }

  /**
   * Ends the login everywhere: one swap to its tombstone. Exactly one of any number of
   * concurrent calls gets `ended: true`, with the live login that was there (if any).
   */
  async end(loginId: string, reason: EndReason, now = Date.now()): Promise<EndAnswer> {
    const key = loginRecordKey(loginId);
    // As long as the login could have lived, and the grace after: no session refers to it for longer.
    const current = decodeLoginState(await this.coordination.get(key));
    const until = current.kind === 'live' ? Math.max(current.login.endsAt - now, 0) : 0;
    if (current.kind === 'ended') return { ended: false, previous: undefined };
    const previous = decodeLoginState(await this.coordination.swap(key, JSON.stringify({ ended: reason }), until + RECORD_GRACE_MS));
    if (previous.kind === 'ended') return { ended: false, previous: undefined };
    return { ended: true, previous: previous.kind === 'live' ? previous.login : undefined };
  }
}

