/**
 * Issue 17: the key layout. On a Redis Cluster a multi-key script runs only when its keys
 * hash to one slot, and Redis hashes only a key's hash tag (the part in the first `{...}`)
 * when it has one. So every key of a login (its record, its re-read and refresh flights)
 * carries the login's tag, a callback's flight carries its state's, and different ids get
 * different tags: keys spread over the masters by login. Pure functions, no Redis here (the
 * contract suite runs them on a real cluster).
 */
import fc from 'fast-check';
import { flightKeys, hashTagOf, loginRecordKey, sameHashTag } from '../../lib/coordination/keys.js';

const PREFIX = 'egnyte-auth:';

test("a login's record and its flights share the login's hash tag", () => {
  fc.assert(
    fc.property(fc.string(), (id) => {
      const tag = hashTagOf(PREFIX + loginRecordKey(id));
      expect(tag).not.toBe(PREFIX + loginRecordKey(id));
      for (const kind of ['reload', 'refresh']) {
        const { lock, result } = flightKeys(kind, id);
        expect(hashTagOf(PREFIX + lock)).toBe(tag);
        expect(hashTagOf(PREFIX + result)).toBe(tag);
      }
    }),
  );
});

test('different ids get different tags, and different kinds different keys', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, b) => {
      fc.pre(a !== b);
      expect(hashTagOf(loginRecordKey(a))).not.toBe(hashTagOf(loginRecordKey(b)));
      expect(flightKeys('state', a).lock).not.toBe(flightKeys('state', b).lock);
    }),
  );
  expect(new Set([loginRecordKey('x'), flightKeys('reload', 'x').lock, flightKeys('reload', 'x').result, flightKeys('refresh', 'x').lock]).size).toBe(4);
});

test("hashTagOf follows Redis's rule: the first { and the first } after it, when something is between them", () => {
  expect(hashTagOf('a{b}c')).toBe('b');
  expect(hashTagOf('{b}{c}')).toBe('b');
  expect(hashTagOf('a{}b{c}')).toBe('a{}b{c}');
  expect(hashTagOf('a{b')).toBe('a{b');
  expect(hashTagOf('a}b{c}')).toBe('c');
  expect(hashTagOf('{{b}}')).toBe('{b');
});

test('sameHashTag: one key alone, or keys that share a real tag', () => {
  expect(sameHashTag(['a'])).toBe(true);
  expect(sameHashTag(['a', 'a'])).toBe(true);
  expect(sameHashTag(['x{t}', 'y{t}'])).toBe(true);
  expect(sameHashTag(['x', 'y'])).toBe(false);
  expect(sameHashTag(['x{t}', 'y{u}'])).toBe(false);
  expect(sameHashTag(['x{}', 'y{}'])).toBe(false);
  // The same slot by luck is not enough: the rule is about the layout, not the hash.
  expect(sameHashTag(['x{t}', 'y'])).toBe(false);
});
