/**
 * The emulator's default API key and users.
 */
import type { EmulatorClient, EmulatorUser } from './types.js';

/**
 * The default API key: certified (every domain works), redirect URIs on loopback only (any
 * port and path: see `EmulatorClient.redirectUris`).
 */
export const DEFAULT_EMULATOR_CLIENT: Readonly<EmulatorClient> = Object.freeze({
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
});

/** The default internal-application key: the password grant only, no browser step. */
export const DEFAULT_INTERNAL_CLIENT: Readonly<EmulatorClient> = Object.freeze({
  clientId: 'emulator-internal-client',
  clientSecret: 'emulator-internal-secret',
  type: 'internal' as const,
});

/** The default keys: the partner key first (`emulator.clientId`), then the internal one. */
export const DEFAULT_EMULATOR_CLIENTS: readonly Readonly<EmulatorClient>[] = Object.freeze([DEFAULT_EMULATOR_CLIENT, DEFAULT_INTERNAL_CLIENT]);

/**
 * The default users: `acme.egnyte.com` has an admin (`jsmith`, id 121) and a standard user
 * (`bjones`, id 122); `globex.egnyte.com` has a power user (`hscorpio`, id 301) and a
 * standard user (`mlee`, id 302). Every seeded user's password (password grant) is `password`.
 */
export const DEFAULT_EMULATOR_USERS: readonly Readonly<EmulatorUser>[] = Object.freeze([
  Object.freeze({
    id: 121,
    domain: 'acme.egnyte.com',
    username: 'jsmith',
    firstName: 'Jane',
    lastName: 'Smith',
    email: 'jane.smith@acme.example',
    userType: 'admin' as const,
    role: 'IT Administrator',
    active: true,
  }),
  Object.freeze({
    id: 122,
    domain: 'acme.egnyte.com',
    username: 'bjones',
    firstName: 'Bob',
    lastName: 'Jones',
    email: 'bob.jones@acme.example',
    userType: 'standard' as const,
    role: 'Sales',
    active: true,
  }),
  Object.freeze({
    id: 301,
    domain: 'globex.egnyte.com',
    username: 'hscorpio',
    firstName: 'Hank',
    lastName: 'Scorpio',
    email: 'hank.scorpio@globex.example',
    userType: 'power' as const,
    role: 'Chief Executive',
    active: true,
  }),
  Object.freeze({
    id: 302,
    domain: 'globex.egnyte.com',
    username: 'mlee',
    firstName: 'Mina',
    lastName: 'Lee',
    email: 'mina.lee@globex.example',
    userType: 'standard' as const,
    role: 'Engineer',
    active: true,
  }),
]);

/** The password of every emulated user for the password grant. */
export const EMULATOR_USER_PASSWORD = 'password';
