/**
 * express-egnyte-auth: sign users in to an Express app with Egnyte (OAuth2 Authorization
 * Code flow, through the Enhanced Auth Service or straight to a known domain).
 *
 * @packageDocumentation
 */
export { egnyteAuth } from './router.js';
export { requireEgnyteUser } from './guard.js';
export { egnyteErrorHandler } from './error-handler.js';
export { egnyteSessionStore } from './session-store.js';
export type { EgnyteSessionStoreOptions } from './session-store.js';
export { COOKIE_WARNING_CODE } from './cookie-check.js';
export { normalizeEgnyteDomain, DEFAULT_HOST_SUFFIXES } from './domain.js';
export type { NormalizeDomainOptions } from './domain.js';
export { sanitizeReturnTo } from './return-to.js';
export { EgnyteAuthError, isEgnyteAuthError } from './errors.js';
export type { EgnyteAuthErrorCode, EgnyteAuthErrorOptions } from './errors.js';
export { ENHANCED_AUTH_URLS } from './config.js';
export type {
  EgnyteAuthOptions,
  EgnyteEndpoints,
  EgnytePendingLogin,
  EgnyteRegion,
  EgnyteRequestContext,
  EgnyteSessionData,
  EgnyteTokenSet,
  EgnyteUser,
  RequireEgnyteUserOptions,
} from './types.js';
