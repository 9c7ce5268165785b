import { ExpiringSet } from '../lib/coordination/expiring-set.js';

test('members expire after the TTL and are pruned as new ones come', () => {
  const set = new ExpiringSet(1000);
  set.add('a', 0);
  set.add('b', 500);
  expect(set.has('a', 999)).toBe(true);
  expect(set.has('a', 1000)).toBe(false);
  expect(set.has('b', 1499)).toBe(true);
  set.add('c', 1200); // prunes "a" only
  expect(set.size).toBe(2);
  set.add('b', 1300); // re-adding extends and moves it to the back
  expect(set.has('b', 2200)).toBe(true);
  set.add('d', 2250); // prunes "c" (expired at 2200), keeps "b" (2300)
  expect(set.size).toBe(2);
  expect(set.has('x', 0)).toBe(false);
});
