/**
 * The names of the emulated endpoints, as used by counters, faults and routing.
 */
import type { EmulatorEndpointName } from './types.js';

/** Every endpoint name, in a stable order. */
export const EMULATOR_ENDPOINT_NAMES: readonly EmulatorEndpointName[] = Object.freeze([
  'enhancedAuth',
  'authorize',
  'token',
  'userinfo',
  'users',
  'revoke',
  'fs',
]);
