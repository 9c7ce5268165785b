/**
 * express-egnyte-auth: sign users in to an Express app with Egnyte (OAuth2 Authorization
 * Code flow, through the Enhanced Auth Service or straight to a known domain).
 *
 * @packageDocumentation
 */
export { egnyteAuth } from './flow/router.js';
export type { EgnyteAuthRouter } from './flow/router.js';
export type { EgnyteBackgroundApi } from './flow/background.js';
export { requireEgnyteUser, attachEgnyteUser, withEgnyteUser } from './guard/guard.js';
export { memoryCoordination } from './coordination/memory.js';
export type { ClaimAnswer, CompareAndSetAnswer, CoordinationLimiterOptions, EgnyteCoordination } from './coordination/types.js';
export { egnyteErrorHandler } from './flow/error-handler.js';
export { egnyteSessionStore } from './session/session-store.js';
export type { EgnyteSessionStoreOptions } from './session/session-store.js';
export { COOKIE_WARNING_CODE } from './config/cookie-check.js';
export { normalizeEgnyteDomain, DEFAULT_HOST_SUFFIXES } from './config/domain.js';
export type { NormalizeDomainOptions } from './config/domain.js';
export { EGNYTE_SERVICE_LABELS } from './config/service-hosts.js';
export { sanitizeReturnTo } from './config/return-to.js';
export { EgnyteAuthError, isEgnyteAuthError } from './errors/errors.js';
export type { EgnyteAuthErrorCode, EgnyteAuthErrorOptions } from './errors/errors.js';
export { ENHANCED_AUTH_URLS } from './config/options.js';
export type { EgnyteApi, EgnyteApiClient } from './egnyte/api-client.js';
export type { EgnyteDirectoryUser, EgnyteFileEntry, EgnyteFolderEntry, EgnyteFolderListing } from './egnyte/api-shapes.js';
export { createEgnytePacer } from './egnyte/pacing.js';
export type { AcquireOptions, EgnyteLimiterFactory, EgnytePacer, EgnytePacerOptions, PaceSlot } from './egnyte/pacing.js';
export { egnyteQuota } from './egnyte/quota.js';
export type { EgnyteQuota, EgnyteUsage, HeadersSource } from './egnyte/quota.js';
export { egnytePasswordGrant } from './password-grant/password-grant.js';
export type { EgnytePasswordGrant } from './password-grant/password-grant.js';
export type { EgnytePasswordGrantOptions } from './password-grant/options.js';
export type {
  EgnyteAuthOptions,
  EgnyteEndpoints,
  EgnyteLogin,
  EgnytePendingLogin,
  EgnyteRegion,
  EgnyteRequest,
  EgnyteRequestContext,
  EgnyteLoginData,
  EgnyteLoginEvent,
  EgnyteLogoutEvent,
  EgnyteLogoutReason,
  EgnyteLoginOptions,
  AfterCallbackResult,
  EgnyteSessionData,
  EgnyteTokenSet,
  EgnyteUser,
  RequireEgnyteUserOptions,
} from './types.js';
