/**
 * `express-egnyte-auth/testing`: a local Egnyte emulator for tests and demos.
 *
 * @example
 * ```ts
 * import { egnyteAuth } from 'express-egnyte-auth';
 * import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
 *
 * const egnyte = await startEgnyteEmulator();
 * app.use(egnyteAuth({ clientId: egnyte.clientId, clientSecret: egnyte.clientSecret, baseUrl: 'http://localhost:3000', endpoints: egnyte.endpoints }));
 * // ... test the app ...
 * await egnyte.close();
 * ```
 *
 * The same emulator runs as a command for developing an app: `npx egnyte-emulator`.
 */
export { startEgnyteEmulator, EMULATOR_ENDPOINT_NAMES } from './emulator.js';
export { emulatorEndpoints } from './endpoints.js';
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
