/**
 * Who a sign-in is counted against: the client's network, as the app trusts it (`req.ip`, which
 * honours `trust proxy`). An IPv4 address is one client; an IPv6 address counts by its /64,
 * since one network is handed a whole /64 and single addresses in it cost nothing. Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Expands an IPv6 address (no zone, no embedded IPv4) to its eight groups. */
function ipv6Groups(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => g.replace(/^0+(?=.)/, '').toLowerCase());
}

/**
 * The key a client is counted under: its IPv4 address (an IPv4-mapped IPv6 address included),
 * or the /64 of its IPv6 address; `unknown` when Express knows no address (a closed socket).
 */
export function clientKey(ip: string | undefined): string {
  if (ip === undefined || ip === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(ip)) return ip;
  const bare = ip.replace(/%.*$/, '');
  if (!isIPv6(bare) || bare.includes('.')) return `other:${bare.slice(0, 64)}`;
  return `${ipv6Groups(bare).slice(0, 4).join(':')}::/64`;
}
