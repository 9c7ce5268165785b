/**
 * A login's limits in time: an absolute lifetime from sign-in (`maxSessionAge`) and an idle
 * limit (`idleTimeout`). Pure functions: the guard asks them on every request, without I/O.
 */
import type { EgnyteLogin } from '../types.js';

/** Why a login is over by time, or `undefined` while it may go on. */
export type LifetimeVerdict = 'max_session_age' | 'idle_timeout' | undefined;

/** Checks a login against the configured limits at `now`. Pure. */
export function lifetimeVerdict(login: EgnyteLogin, now: number, limits: { maxSessionAgeMs: number | undefined; idleTimeoutMs: number | undefined }): LifetimeVerdict {
  if (limits.maxSessionAgeMs !== undefined && now - login.loggedInAt >= limits.maxSessionAgeMs) return 'max_session_age';
  const lastSeen = login.lastSeenAt ?? login.loggedInAt;
  if (limits.idleTimeoutMs !== undefined && now - lastSeen >= limits.idleTimeoutMs) return 'idle_timeout';
  return undefined;
}

/** `lastSeenAt` is stored at this fraction of `idleTimeout` at most, so a busy login is not written on every request. */
const TOUCH_FRACTION = 0.1;
/** ...and never more often than this. */
const MIN_TOUCH_MS = 1000;

/** How often `lastSeenAt` is written at most, for an idle limit of `idleTimeoutMs`. Pure. */
export function touchIntervalMs(idleTimeoutMs: number): number {
  return Math.max(MIN_TOUCH_MS, idleTimeoutMs * TOUCH_FRACTION);
}

/**
 * True when this request should record `lastSeenAt`: only with an idle limit, and only when
 * the stored value is older than a tenth of it. Pure.
 */
export function needsTouch(login: EgnyteLogin, now: number, idleTimeoutMs: number | undefined): boolean {
  if (idleTimeoutMs === undefined) return false;
  const lastSeen = login.lastSeenAt ?? login.loggedInAt;
  return now - lastSeen >= touchIntervalMs(idleTimeoutMs);
}

/**
 * The logins whose `lastSeenAt` this process recorded within the last touch interval. Of N
 * concurrent requests that all find it old, only the first records it: each one would write
 * its whole session back to the store. One interval per `egnyteAuth()`, so entries expire in
 * the order they were made and are dropped from the front as new ones come.
 */
export class RecentTouches {
  private readonly until = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** True for the first caller for `loginId` in an interval; false while another one's touch stands. */
  claim(loginId: string, now: number): boolean {
    const held = this.until.get(loginId);
    if (held !== undefined && held > now) return false;
    for (const [id, expiresAt] of this.until) {
      if (expiresAt > now) break;
      this.until.delete(id);
    }
    this.until.delete(loginId);
    this.until.set(loginId, now + this.intervalMs);
    return true;
  }
}
