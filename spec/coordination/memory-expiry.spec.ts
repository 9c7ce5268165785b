/**
 * Issue 11: the memory backend forgets expired entries as writes go on, whatever lives in front
 * of them. Its sweep looked only at the oldest few entries: behind a day-long login record,
 * every shorter-lived one (a callback's shared outcome, a re-read's) stayed for a day. Counted,
 * never timed: entries held after the short ones expired and more writes came.
 */
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
