/**
 * Pacing in one process (RateLimiterMemory): concurrent calls for one token never exceed
 * Egnyte's 2 calls per second at the emulator (which is started with qps 2, so it would refuse
 * an over-limit call), waits are bounded by apiWaitMs, the daily count holds, and a failing
 * limiter store is a clear `coordination_unavailable`.
 */
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { createEgnyteApiClient } from '../../lib/egnyte/api-client.js';
import { createEgnytePacer, memoryLimiter, type EgnytePacer } from '../../lib/egnyte/pacing.js';
import { EgnyteAuthError } from '../../lib/errors/errors.js';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { arrivals, emulatorConfig, emulatorToken, maxInAnyWindow } from './support.js';

const USERINFO = '/pubapi/v1/userinfo';
let emulator: EgnyteEmulator;
let token: string;

beforeAll(async () => {
  emulator = await startEgnyteEmulator({ qps: 2 });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  // A new token per test: Egnyte (and the emulator) count per token, and each test starts a new pacer.
  token = await emulatorToken(emulator);
  emulator.resetCalls();
});

function clientWith(pacer: EgnytePacer, paceKey = 'login-1') {
  return createEgnyteApiClient({ config: emulatorConfig(emulator), domain: 'acme.egnyte.com', accessToken: () => token, pacer, paceKey });
}

test('6 concurrent calls for one user: all succeed, never more than 2 in any second at Egnyte', async () => {
  const client = clientWith(createEgnytePacer({ limiter: memoryLimiter, apiWaitMs: 20_000 }));
  const answers = await Promise.all(Array.from({ length: 6 }, () => client.api.get<{ username: string }>(USERINFO)));
  expect(answers.map((a) => a.username)).toEqual(Array(6).fill('jsmith'));
  const times = arrivals(emulator, USERINFO);
  expect(times).toHaveLength(6);
  expect(maxInAnyWindow(times)).toBeLessThanOrEqual(2);
});

test('another token is paced on its own key: two users do not slow each other down', async () => {
  const pacer = createEgnytePacer({ apiWaitMs: 0 });
  const other = await emulatorToken(emulator, 'bjones');
  const a = clientWith(pacer, 'login-a');
  const b = createEgnyteApiClient({ config: emulatorConfig(emulator), domain: 'acme.egnyte.com', accessToken: () => other, pacer, paceKey: 'login-b' });
  // With no waiting allowed, 2 calls per key pass at once; a third for either key would not.
  const results = await Promise.allSettled([a.api.get(USERINFO), a.api.get(USERINFO), b.api.get(USERINFO), b.api.get(USERINFO)]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
});

test('a wait past apiWaitMs fails with rate_limited and Retry-After, and the call never reaches Egnyte', async () => {
  const client = clientWith(createEgnytePacer({ apiWaitMs: 300 }));
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.api.get(USERINFO)));
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as EgnyteAuthError);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
  expect(refused).toHaveLength(3);
  for (const error of refused) {
    expect(error).toBeInstanceOf(EgnyteAuthError);
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(503);
    expect(error.retryAfter).toBeGreaterThanOrEqual(1);
  }
  expect(arrivals(emulator, USERINFO)).toHaveLength(2);
});

test('the daily count: past perDay calls fail at once with rate_limited and a long Retry-After', async () => {
  const client = clientWith(createEgnytePacer({ perDay: 3, apiWaitMs: 20_000 }), 'daily');
  for (let i = 0; i < 3; i++) await client.api.get(USERINFO);
  const error = (await client.api.get(USERINFO).catch((e: unknown) => e)) as EgnyteAuthError;
  expect(error.code).toBe('rate_limited');
  expect(error.message).toMatch(/daily/);
  expect(error.retryAfter).toBeGreaterThan(80_000);
  expect(arrivals(emulator, USERINFO)).toHaveLength(3);
});

test('an aborted signal stops the wait with the signal\'s reason', async () => {
  const client = clientWith(createEgnytePacer({ apiWaitMs: 20_000 }), 'abort');
  await Promise.all([client.fetch(USERINFO), client.fetch(USERINFO)]);
  const controller = new AbortController();
  const waiting = client.fetch(USERINFO, { signal: controller.signal });
  controller.abort(new Error('user went away'));
  await expect(waiting).rejects.toThrow('user went away');
  expect(arrivals(emulator, USERINFO)).toHaveLength(2);
});

test('a limiter whose store fails gives coordination_unavailable, without the store\'s error', async () => {
  const broken = (options: { keyPrefix: string; points: number; duration: number }): RateLimiterAbstract => {
    const limiter = new RateLimiterMemory(options);
    const fail = (): Promise<never> => Promise.reject(new Error('connect ECONNREFUSED redis://:hunter2@10.0.0.1'));
    return Object.assign(limiter, { consume: fail, get: fail });
  };
  const client = clientWith(createEgnytePacer({ limiter: broken }));
  const error = (await client.fetch(USERINFO).catch((e: unknown) => e)) as EgnyteAuthError;
  expect(error.code).toBe('coordination_unavailable');
  expect(error.status).toBe(503);
  expect(error.retryAfter).toBe(5);
  expect(JSON.stringify(error) + error.message).not.toContain('hunter2');
  expect(emulator.requests).toEqual([]);
});

test('pacer options are validated', () => {
  expect(() => createEgnytePacer({ perSecond: 0 })).toThrow(/perSecond must be an integer >= 1/);
  expect(() => createEgnytePacer({ perDay: -1 })).toThrow(/perDay/);
  expect(() => createEgnytePacer({ apiWaitMs: 1.5 })).toThrow(/apiWaitMs/);
  const pacer = createEgnytePacer();
  expect({ perSecond: pacer.perSecond, perDay: pacer.perDay, apiWaitMs: pacer.apiWaitMs }).toEqual({ perSecond: 2, perDay: 1000, apiWaitMs: 10_000 });
});

test("firstUse (the sign-in's call on a token just issued): a slot at once, not counted against the day, its lane paused after it", async () => {
  const pacer = createEgnytePacer({ perDay: 2, apiWaitMs: 0 });
  const first = await pacer.acquire('new-login', { deadline: Date.now(), holdMs: 1000, firstUse: true });
  first.release(true);
  // The day still has both its calls; the second lane is free, the first pauses for a second.
  const second = await pacer.acquire('new-login', { deadline: Date.now(), holdMs: 1000 });
  await expect(pacer.acquire('new-login', { deadline: Date.now(), holdMs: 1000 })).rejects.toMatchObject({ code: 'rate_limited' });
  second.release(true);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  (await pacer.acquire('new-login', { deadline: Date.now(), holdMs: 1000 })).release(true);
  await expect(pacer.acquire('new-login', { deadline: Date.now() + 5000, holdMs: 1000 })).rejects.toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/daily/) });
});
