/** The pending-login bookkeeping, with explicit clocks. */
import { addPending, MAX_PENDING, PENDING_TTL_MS, prunePending, takePending } from '../lib/flow/pending-logins.js';
import type { EgnytePendingLogin, EgnyteSessionData } from '../lib/types.js';

const T0 = 1_700_000_000_000;
const entry = (createdAt: number, returnTo = '/'): EgnytePendingLogin => ({ returnTo, createdAt });

test('constants: 10 attempts, 10 minutes', () => {
  expect(MAX_PENDING).toBe(10);
  expect(PENDING_TTL_MS).toBe(600_000);
});

test('the 11th attempt evicts the oldest', () => {
  const data: EgnyteSessionData = {};
  for (let i = 0; i < 11; i++) addPending(data, `s${i}`, entry(T0 + i * 1000, `/r${i}`));
  expect(Object.keys(data.pending!).sort()).toEqual(['s1', 's10', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9']);
  expect(takePending(data, 's0', T0 + 11_000)).toEqual({ ok: false, reason: 'unknown' });
  expect(takePending(data, 's1', T0 + 11_000)).toEqual({ ok: true, entry: entry(T0 + 1000, '/r1') });
});

test('eviction follows createdAt, not insertion order', () => {
  const data: EgnyteSessionData = { pending: { late: entry(T0 + 5), early: entry(T0 + 1) } };
  for (let i = 0; i < 9; i++) addPending(data, `n${i}`, entry(T0 + 10 + i));
  expect(data.pending).not.toHaveProperty('early');
  expect(data.pending).toHaveProperty('late');
});

test('an attempt expires after 10 minutes', () => {
  const data: EgnyteSessionData = {};
  addPending(data, 'a', entry(T0));
  addPending(data, 'b', entry(T0));
  expect(takePending(data, 'a', T0 + PENDING_TTL_MS - 1)).toMatchObject({ ok: true });
  expect(takePending(data, 'b', T0 + PENDING_TTL_MS)).toEqual({ ok: false, reason: 'expired' });
  expect(data.pending).toEqual({});
});

test('adding an attempt drops the expired ones', () => {
  const data: EgnyteSessionData = {};
  addPending(data, 'a', entry(T0));
  addPending(data, 'b', entry(T0 + PENDING_TTL_MS));
  expect(Object.keys(data.pending!)).toEqual(['b']);
  expect(takePending(data, 'a', T0 + PENDING_TTL_MS)).toEqual({ ok: false, reason: 'unknown' });
});

test('an expired attempt still in the session is reported as expired', () => {
  const data: EgnyteSessionData = { pending: { a: entry(T0) } };
  expect(takePending(data, 'a', T0 + PENDING_TTL_MS)).toEqual({ ok: false, reason: 'expired' });
  expect(data.pending).toEqual({});
});

test('an attempt from the future is refused', () => {
  expect(takePending({ pending: { a: entry(T0 + 60_000) } }, 'a', T0)).toEqual({ ok: false, reason: 'expired' });
});

test('each state is usable once', () => {
  const data: EgnyteSessionData = {};
  addPending(data, 'a', entry(T0, '/x'));
  expect(takePending(data, 'a', T0 + 1)).toEqual({ ok: true, entry: entry(T0, '/x') });
  expect(takePending(data, 'a', T0 + 2)).toEqual({ ok: false, reason: 'unknown' });
});

test('no session data at all', () => {
  expect(takePending(undefined, 'a', T0)).toEqual({ ok: false, reason: 'no_session_data' });
  expect(takePending({}, 'a', T0)).toEqual({ ok: false, reason: 'no_session_data' });
  expect(takePending({ login: { id: 'l1', domain: 'acme.egnyte.com', tokens: { accessToken: 't', tokenType: 'bearer' }, loggedInAt: T0 } }, 'a', T0)).toEqual({
    ok: false,
    reason: 'unknown',
  });
});

test('inherited names are not states', () => {
  expect(takePending({ pending: {} }, '__proto__', T0)).toEqual({ ok: false, reason: 'unknown' });
  expect(takePending({ pending: {} }, 'constructor', T0)).toEqual({ ok: false, reason: 'unknown' });
});

test('prunePending drops expired, future and malformed entries and keeps the newest', () => {
  const pending = {
    old: entry(T0 - PENDING_TTL_MS),
    future: entry(T0 + 1),
    broken: { returnTo: '/' } as unknown as EgnytePendingLogin,
    a: entry(T0 - 3),
    b: entry(T0 - 2),
    c: entry(T0 - 1),
  };
  expect(Object.keys(prunePending(pending, T0))).toEqual(['a', 'b', 'c']);
  expect(Object.keys(prunePending(pending, T0, 2))).toEqual(['b', 'c']);
  expect(prunePending(undefined, T0)).toEqual({});
});
