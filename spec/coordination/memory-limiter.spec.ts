/**
 * The memory backend's limiter keeps no timer per key (rate-limiter-flexible's own storage
 * keeps one per record, for its whole window: a day per login with Egnyte's daily quota),
 * and still counts and expires like the library's.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { memoryCoordination } from '../../lib/index.js';
import { trackTimers } from '../support/timers.js';

test('1,000 keys with a day-long window leave no timer behind (the library alone leaves 1,000)', async () => {
  const ours = memoryCoordination().limiter({ keyPrefix: 'day', points: 1000, duration: 86_400 });
  const timers = trackTimers();
  try {
    for (let i = 0; i < 1000; i++) await ours.consume(`login-${i}`);
    expect(timers.alive()).toBeLessThanOrEqual(2);

    const library = new RateLimiterMemory({ keyPrefix: 'day', points: 1000, duration: 86_400 });
    for (let i = 0; i < 1000; i++) await library.consume(`login-${i}`);
    expect(timers.alive()).toBeGreaterThanOrEqual(1000);
    for (let i = 0; i < 1000; i++) await library.delete(`login-${i}`);
  } finally {
    timers.stop();
  }
});

test('counts, refuses past the points, and starts a new window after it expired', async () => {
  const limiter = memoryCoordination().limiter({ keyPrefix: 'w', points: 2, duration: 1 });
  await limiter.consume('k');
  const second = await limiter.consume('k');
  expect(second.remainingPoints).toBe(0);
  await expect(limiter.consume('k')).rejects.toMatchObject({ msBeforeNext: expect.any(Number) });
  expect((await limiter.get('k'))?.consumedPoints).toBe(3);
  await new Promise((resolve) => setTimeout(resolve, 1050));
  expect(await limiter.get('k')).toBeNull();
  expect((await limiter.consume('k')).consumedPoints).toBe(1);
  await limiter.reward('k', 1);
  expect((await limiter.get('k'))?.consumedPoints).toBe(0);
  expect(await limiter.delete('k')).toBe(true);
});
