/**
 * Read-only look-ups over the configured clients and users: which domains exist, who is on
 * them, which API key is which.
 */
import type { SeededUser } from './options.js';
import type { EmulatorClient } from './types.js';

/** The clients and users of one emulator, indexed for the handlers. */
export class Directory {
  private readonly users: SeededUser[];
  private domains: readonly string[];

  constructor(
    private readonly clients: readonly EmulatorClient[],
    users: readonly SeededUser[],
  ) {
    this.users = [...users];
    this.domains = [...new Set(users.map((u) => u.domain))];
  }

  /** Every domain that has at least one user, in order of first appearance. */
  get knownDomains(): readonly string[] {
    return this.domains;
  }

  /** Every user, in order (a copy). */
  get allUsers(): readonly SeededUser[] {
    return [...this.users];
  }

  /** Adds a user (already validated); a new domain becomes known. */
  addUser(user: SeededUser): void {
    this.users.push(user);
    if (!this.domains.includes(user.domain)) this.domains = [...this.domains, user.domain];
  }

  /** The user of `host` with this username (case-insensitive) or numeric id, active or not. */
  findUserBy(host: string, user: string | number): SeededUser | undefined {
    return typeof user === 'number'
      ? this.findUser(host, user)
      : this.users.find((u) => u.domain === host && u.username.toLowerCase() === user.toLowerCase());
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
