/**
 * Review: the `fetch` option. The package only ever calls it with a URL string, so a plain
 * wrapper `(url: string, init?) => fetch(url, init)` (logging, proxying, retries) must be
 * accepted by the type of `EgnyteAuthOptions.fetch` (checked by `tsc --noEmit -p .`, which
 * includes this file) and must see every request to Egnyte as a string.
 */
import { startHarness, type Harness } from './support/harness.js';
import type { EgnyteAuthOptions } from '../lib/index.js';

const seen: unknown[] = [];
// Compile-time check: a string-URL wrapper is a valid `fetch` option.
const wrapper: NonNullable<EgnyteAuthOptions['fetch']> = (url: string, init?: RequestInit) => {
  seen.push(url);
  return globalThis.fetch(url, init);
};
// And so is the platform's own fetch.
const platform: NonNullable<EgnyteAuthOptions['fetch']> = globalThis.fetch;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ auth: { fetch: wrapper } });
});
afterAll(() => h.close());

test('a string-URL fetch wrapper carries the whole sign-in', async () => {
  const landed = await h.browser().signIn('acme', { direct: true, returnTo: '/me' });
  expect(landed.status).toBe(200);
  expect(seen.length).toBeGreaterThanOrEqual(2);
  for (const url of seen) expect(typeof url).toBe('string');
  expect(seen.some((u) => String(u).endsWith('/puboauth/token'))).toBe(true);
  expect(seen.some((u) => String(u).endsWith('/pubapi/v1/userinfo'))).toBe(true);
  expect(typeof platform).toBe('function');
});
