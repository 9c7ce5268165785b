/**
 * A set whose members drop out after a fixed time: remembers which sessions logged out
 * recently, for as long as a request that loaded one of them before the logout may still run.
 */
export class ExpiringSet {
  // Insertion order is expiry order (one TTL for all), so pruning stops at the first live entry.
  private readonly expiries = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  /** Adds `key` until `now + ttlMs`. */
  add(key: string, now = Date.now()): void {
    this.prune(now);
    this.expiries.delete(key);
    this.expiries.set(key, now + this.ttlMs);
  }

  /** True while `key` was added less than `ttlMs` ago. */
  has(key: string, now = Date.now()): boolean {
    const expiry = this.expiries.get(key);
    return expiry !== undefined && expiry > now;
  }

  /** Number of members, live or not yet pruned. */
  get size(): number {
    return this.expiries.size;
  }

  private prune(now: number): void {
    for (const [key, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(key);
    }
  }
}
