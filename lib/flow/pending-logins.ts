/**
 * Login attempts waiting for their callback, kept in the session by `state`. Several tabs may
 * sign in at once; attempts are bounded in number and expire.
 */
import type { EgnytePendingLogin, EgnyteSessionData } from '../types.js';

/** How long a login attempt waits for its callback. */
export const PENDING_TTL_MS = 10 * 60 * 1000;
/** How many attempts a session keeps at most; the oldest goes first. */
export const MAX_PENDING = 10;

/** The attempts still valid at `now`, newest last, at most `limit`. Pure. */
export function prunePending(
  pending: Record<string, EgnytePendingLogin> | undefined,
  now: number,
  limit = MAX_PENDING,
): Record<string, EgnytePendingLogin> {
  const live = Object.entries(pending ?? {})
    .filter(([, entry]) => typeof entry?.createdAt === 'number' && now - entry.createdAt < PENDING_TTL_MS && entry.createdAt <= now)
    .sort(([, a], [, b]) => a.createdAt - b.createdAt)
    .slice(-limit);
  return Object.fromEntries(live);
}

/** Records a new attempt in the session data, dropping expired and surplus ones. */
export function addPending(data: EgnyteSessionData, state: string, entry: EgnytePendingLogin): void {
  data.pending = { ...prunePending(data.pending, entry.createdAt, MAX_PENDING - 1), [state]: entry };
}

/** What {@link takePending} found. */
export type TakePendingResult =
  | { ok: true; entry: EgnytePendingLogin }
  | { ok: false; reason: 'no_session_data' | 'unknown' | 'expired' };

/** Removes and returns the attempt for `state`: each state is usable once. */
export function takePending(data: EgnyteSessionData | undefined, state: string, now: number): TakePendingResult {
  if (!data || (!data.pending && !data.login)) return { ok: false, reason: 'no_session_data' };
  const entry = data.pending && Object.hasOwn(data.pending, state) ? data.pending[state] : undefined;
  if (data.pending) {
    const rest = { ...data.pending };
    delete rest[state];
    data.pending = prunePending(rest, now);
  }
  if (!entry) return { ok: false, reason: 'unknown' };
  if (now - entry.createdAt >= PENDING_TTL_MS || entry.createdAt > now) return { ok: false, reason: 'expired' };
  return { ok: true, entry };
}
