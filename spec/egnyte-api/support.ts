/**
 * Helpers of the API client specs: a token from the emulator, a config pointing at it, and
 * the per-second count of the emulator's request log.
 */
import { resolveConfig, type FetchLike, type ResolvedConfig } from '../../lib/config/options.js';
import type { EgnyteEmulator } from '../../lib/testing/index.js';
import { DEFAULT_INTERNAL_CLIENT, EMULATOR_USER_PASSWORD } from '../../lib/testing/index.js';

/** An access token for `username` on `domain`, from the emulator's password grant (its default internal key). */
export async function emulatorToken(emulator: EgnyteEmulator, username = 'jsmith', domain = 'acme.egnyte.com'): Promise<string> {
  const response = await fetch(`${emulator.endpoints.domainBaseUrl(domain)}/puboauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: DEFAULT_INTERNAL_CLIENT.clientId,
      username,
      password: EMULATOR_USER_PASSWORD,
    }).toString(),
  });
  if (!response.ok) throw new Error(`emulator password grant answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A resolved config aimed at the emulator, optionally with another fetch. */
export function emulatorConfig(emulator: EgnyteEmulator, fetchFn?: FetchLike, timeoutMs?: number): ResolvedConfig {
  return resolveConfig({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    baseUrl: 'http://localhost:3000',
    endpoints: emulator.endpoints,
    ...(fetchFn ? { fetch: fetchFn } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/**
 * The most entries of `times` (ms) within any one-`windowMs` window `[t, t + windowMs)`, the
 * way Egnyte's gateway and the emulator count ("calls in the last second").
 */
export function maxInAnyWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) - (sorted[i] as number) < windowMs) j++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** Arrival times of the emulator's logged requests to `path`. */
export function arrivals(emulator: EgnyteEmulator, path: string): number[] {
  return emulator.requests.filter((r) => r.path === path).map((r) => r.at);
}
