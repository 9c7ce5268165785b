/**
 * Read-only look-ups over the configured clients and users: which domains exist, who is on
 * them, which API key is which.
 */
import type { SeededUser } from './options.js';
import type { EmulatorClient } from './types.js';

/** The clients and users of one emulator, indexed for the handlers. */
export class Directory {
  /** Every domain that has at least one user, in order of first appearance. */
  readonly knownDomains: readonly string[];

  constructor(
    private readonly clients: readonly EmulatorClient[],
    private readonly users: readonly SeededUser[],
  ) {
    this.knownDomains = [...new Set(users.map((u) => u.domain))];
  }

  /** True when `host` (normalised) is an emulated domain. */
  isKnownDomain(host: string): boolean {
    return this.knownDomains.includes(host);
  }

  /** The users of `host` who may sign in, in configured order. */
  activeUsersOf(host: string): SeededUser[] {
    return this.users.filter((u) => u.domain === host && u.active !== false);
  }

  /** The user `id` of `host`, active or not. */
  findUser(host: string, id: number): SeededUser | undefined {
    return this.users.find((u) => u.domain === host && u.id === id);
  }

  /** The client with this `client_id`; undefined when absent or unknown. */
  findClient(clientId: string | undefined): EmulatorClient | undefined {
    return clientId === undefined ? undefined : this.clients.find((c) => c.clientId === clientId);
  }
}
