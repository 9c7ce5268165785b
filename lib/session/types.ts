/**
 * What the package keeps in the express-session: pending sign-in attempts and the login
 * with its token set. Tokens live here (and in the coordination record), never in the browser.
 */
import type { EgnyteUser } from '../types.js';

/** The OAuth token set, kept server-side in the session only. */
export interface EgnyteTokenSet {
  /** The access token. */
  accessToken: string;
  /** The refresh token, for the current token generation. */
  refreshToken?: string;
  /** Token type, `bearer`. */
  tokenType: string;
  /** Expiry time in ms since epoch; absent for Egnyte's legacy non-expiring tokens. */
  expiresAt?: number;
  /** Scopes granted, when Egnyte says. */
  scope?: string;
}

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

/** A signed-in login as the session keeps it. */
export interface EgnyteLogin {
  /** Opaque id, stable for the login's life (`req.egnyte.loginId`). */
  id: string;
  /** The user's Egnyte domain. */
  domain: string;
  /** This session's copy of the token set; the coordination record is the latest. */
  tokens: EgnyteTokenSet;
  /** Version of `tokens` in the coordination record. */
  tokensVersion?: number;
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
  /** When the login last served a request, to a minute or so (ms): `idleTimeout` counts from here. */
  lastSeenAt?: number;
  /** Fields `afterCallback` added to the user, merged under Egnyte's on every re-read. */
  userExtra?: Record<string, unknown>;
  /** What `afterCallback` returned as `data`. */
  data?: unknown;
}

/** What the package keeps under `req.session.egnyte`. */
export interface EgnyteSessionData {
  /** Pending login attempts, oldest first (bounded, expiring after 10 minutes). */
  pending?: EgnytePendingLogin[];
  /** The current login, if any. */
  login?: EgnyteLogin;
}
