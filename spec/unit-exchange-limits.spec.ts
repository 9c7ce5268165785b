/**
 * The exchange limits' sentences, attacked one by one (lib/flow/exchange-limits.ts,
 * waiting-line.ts): the budget is never passed, whatever the concurrency; a point is given
 * back only into the window it was taken in; refusals at the limit refuse at once, a budget
 * full of exchanges under way makes callers wait their turn, oldest first; the backend failing
 * at each step gives a clear error and never an extra exchange.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { EXCHANGE_LIMITS, ExchangeLimits } from '../lib/flow/exchange-limits.js';
import { WaitingLine } from '../lib/flow/waiting-line.js';
import { EgnyteAuthError } from '../lib/errors/errors.js';

const LIMIT = EXCHANGE_LIMITS.perClient;
const WAIT_MS = 10_000;

/** A limiter whose methods fail on demand, as a Redis that went away. */
function flaky(duration = 3600): { limiter: RateLimiterMemory; failing: Set<string> } {
  const limiter = new RateLimiterMemory({ points: LIMIT, duration });
  const failing = new Set<string>();
  for (const method of ['get', 'consume', 'reward', 'penalty'] as const) {
    const original = limiter[method].bind(limiter) as (...args: unknown[]) => Promise<unknown>;
    (limiter as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => (failing.has(method) ? Promise.reject(new Error('redis: connection lost')) : original(...args));
  }
  return { limiter, failing };
}

function limits(duration = 3600): { limits: ExchangeLimits; budget: ReturnType<typeof flaky>; refusals: ReturnType<typeof flaky> } {
  const budget = flaky(duration);
  const refusals = flaky(duration);
  return { limits: new ExchangeLimits(budget.limiter, refusals.limiter), budget, refusals };
}

async function code(promise: Promise<unknown>): Promise<{ code: string; status: number; retryAfter?: number }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof EgnyteAuthError) return { code: err.code, status: err.status, ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}) };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the budget', () => {
  test('400 callers at once: exactly 15 turns at any time; refused ones keep their point, and then everyone is refused at once with 429', async () => {
    const { limits: l } = limits();
    const turns: Array<{ settle: (o: 'refused') => Promise<void> }> = [];
    const waiting = Array.from({ length: 400 }, () => l.take('203.0.113.1', WAIT_MS).then((t) => turns.push(t)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(turns).toHaveLength(LIMIT);
    // All fail: the budget is then full of refusals, and everyone waiting is told so.
    await Promise.all(turns.map((t) => t.settle('refused')));
    const answers = await Promise.allSettled(waiting);
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(LIMIT);
    const refused = answers.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(refused).toHaveLength(400 - LIMIT);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'sign_in_throttled', status: 429 });
    expect(await code(l.take('203.0.113.1', WAIT_MS))).toMatchObject({ code: 'sign_in_throttled', status: 429, retryAfter: expect.any(Number) });
    // Another client is not affected.
    await (await l.take('203.0.113.2', WAIT_MS)).settle('refused');
  });

  test('turns given back (successes, outages) let the waiting through, oldest first', async () => {
    const { limits: l } = limits();
    const order: number[] = [];
    const all = Array.from({ length: 60 }, (_, i) =>
      l.take('198.51.100.7', WAIT_MS).then(async (turn) => {
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await turn.settle(i % 2 === 0 ? 'succeeded' : 'not_judged');
      }),
    );
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  test('a point is not given back into a window that began after it was taken (no extra turn)', async () => {
    const { limits: l, budget } = limits(1);
    const turn = await l.take('192.0.2.9', WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await turn.settle('succeeded');
    // Given back into the new window, it would have made room for a 16th exchange there.
    expect(await budget.limiter.get('192.0.2.9')).toBeNull();
  });

  test('with the budget full of exchanges under way, a caller waits at most the time it is given, then 503 with Retry-After', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { limits: l } = limits();
      for (let i = 0; i < LIMIT; i++) await l.take('192.0.2.50', WAIT_MS);
      const late = code(l.take('192.0.2.50', WAIT_MS));
      await jest.advanceTimersByTimeAsync(WAIT_MS + 500);
      expect(await late).toEqual({ code: 'sign_in_throttled', status: 503, retryAfter: 5 });
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('the backend failing', () => {
  test('at the budget, raising it: coordination_unavailable, no turn', async () => {
    const { limits: l, budget } = limits();
    budget.failing.add('consume');
    expect(await code(l.take('192.0.2.1', WAIT_MS))).toMatchObject({ code: 'coordination_unavailable', status: 503 });
  });

  test('at the budget, looking again after a wait: coordination_unavailable', async () => {
    const { limits: l, budget } = limits();
    for (let i = 0; i < LIMIT; i++) await l.take('192.0.2.1', WAIT_MS);
    budget.failing.add('get');
    expect(await code(l.take('192.0.2.1', WAIT_MS))).toMatchObject({ code: 'coordination_unavailable', status: 503 });
  });

  test('at the refusals count, when the budget is full: coordination_unavailable', async () => {
    const { limits: l, refusals } = limits();
    for (let i = 0; i < LIMIT; i++) await l.take('192.0.2.2', WAIT_MS);
    refusals.failing.add('get');
    expect(await code(l.take('192.0.2.2', WAIT_MS))).toMatchObject({ code: 'coordination_unavailable' });
  });

  test('when giving a point back or counting a refusal: settle never throws, and the point stays counted (never an extra turn)', async () => {
    const { limits: l, budget, refusals } = limits();
    budget.failing.add('reward');
    refusals.failing.add('penalty');
    const a = await l.take('192.0.2.3', WAIT_MS);
    await expect(a.settle('succeeded')).resolves.toBeUndefined();
    const b = await l.take('192.0.2.3', WAIT_MS);
    await expect(b.settle('refused')).resolves.toBeUndefined();
    budget.failing.clear();
    expect((await budget.limiter.get('192.0.2.3'))?.consumedPoints).toBe(2);
  });
});

describe('the waiting line', () => {
  const refusals = { full: () => new Error('full'), timedOut: () => new Error('timed out') };

  test('only the first in line tries; a notify wakes it at once; the line is gone when empty', async () => {
    const line = new WaitingLine(10);
    let open = false;
    let tries = 0;
    const attempt = async (): Promise<string | undefined> => {
      tries += 1;
      return open ? 'in' : undefined;
    };
    const callers = Array.from({ length: 5 }, () => line.run('k', 5000, attempt, refusals));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const before = tries;
    expect(line.waiting('k')).toBe(5);
    open = true;
    line.notify('k');
    expect(await Promise.all(callers)).toEqual(['in', 'in', 'in', 'in', 'in']);
    // The first tried a few times while closed (its polls); the others once each, when first.
    expect(tries - before).toBe(5);
    expect(line.waiting('k')).toBe(0);
  });

  test('a full line refuses at once; a caller that waits too long leaves it, and the next moves up', async () => {
    const line = new WaitingLine(2);
    const never = async (): Promise<undefined> => undefined;
    const first = line.run('k', 100, never, refusals);
    const second = line.run('k', 5000, async () => 'second', refusals);
    await expect(line.run('k', 5000, never, refusals)).rejects.toThrow('full');
    await expect(first).rejects.toThrow('timed out');
    await expect(second).resolves.toBe('second');
    expect(line.waiting('k')).toBe(0);
  });

  test('an attempt that throws ends that caller only', async () => {
    const line = new WaitingLine(10);
    const boom = line.run('k', 1000, async () => {
      throw new Error('boom');
    }, refusals);
    const next = line.run('k', 1000, async () => 'next', refusals);
    await expect(boom).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });
});
