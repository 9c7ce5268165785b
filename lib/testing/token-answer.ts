/**
 * The JSON a token request answers with, in each of Egnyte's token generations. Pure.
 */
import type { EmulatorSettings } from './options.js';

/** The settings that shape token answers. */
export type TokenSettings = Pick<EmulatorSettings, 'tokenGeneration' | 'ttlSeconds'>;

/** The tokens to put in an answer. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken?: string;
}

/**
 * The answer body: `current` gives a refresh token (when there is one) and the configured
 * lifetime; the legacy generations give a non-expiring token (`expires_in: -1`) only.
 */
export function tokenAnswer(settings: TokenSettings, tokens: IssuedTokens): Record<string, unknown> {
  switch (settings.tokenGeneration) {
    case 'legacy':
      return { access_token: tokens.accessToken, token_type: 'bearer', expires_in: -1 };
    case 'legacy-no-token-type':
      return { access_token: tokens.accessToken, expires_in: -1 };
    case 'current':
      return {
        access_token: tokens.accessToken,
        ...(tokens.refreshToken !== undefined ? { refresh_token: tokens.refreshToken } : {}),
        token_type: 'bearer',
        expires_in: settings.ttlSeconds,
      };
  }
}

/** How to issue the tokens of a new grant (code or password): legacy tokens never expire and have no refresh token. */
export function newGrantIssueOptions(settings: TokenSettings): { ttlSeconds?: number; withRefresh: boolean } {
  return settings.tokenGeneration === 'current' ? { ttlSeconds: settings.ttlSeconds, withRefresh: true } : { withRefresh: false };
}
