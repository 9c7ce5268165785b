/**
 * The log of every request the emulator received, bounded so a long test run or demo does
 * not grow memory without end.
 */
import type { EmulatorRequestLogEntry } from './types.js';

/** Most entries kept; older ones are dropped. */
export const MAX_REQUEST_LOG = 10_000;

/** An append-only, bounded list of requests, oldest first. */
export class RequestLog {
  private entries: EmulatorRequestLogEntry[] = [];

  /** Records a request, stamped with its arrival time (frozen: snapshots hand out the same objects). */
  add(entry: Omit<EmulatorRequestLogEntry, 'at'>, at = Date.now()): void {
    this.entries.push(Object.freeze({ ...entry, at }));
    if (this.entries.length > MAX_REQUEST_LOG) this.entries = this.entries.slice(-MAX_REQUEST_LOG);
  }

  /** A copy of the entries, oldest first. */
  snapshot(): EmulatorRequestLogEntry[] {
    return [...this.entries];
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries = [];
  }
}
