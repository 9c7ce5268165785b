/**
 * Issue 16, "no fault crashes the process": the callback with its backends failing at each
 * step in turn. A dry run counts the coordination operations (or session store operations) one
 * callback makes; then, for each N, Redis is stopped (SIGSTOP) just before the Nth one, or the
 * store fails its Nth operation. Whatever the step, the answer is a redirect (the step was best
 * effort) or 503 with Retry-After; nothing rejects unhandled (the suite's trap would fail it);
 * and afterwards the browser is signed in exactly when the answer said so, with no live token
 * left at Egnyte by a sign-in that failed.
 */
import session, { type SessionData } from 'express-session';
import type { createClient } from 'redis';
import { egnyteSessionStore, type EgnyteCoordination } from '../../lib/index.js';
import { redisCoordination } from '../../lib/redis.js';
import { startAttempt } from '../support/attack-kit.js';
import { getJson } from '../support/fault-kit.js';
import { type Harness, startHarness } from '../support/harness.js';
import { connectClient, startRedis, type RedisServer } from '../support/redis-server.js';

jest.setTimeout(120_000);

let redis: RedisServer;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startRedis();
  client = await connectClient(redis);
});
afterAll(async () => {
  redis.process.kill('SIGCONT');
  await client.quit().catch(() => undefined);
  await redis.stop();
});

/** A coordination that counts its operations and, when armed, stops Redis just before the Nth. */
function sweepingCoordination(inner: EgnyteCoordination): EgnyteCoordination & { count: number; armAt: number } {
  const wrapper = {
    count: 0,
    armAt: 0,
  } as EgnyteCoordination & { count: number; armAt: number };
  const step = (): void => {
    wrapper.count += 1;
    if (wrapper.count === wrapper.armAt) redis.process.kill('SIGSTOP');
  };
  for (const name of ['claim', 'settle', 'get', 'set', 'delete', 'swap', 'compareAndSet'] as const) {
    (wrapper as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      step();
      return (inner[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  }
  Object.assign(wrapper, { name: inner.name, limiter: inner.limiter.bind(inner) });
  return wrapper;
}

interface Outcome {
  status: number;
  retryAfter: string | null;
  /** Which login the browser holds afterwards: the one it had, the new one, or none. */
  holds: 'previous' | 'new' | 'none';
}

/**
 * One callback of a browser that is signed in already (so the sign-in also ends its previous
 * login), with the fault armed at step `n`. The previous login's tokens are revoked at the
 * emulator first, so `liveTokens` afterwards counts only what this sign-in obtained.
 */
async function callbackWith(h: Harness, arm: (n: number) => void, n: number): Promise<Outcome> {
  const browser = h.browser();
  await browser.signIn('acme', { direct: true, returnTo: '/me' });
  const previous = (await getJson(browser, '/me')).body.loginId;
  const url = await startAttempt(browser, 'acme', { direct: true, returnTo: '/me' });
  h.emulator.revokeAll();
  arm(n);
  const answer = await browser.request(url, { accept: 'application/json' });
  await answer.body?.cancel();
  arm(0);
  redis.process.kill('SIGCONT');
  const me = await getJson(browser, '/me');
  const holds = me.status !== 200 ? 'none' : me.body.loginId === previous ? 'previous' : 'new';
  return { status: answer.status, retryAfter: answer.headers.get('retry-after'), holds };
}

/** What must hold after one step's fault. */
function expectConsistent(h: Harness, result: Outcome): void {
  if (result.status === 302) {
    expect(result.holds).toBe('new');
    return;
  }
  expect(result.status).toBe(503);
  expect(result.retryAfter).toMatch(/^\d+$/);
  // Never the half-made login: the browser keeps the one it had (or none, if that one had ended).
  expect(result.holds).not.toBe('new');
  // The sign-in that failed left no live token at Egnyte.
  expect(h.emulator.liveTokens({ domain: 'acme', user: 'jsmith' })).toEqual({ access: 0, refresh: 0 });
}

test('Redis stopped before each coordination step of a callback in turn: 302 or 503, never a crash, never a half sign-in', async () => {
  const coordination = sweepingCoordination(redisCoordination({ client, prefix: 'sweep:', timeoutMs: 300 }));
  const h = await startHarness({ auth: { coordination, timeoutMs: 2000 } });
  try {
    // The dry run: how many coordination operations one callback makes.
    const browser = h.browser();
    await browser.signIn('acme', { direct: true });
    const url = await startAttempt(browser, 'acme', { direct: true, returnTo: '/me' });
    const before = coordination.count;
    expect((await browser.request(url)).status).toBe(302);
    const steps = coordination.count - before;
    expect(steps).toBeGreaterThanOrEqual(3);

    const outcomes: string[] = [];
    for (let n = 1; n <= steps; n++) {
      const result = await callbackWith(h, (at) => (coordination.armAt = at === 0 ? 0 : coordination.count + at), n);
      outcomes.push(`${n}:${result.status}:${result.holds}`);
      expectConsistent(h, result);
    }
    // Some step must matter: the state claim and the login's record are not best effort.
    expect(outcomes.some((o) => o.includes(':503:'))).toBe(true);
  } finally {
    redis.process.kill('SIGCONT');
    await h.close();
  }
});

/** A MemoryStore that counts its operations and fails the armed one. */
class SweepingStore extends session.MemoryStore {
  count = 0;
  armAt = 0;
  private fails(): boolean {
    this.count += 1;
    return this.count === this.armAt;
  }
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    if (this.fails()) return void setImmediate(() => callback(new Error('store down')));
    super.get(sid, callback);
  }
  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    if (this.fails()) return void setImmediate(() => callback?.(new Error('store down')));
    super.set(sid, data, callback);
  }
  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    if (this.fails()) return void setImmediate(() => callback?.(new Error('store down')));
    super.destroy(sid, callback);
  }
}

test('the session store failing at each of its steps of a callback in turn: 302 or 503, never a crash, never a half sign-in', async () => {
  const store = new SweepingStore();
  const h = await startHarness({ store: egnyteSessionStore(store) });
  try {
    const browser = h.browser();
    await browser.signIn('acme', { direct: true });
    const url = await startAttempt(browser, 'acme', { direct: true, returnTo: '/me' });
    const before = store.count;
    await (await browser.request(url)).body?.cancel();
    const steps = store.count - before;
    expect(steps).toBeGreaterThanOrEqual(2);
    const outcomes: string[] = [];
    for (let n = 1; n <= steps; n++) {
      const result = await callbackWith(h, (at) => (store.armAt = at === 0 ? 0 : store.count + at), n);
      outcomes.push(`${n}:${result.status}:${result.holds}`);
      expectConsistent(h, result);
    }
    expect(outcomes.some((o) => o.includes(':503:'))).toBe(true);
  } finally {
    await h.close();
  }
});
