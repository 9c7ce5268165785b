/**
 * The client against the emulator's Egnyte variants: JSON sent as `text/plain`, a gateway
 * that throttles with 429 instead of 403, and Egnyte's own daily quota (403 OVER_RATE) when
 * the app's pacer does not count it.
 */
import { createEgnyteApiClient } from '../../lib/egnyte/api-client.js';
import { createEgnytePacer } from '../../lib/egnyte/pacing.js';
import { EgnyteAuthError } from '../../lib/errors/errors.js';
import { startEgnyteEmulator, type EgnyteEmulator, type EgnyteEmulatorOptions } from '../../lib/testing/index.js';
import { arrivals, emulatorConfig, emulatorToken } from './support.js';

const USERINFO = '/pubapi/v1/userinfo';

async function withEmulator(options: EgnyteEmulatorOptions, run: (emulator: EgnyteEmulator, token: string) => Promise<void>): Promise<void> {
  const emulator = await startEgnyteEmulator(options);
  try {
    const token = await emulatorToken(emulator);
    emulator.resetCalls();
    await run(emulator, token);
  } finally {
    await emulator.close();
  }
}

function clientFor(emulator: EgnyteEmulator, token: string, pacing: { perDay?: number } = {}) {
  return createEgnyteApiClient({
    config: emulatorConfig(emulator),
    domain: 'acme.egnyte.com',
    accessToken: () => token,
    pacer: createEgnytePacer({ apiWaitMs: 5_000, ...pacing }),
    paceKey: 'variant',
  });
}

test('JSON sent as text/plain is parsed by api.get and the helpers', async () => {
  await withEmulator({ jsonAsText: true }, async (emulator, token) => {
    const client = clientFor(emulator, token);
    const raw = await client.fetch(USERINFO);
    expect(raw.headers.get('content-type')).toMatch(/^text\/plain/);
    await raw.body?.cancel();
    await expect(client.api.get(USERINFO)).resolves.toMatchObject({ username: 'jsmith' });
    await expect(client.api.userById(121)).resolves.toMatchObject({ username: 'jsmith' });
  });
});

test('a gateway that throttles with 429: the client still keeps under it, all calls succeed', async () => {
  await withEmulator({ throttleStatus: 429, qps: 2 }, async (emulator, token) => {
    const client = clientFor(emulator, token);
    await Promise.all(Array.from({ length: 4 }, () => client.api.get(USERINFO)));
    expect(arrivals(emulator, USERINFO)).toHaveLength(4);
  });
});

test('Egnyte\'s own daily quota (403 OVER_RATE) is rate_limited, not retried, with Egnyte\'s quota headers recorded', async () => {
  await withEmulator({ dailyQuota: 2 }, async (emulator, token) => {
    // The app counts no daily quota here, so Egnyte's is what stops the third call.
    const client = clientFor(emulator, token, { perDay: 0 });
    await client.api.get(USERINFO);
    await client.api.get(USERINFO);
    const error = (await client.api.get(USERINFO).catch((e: unknown) => e)) as EgnyteAuthError;
    expect(error).toBeInstanceOf(EgnyteAuthError);
    expect(error).toMatchObject({ code: 'rate_limited', upstreamStatus: 403 });
    expect(error.message).toMatch(/daily/);
    expect(error.retryAfter).toBeGreaterThan(1);
    expect(arrivals(emulator, USERINFO)).toHaveLength(3);
    expect(client.quota?.daily).toEqual({ allotted: 2, current: expect.any(Number) });
  });
});
