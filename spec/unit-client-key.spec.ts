/** Who a failed exchange is counted against: pure. */
import { clientKey } from '../lib/flow/client-key.js';

test.each([
  [undefined, 'unknown'],
  ['', 'unknown'],
  ['203.0.113.7', '203.0.113.7'],
  ['::ffff:203.0.113.7', '203.0.113.7'],
  ['2001:db8::1', '2001:db8:0:0::/64'],
  ['2001:0db8:0001:0002:abcd::1', '2001:db8:1:2::/64'],
  ['2001:DB8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
  ['::1', '0:0:0:0::/64'],
  ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ['not an address', 'other:not an address'],
])('%s -> %s', (ip, key) => {
  expect(clientKey(ip)).toBe(key);
});
