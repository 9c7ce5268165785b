/** What Egnyte's token endpoint gives, as the package keeps it. */

/** The OAuth token set of a login, kept server-side in the login's record only (sealed). */
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
