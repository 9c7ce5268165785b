/**
 * Egnyte's pause of the token endpoint (lib/egnyte/token-pause.ts): recorded only from
 * Egnyte's own throttling answer, read by every token request of the same key on the same
 * backend, gone when its time has passed, and never a reason to refuse when the backend fails.
 */
import { memoryCoordination, type EgnyteCoordination } from '../lib/index.js';
import { EgnyteAuthError } from '../lib/errors/errors.js';
import { assertTokenEndpointOpen, notePause } from '../lib/egnyte/token-pause.js';
import { exchangeCode, refreshTokens } from '../lib/egnyte/token-client.js';
import { resolveConfig } from '../lib/config/options.js';
import { startEgnyteEmulator } from '../lib/testing/index.js';

const throttled = (retryAfter: number): EgnyteAuthError => new EgnyteAuthError('rate_limited', 'Egnyte is throttling', { retryAfter, upstreamStatus: 409 });

test("Egnyte's 409 pauses the key for its Retry-After, on the whole backend, and only that key", async () => {
  const coordination = memoryCoordination();
  const a = { coordination, clientId: 'key-a' };
  await notePause(a, throttled(1));
  await expect(assertTokenEndpointOpen(a)).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 1, status: 503 });
  // Another config of the same key on the same backend (another egnyteAuth(), another instance) sees it.
  await expect(assertTokenEndpointOpen({ coordination, clientId: 'key-a' })).rejects.toMatchObject({ code: 'rate_limited' });
  await expect(assertTokenEndpointOpen({ coordination, clientId: 'key-b' })).resolves.toBeUndefined();
  await new Promise((resolve) => setTimeout(resolve, 1050));
  await expect(assertTokenEndpointOpen(a)).resolves.toBeUndefined();
});

test('our own pause answer, and errors that are not Egnyte throttling, record nothing', async () => {
  const coordination = memoryCoordination();
  const config = { coordination, clientId: 'k' };
  await notePause(config, new EgnyteAuthError('rate_limited', 'paused here', { retryAfter: 30 }));
  await notePause(config, new EgnyteAuthError('token_exchange_failed', 'refused', { upstreamStatus: 400 }));
  await notePause(config, new Error('boom'));
  await expect(assertTokenEndpointOpen(config)).resolves.toBeUndefined();
});

test('a backend that fails neither refuses the request nor throws', async () => {
  const failing = (): Promise<never> => Promise.reject(new Error('redis: connection lost'));
  const inner = memoryCoordination();
  const broken: EgnyteCoordination = Object.assign(Object.create(inner) as EgnyteCoordination, {
    limiter: () => ({ get: failing, block: failing }) as unknown as ReturnType<EgnyteCoordination['limiter']>,
  });
  const config = { coordination: broken, clientId: 'k' };
  await expect(notePause(config, throttled(60))).resolves.toBeUndefined();
  await expect(assertTokenEndpointOpen(config)).resolves.toBeUndefined();
});

test('while paused, neither a code exchange nor a refresh sends a token request; a 409 from Egnyte at either starts the pause', async () => {
  const emulator = await startEgnyteEmulator({ qps: 0 });
  try {
    const config = resolveConfig({ clientId: emulator.clientId, clientSecret: emulator.clientSecret, baseUrl: 'http://localhost:3000', endpoints: emulator.endpoints });
    emulator.fault({ endpoint: 'token', kind: 'conflict_409', retryAfter: 30, times: 1 });
    const tokens = { accessToken: 'a', refreshToken: 'r', tokenType: 'bearer' };
    await expect(refreshTokens(config, 'acme.egnyte.com', tokens)).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 30, upstreamStatus: 409 });
    expect(emulator.calls.token).toBe(1);
    await expect(refreshTokens(config, 'acme.egnyte.com', tokens)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(exchangeCode(config, 'globex.egnyte.com', 'code', 'state')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(emulator.calls.token).toBe(1);
  } finally {
    await emulator.close();
  }
});
