/**
 * `express-egnyte-auth/testing`: a local Egnyte emulator for tests and demos.
 *
 * @example
 * ```ts
 * import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
 * const egnyte = await startEgnyteEmulator();
 * // egnyteAuth({ clientId: egnyte.clientId, clientSecret: egnyte.clientSecret, endpoints: egnyte.endpoints, ... })
 * await egnyte.close();
 * ```
 */
export { startEgnyteEmulator, EMULATOR_ENDPOINT_NAMES } from './emulator.js';
export { signInAs, createCookieJar } from './sign-in-as.js';
export type { CookieJar, SignInAsOptions, SignInAsResult, SupertestAgentLike, SupertestRequestLike } from './sign-in-as.js';
export { DEFAULT_EMULATOR_CLIENT, DEFAULT_EMULATOR_CLIENTS, DEFAULT_EMULATOR_USERS, DEFAULT_INTERNAL_CLIENT, EMULATOR_USER_PASSWORD } from './seed.js';
export type {
  EgnyteEmulator,
  EgnyteEmulatorOptions,
  EmulatorClient,
  EmulatorEndpointName,
  EmulatorFault,
  EmulatorFaultKind,
  EmulatorRequestLogEntry,
  EmulatorTokenFilter,
  EmulatorTokenGeneration,
  EmulatorTokenGrantCounts,
  EmulatorTokenRequest,
  EmulatorUser,
} from './types.js';
