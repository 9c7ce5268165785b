/**
 * Login attempts waiting for their callback, kept in the session as a list, each with its
 * `state`. Several tabs may sign in at once; attempts are bounded in number and expire.
 *
 * Why a list and not an object keyed by state: every state is a new random property name, and
 * V8 builds a new hidden class for each one, in every JSON.parse of the session and every
 * write, then recompiles code that meets them. Sessions stored by 0.1 (keyed by state) are
 * still read.
 */
import type { EgnytePendingLogin, EgnyteSessionData } from '../types.js';

/** How long a login attempt waits for its callback. */
export const PENDING_TTL_MS = 10 * 60 * 1000;
/** How many attempts a session keeps at most; the oldest goes first. */
export const MAX_PENDING = 10;

function isAttempt(entry: unknown): entry is EgnytePendingLogin {
  const e = entry as EgnytePendingLogin | undefined;
  return typeof e?.state === 'string' && typeof e.createdAt === 'number';
}

/** The attempts as a list, whether stored as one or, by 0.1, keyed by state. Pure. */
function attemptsOf(pending: unknown): EgnytePendingLogin[] {
  if (Array.isArray(pending)) return pending.filter(isAttempt);
  if (typeof pending !== 'object' || pending === null) return [];
  return Object.entries(pending as Record<string, Omit<EgnytePendingLogin, 'state'>>)
    .map(([state, entry]) => ({ ...entry, state }))
    .filter(isAttempt);
}

function isLive(entry: EgnytePendingLogin, now: number): boolean {
  return now - entry.createdAt < PENDING_TTL_MS && entry.createdAt <= now;
}

/** The attempts still valid at `now`, oldest first, at most `limit` (the newest). Pure. */
export function prunePending(pending: EgnyteSessionData['pending'] | undefined, now: number, limit = MAX_PENDING): EgnytePendingLogin[] {
  return attemptsOf(pending)
    .filter((entry) => isLive(entry, now))
    .sort((a, b) => a.createdAt - b.createdAt)
    .slice(-limit);
}

/** Records a new attempt in the session data, dropping expired and surplus ones. */
export function addPending(data: EgnyteSessionData, entry: EgnytePendingLogin): void {
  data.pending = [...prunePending(data.pending, entry.createdAt, MAX_PENDING - 1), entry];
}

/** What {@link takePending} found. */
export type TakePendingResult =
  | { ok: true; entry: EgnytePendingLogin }
  | { ok: false; reason: 'no_session_data' | 'unknown' | 'expired' };

/** Removes and returns the attempt for `state`: each state is usable once. */
export function takePending(data: EgnyteSessionData | undefined, state: string, now: number): TakePendingResult {
  if (!data || (!data.pending && !data.login)) return { ok: false, reason: 'no_session_data' };
  const attempts = attemptsOf(data.pending);
  const entry = attempts.find((attempt) => attempt.state === state);
  if (data.pending) data.pending = prunePending(attempts.filter((attempt) => attempt !== entry), now);
  if (!entry) return { ok: false, reason: 'unknown' };
  if (!isLive(entry, now)) return { ok: false, reason: 'expired' };
  return { ok: true, entry };
}
