/**
 * Issue 11: the memory backend forgets expired entries as writes go on, whatever lives in front
 * of them. Its sweep looked only at the oldest few entries: behind a day-long login record,
 * every shorter-lived one (a callback's shared outcome, a re-read's) stayed for a day. Counted,
 * never timed: entries held after the short ones expired and more writes came.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memoryCoordination } from '../../lib/index.js';
import { SingleFlight } from '../../lib/coordination/single-flight.js';

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('entries written behind long-lived ones are swept once they expire', async () => {
  const coordination = memoryCoordination();
  for (let i = 0; i < 100; i++) await coordination.set(`login:${i}`, 'record', 86_400_000);
  for (let i = 0; i < 1000; i++) await coordination.set(`state:result:${i}`, 'outcome', 50);
  await settle(100);
  // Later writes (sign-ins going on) sweep as they come.
  for (let i = 0; i < 1000; i++) await coordination.set(`later:${i}`, 'x', 86_400_000);
  // The 100 + 1000 long-lived entries, and few if any of the expired 1000.
  expect(coordination.size).toBeLessThan(1100 + 50);
  expect(await coordination.get('login:0')).toBe('record');
  expect(await coordination.get('later:999')).toBe('x');
});

test("the limiter's records are swept the same way behind day-long ones", async () => {
  const coordination = memoryCoordination();
  const day = coordination.limiter({ keyPrefix: 'day', points: 1000, duration: 86_400 });
  const second = coordination.limiter({ keyPrefix: 'qps', points: 1, duration: 1 });
  // One storage per limiter: mix lifetimes within one, as the pacer's lanes do (held 13 s, then 1 s).
  for (let i = 0; i < 100; i++) await second.consume(`held-${i}`, 1, { customDuration: 86_400 });
  for (let i = 0; i < 1000; i++) await second.consume(`lane-${i}`);
  await day.consume('someone');
  await settle(1100);
  for (let i = 0; i < 1000; i++) await second.consume(`later-${i}`);
  const storage = (second as unknown as { _memoryStorage: { _storage: Map<string, unknown> } })._memoryStorage._storage;
  expect(storage.size).toBeLessThan(1100 + 50);
});

test("a process's shared results are swept behind long-shared ones", async () => {
  const flights = new SingleFlight<number>((ms) => ms);
  for (let i = 0; i < 100; i++) await flights.run(`backoff-${i}`, async () => 300_000);
  for (let i = 0; i < 1000; i++) await flights.run(`grace-${i}`, async () => 50);
  await settle(100);
  for (let i = 0; i < 1000; i++) await flights.run(`later-${i}`, async () => 300_000);
  expect(flights.size).toBeLessThan(1100 + 50);
});

/** Heap growth, after collection, of keeping what `fill` returns. */
async function retainedBytes(fill: () => Promise<unknown>): Promise<number> {
  const gc = collector();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = await fill();
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(kept).toBeDefined();
  return after - before;
}

function collector(): () => void {
  // Jest runs without --expose-gc; the flag can still be turned on for a fresh context.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    for (let i = 0; i < 3; i++) gc();
  };
}

test("a day-long login record costs the memory backend little beyond its own characters", async () => {
  const count = 20_000;
  // The shape of a login's record: `version|` and the JSON of its domain and tokens.
  const record = (i: number): string =>
    `1|${JSON.stringify({ domain: 'acme.egnyte.com', tokens: { accessToken: `${i}`.padStart(43, 'a'), tokenType: 'bearer', refreshToken: `${i}`.padStart(43, 'r'), expiresAt: 1798797142310 } })}`;
  const key = (i: number): string => `login:${`${i}`.padStart(24, 'x')}`;
  const chars = key(0).length + record(0).length;
  const coordination = memoryCoordination();
  const bytes = await retainedBytes(async () => {
    for (let i = 0; i < count; i++) await coordination.set(key(i), record(i), 86_400_000);
    return coordination;
  });
  // An { value, expiresAt } object, its boxed number and the strings' ropes cost about 400
  // bytes per entry more than its characters; one flat string per entry, about 100.
  expect(bytes / count).toBeLessThan(chars + 150);
  expect(await coordination.get(key(7))).toBe(record(7));
});

test('the memory backend gives back values exactly as written', async () => {
  const coordination = memoryCoordination();
  const values = ['', ' ', '  leading and trailing  ', '12 34', 'ünïcødé ✓ 🚀', '\ud800 lone surrogate', '1|{"a":"b c"}'];
  for (const [i, value] of values.entries()) await coordination.set(`k${i}`, value, 60_000);
  for (const [i, value] of values.entries()) expect(await coordination.get(`k${i}`)).toBe(value);
  expect(await coordination.compareAndSet('k3', '12 34', 'next value', 60_000)).toEqual({ ok: true });
  expect(await coordination.get('k3')).toBe('next value');
});
