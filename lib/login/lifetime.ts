/**
 * A login's limits in time, as pure functions: every path that uses a login (the guard,
 * `attachEgnyteUser`, `req.egnyte.fetch`/`api`, `egnyteApiFor`) asks these same rules.
 *
 * - `maxSessionAge`: absolute, from sign-in.
 * - The activity window: how long a login may go without a request of its user. The shorter of
 *   `idleTimeout` and the session cookie's `maxAge` (a session cannot outlive its cookie's
 *   `maxAge` after its last request, so neither can its login); a day when neither is set (the
 *   session stores' usual default). Only requests of the user count: background work is not
 *   activity.
 * - `endsAt`: when the login is over if nobody uses it again, the earlier of the two. The
 *   login's record keeps it (and expires a grace period after it), and the session caches it.
 */

/** Why a login is over by time. */
export type TimeVerdict = 'max_session_age' | 'idle_timeout';

/** The configured limits, in ms (`undefined`: not set). */
export interface LifetimeLimits {
  maxSessionAgeMs: number | undefined;
  idleTimeoutMs: number | undefined;
}

/** A login's times, as its record or its session's copy holds them (ms since epoch). */
export interface LoginTimes {
  loggedInAt: number;
  lastSeenAt: number;
  endsAt: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The activity window when neither `idleTimeout` nor the cookie's `maxAge` says. */
export const DEFAULT_ACTIVITY_WINDOW_MS = DAY_MS;
/**
 * How long a record outlives its `endsAt`: the first request or job after the end still finds
 * its tokens (to revoke them) and its times (to say why it ended), and an ended login's
 * tombstone outlives any session that may still refer to it.
 */
export const RECORD_GRACE_MS = DAY_MS;

/** `lastSeenAt` is recorded at most every tenth of the window, so a busy login is not written on every request. */
const TOUCH_FRACTION = 0.1;
/** ...and at most ten times a second. */
const MIN_TOUCH_MS = 100;

/** The activity window for these limits and a session cookie with `maxAge` (ms, if any). Pure. */
export function activityWindowMs(limits: LifetimeLimits, cookieMaxAgeMs: number | null | undefined): number {
  const cookie = typeof cookieMaxAgeMs === 'number' && cookieMaxAgeMs > 0 ? cookieMaxAgeMs : undefined;
  const shortest = Math.min(limits.idleTimeoutMs ?? Infinity, cookie ?? Infinity);
  return Number.isFinite(shortest) ? shortest : DEFAULT_ACTIVITY_WINDOW_MS;
}

/** When a login seen at `lastSeenAt` is over if nobody uses it again. Pure. */
export function endsAtOf(loggedInAt: number, lastSeenAt: number, windowMs: number, limits: LifetimeLimits): number {
  const idleEnd = lastSeenAt + windowMs;
  return limits.maxSessionAgeMs === undefined ? idleEnd : Math.min(idleEnd, loggedInAt + limits.maxSessionAgeMs);
}

/**
 * Why the login is over at `now`, or `undefined` while it may go on: by the limits configured
 * now, and by the `endsAt` it was given (the cookie's window included). Pure.
 */
export function timeVerdict(times: LoginTimes, now: number, limits: LifetimeLimits): TimeVerdict | undefined {
  const { maxSessionAgeMs, idleTimeoutMs } = limits;
  if (maxSessionAgeMs !== undefined && now - times.loggedInAt >= maxSessionAgeMs) return 'max_session_age';
  if (idleTimeoutMs !== undefined && now - times.lastSeenAt >= idleTimeoutMs) return 'idle_timeout';
  if (now >= times.endsAt) return maxSessionAgeMs !== undefined && times.endsAt >= times.loggedInAt + maxSessionAgeMs ? 'max_session_age' : 'idle_timeout';
  return undefined;
}

/** How often `lastSeenAt` is recorded at most, for an activity window of `windowMs`. Pure. */
export function touchIntervalMs(windowMs: number): number {
  return Math.max(MIN_TOUCH_MS, windowMs * TOUCH_FRACTION);
}

/** True when a request of the user should record its activity now. Pure. */
export function needsTouch(times: Pick<LoginTimes, 'lastSeenAt'>, now: number, windowMs: number): boolean {
  return now - times.lastSeenAt >= touchIntervalMs(windowMs);
}

/**
 * The logins whose activity this process is recording, or recorded within the last touch
 * interval. Of N concurrent requests that all find `lastSeenAt` old, only the first records it:
 * each would cost a write of the record and of the session. Entries expire in the order they
 * were made, so they are dropped from the front as new ones come.
 */
export class RecentTouches {
  private readonly until = new Map<string, number>();

  /** True for the first caller for `loginId` within `intervalMs`; false while another one's touch stands. */
  claim(loginId: string, now: number, intervalMs: number): boolean {
    const held = this.until.get(loginId);
    if (held !== undefined && held > now) return false;
    for (const [id, expiresAt] of this.until) {
      if (expiresAt > now) break;
      this.until.delete(id);
    }
    this.until.delete(loginId);
    this.until.set(loginId, now + intervalMs);
    return true;
  }

  /** True while a touch of `loginId` stands (recording now, or recorded within its interval). */
  isHeld(loginId: string, now: number): boolean {
    const held = this.until.get(loginId);
    return held !== undefined && held > now;
  }

  /** Lets the next request try again (the touch failed). */
  release(loginId: string): void {
    this.until.delete(loginId);
  }
}
