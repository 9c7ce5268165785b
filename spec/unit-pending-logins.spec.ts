/** The pending-login bookkeeping, with explicit clocks. */
import { addPending, MAX_PENDING, PENDING_TTL_MS, prunePending, takePending } from '../lib/flow/pending-logins.js';
import type { EgnytePendingLogin, EgnyteSessionData } from '../lib/types.js';

const T0 = 1_700_000_000_000;
const entry = (state: string, createdAt: number, returnTo = '/'): EgnytePendingLogin => ({ state, returnTo, createdAt });
const states = (data: EgnyteSessionData): string[] => (data.pending ?? []).map((attempt) => attempt.state);

test('constants: 10 attempts, 10 minutes', () => {
  expect(MAX_PENDING).toBe(10);
  expect(PENDING_TTL_MS).toBe(600_000);
});

test('the 11th attempt evicts the oldest', () => {
  const data: EgnyteSessionData = {};
  for (let i = 0; i < 11; i++) addPending(data, entry(`s${i}`, T0 + i * 1000, `/r${i}`));
  expect(states(data)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10']);
  expect(takePending(data, 's0', T0 + 11_000)).toEqual({ ok: false, reason: 'unknown' });
  expect(takePending(data, 's1', T0 + 11_000)).toEqual({ ok: true, entry: entry('s1', T0 + 1000, '/r1') });
});

test('eviction follows createdAt, not insertion order', () => {
  const data: EgnyteSessionData = { pending: [entry('late', T0 + 5), entry('early', T0 + 1)] };
  for (let i = 0; i < 9; i++) addPending(data, entry(`n${i}`, T0 + 10 + i));
  expect(states(data)).not.toContain('early');
  expect(states(data)).toContain('late');
});

test('an attempt expires after 10 minutes', () => {
  const data: EgnyteSessionData = {};
  addPending(data, entry('a', T0));
  addPending(data, entry('b', T0));
  expect(takePending(data, 'a', T0 + PENDING_TTL_MS - 1)).toMatchObject({ ok: true });
  expect(takePending(data, 'b', T0 + PENDING_TTL_MS)).toEqual({ ok: false, reason: 'expired' });
  expect(data.pending).toEqual([]);
});

test('adding an attempt drops the expired ones', () => {
  const data: EgnyteSessionData = {};
  addPending(data, entry('a', T0));
  addPending(data, entry('b', T0 + PENDING_TTL_MS));
  expect(states(data)).toEqual(['b']);
  expect(takePending(data, 'a', T0 + PENDING_TTL_MS)).toEqual({ ok: false, reason: 'unknown' });
});

test('an expired attempt still in the session is reported as expired', () => {
  const data: EgnyteSessionData = { pending: [entry('a', T0)] };
  expect(takePending(data, 'a', T0 + PENDING_TTL_MS)).toEqual({ ok: false, reason: 'expired' });
  expect(data.pending).toEqual([]);
});

test('an attempt from the future is refused', () => {
  expect(takePending({ pending: [entry('a', T0 + 60_000)] }, 'a', T0)).toEqual({ ok: false, reason: 'expired' });
});

test('each state is usable once', () => {
  const data: EgnyteSessionData = {};
  addPending(data, entry('a', T0, '/x'));
  expect(takePending(data, 'a', T0 + 1)).toEqual({ ok: true, entry: entry('a', T0, '/x') });
  expect(takePending(data, 'a', T0 + 2)).toEqual({ ok: false, reason: 'unknown' });
});

test('no session data at all', () => {
  expect(takePending(undefined, 'a', T0)).toEqual({ ok: false, reason: 'no_session_data' });
  expect(takePending({}, 'a', T0)).toEqual({ ok: false, reason: 'no_session_data' });
  expect(takePending({ login: { id: 'l1', domain: 'acme.egnyte.com', loggedInAt: T0, lastSeenAt: T0, endsAt: T0 + 1000 } }, 'a', T0)).toEqual({
    ok: false,
    reason: 'unknown',
  });
});

test('inherited names are not states', () => {
  expect(takePending({ pending: [] }, '__proto__', T0)).toEqual({ ok: false, reason: 'unknown' });
  expect(takePending({ pending: [] }, 'constructor', T0)).toEqual({ ok: false, reason: 'unknown' });
});

test('prunePending drops expired, future and malformed entries and keeps the newest', () => {
  const pending = [
    entry('old', T0 - PENDING_TTL_MS),
    entry('future', T0 + 1),
    { state: 'broken', returnTo: '/' } as unknown as EgnytePendingLogin,
    { returnTo: '/', createdAt: T0 - 4 } as unknown as EgnytePendingLogin,
    entry('c', T0 - 1),
    entry('a', T0 - 3),
    entry('b', T0 - 2),
  ];
  expect(prunePending(pending, T0).map((attempt) => attempt.state)).toEqual(['a', 'b', 'c']);
  expect(prunePending(pending, T0, 2).map((attempt) => attempt.state)).toEqual(['b', 'c']);
  expect(prunePending(undefined, T0)).toEqual([]);
});

test('attempts stored by 0.1 (an object keyed by state) are still taken, once', () => {
  const legacy = { pending: { s1: { returnTo: '/r1', createdAt: T0 }, s2: { returnTo: '/r2', createdAt: T0 + 1 } } } as unknown as EgnyteSessionData;
  expect(takePending(legacy, 's2', T0 + 2)).toEqual({ ok: true, entry: entry('s2', T0 + 1, '/r2') });
  expect(legacy.pending).toEqual([entry('s1', T0, '/r1')]);
  expect(takePending(legacy, 's2', T0 + 3)).toEqual({ ok: false, reason: 'unknown' });
  const older = { pending: { s3: { returnTo: '/r3', createdAt: T0 } } } as unknown as EgnyteSessionData;
  addPending(older, entry('s4', T0 + 1));
  expect(states(older)).toEqual(['s3', 's4']);
});
