/**
 * What the package keeps in the express-session: pending sign-in attempts, and a reference to
 * the signed-in login with cached copies of its user and times (and a sealed recovery copy of its
 * tokens, which no call uses). The tokens' truth is the login's record; never the browser.
 */
import type { EgnyteTokenSet } from '../egnyte/token-set.js';
import type { EgnyteUser } from '../egnyte/user.js';

export type { EgnyteTokenSet } from '../egnyte/token-set.js';

/** A login attempt waiting for its callback. */
export interface EgnytePendingLogin {
  /** The `state` sent to Egnyte, which the callback must bring back. */
  state: string;
  /** Where to send the browser after the callback. */
  returnTo: string;
  /** The domain chosen at login, when known then. */
  domain?: string;
  /** The PKCE code verifier, sent with the code exchange only (absent with `pkce: false`). */
  codeVerifier?: string;
  /** When the attempt started (ms since epoch). */
  createdAt: number;
}

/**
 * A signed-in login as the session keeps it: a reference to the login's record (its `id`) and
 * cached copies. The tokens' truth is the record, in the coordination backend
 * (`lib/login/record.ts`): every call to Egnyte reads them there. The session keeps only a sealed
 * recovery copy, never used for a call, whose one use is to re-create a record the backend lost.
 */
export interface EgnyteLogin {
  /** Opaque id, stable for the login's life (`req.egnyte.loginId`): the key of its record. */
  id: string;
  /** The user's Egnyte domain. */
  domain: string;
  /**
   * Egnyte's userinfo answer as last read, as received. `req.egnyte.user` is made from it (and
   * `userExtra`) on each request: keeping the answer once, rather than it and the user made of
   * it, keeps the session about a quarter smaller, and every request serialises it a few times.
   */
  userinfo?: Readonly<Record<string, unknown>>;
  /** The user as sessions stored by earlier versions keep it (whole); replaced by `userinfo` at the next re-read. */
  user?: EgnyteUser;
  /** When the user was read (ms since epoch). */
  userFetchedAt?: number;
  /** When the user signed in (ms since epoch): `maxSessionAge` counts from here. */
  loggedInAt: number;
  /** The record's `lastSeenAt` as this session last learned it (ms): when a request of the user was last recorded. */
  lastSeenAt: number;
  /** The record's `endsAt` as this session last learned it (ms): the login is over then unless used again. */
  endsAt: number;
  /** Fields `afterCallback` added to the user, merged under Egnyte's on every re-read. */
  userExtra?: Record<string, unknown>;
  /** What `afterCallback` returned as `data`. */
  data?: unknown;
  /**
   * The record's sealed token set as this session last learned it, with its version: read only
   * to re-create the record when the backend no longer has it (a restart of an in-memory
   * backend, a Redis that lost its data), never while a record or its tombstone exists.
   */
  recovery?: { version: number; tokens: string };
}

/**
 * A login as a session stored by 0.1.0 keeps it: the tokens in the session, the times partly.
 * Read once and migrated to a record (`lib/login/migrate.ts`).
 */
export interface LegacyEgnyteLogin extends Omit<EgnyteLogin, 'id' | 'lastSeenAt' | 'endsAt' | 'recovery'> {
  id?: string;
  lastSeenAt?: number;
  endsAt?: undefined;
  tokens: EgnyteTokenSet;
  tokensVersion?: number;
}

/** What the package keeps under `req.session.egnyte`. */
export interface EgnyteSessionData {
  /** Pending login attempts, oldest first (bounded, expiring after 10 minutes). */
  pending?: EgnytePendingLogin[];
  /** The current login, if any. */
  login?: EgnyteLogin;
}
