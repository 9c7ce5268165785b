/**
 * How many code exchanges each client may cause, so that nobody can stop other people from
 * signing in.
 *
 * Why: Egnyte allows an API key about 100 token requests an hour, then answers 409 for every
 * user of the app (EGNYTE.md, "Errors and limits"). Anyone can make the app send one: start a
 * login, then call the callback with a junk code, whether the domain is learned at the
 * callback or bound at login. A limit shared by all clients would let three networks of junk
 * pause everyone's sign-ins; so every limit here is per client (its IPv4 address or IPv6 /64,
 * as the app trusts it: `client-key.ts`), in both flows, and one client's failures never refuse
 * another client. What stays shared is Egnyte's own answer: its 409 pauses every token request
 * of the key until its `Retry-After` has passed (`egnyte/token-pause.ts`).
 *
 * Keys, on the coordination backend's limiter (`coordination.limiter()`: in memory by default,
 * in Redis with `redisCoordination()`, so shared by every instance), per client `C`:
 *
 * - `exchange-budget:C`: the exchanges of `C` in the current window (an hour from its first
 *   point) whose outcome is not known to be good: refused by Egnyte, still under way, or lost
 *   with an instance that died. Invariant: every code exchange is sent only after this count
 *   was raised for it, and only while it is at most {@link EXCHANGE_LIMITS}.perClient; so at
 *   most that many exchanges of `C` per window end in anything but success, whatever the
 *   concurrency. Who changes it: any instance; it raises it by one atomically before sending
 *   (a raise past the limit is taken back at once and the caller waits or is refused), and
 *   lowers it by one when that exchange succeeded or failed for a reason that is not a verdict
 *   on the code (Egnyte down or throttling), only while the window it raised it in still runs
 *   (a point given back into a new window would grant an extra one). It ends with its window,
 *   and with it every point; the point of an instance that died mid-exchange stays counted
 *   until then, as a failure would.
 * - `exchange-refusals:C`: the exchanges of `C` that Egnyte refused in its window. Only ever
 *   raised, by the instance that saw the refusal, before it gives the turn on; it ends with its
 *   window. It decides only what a caller finding the budget full is told: refusals at the limit
 *   mean 429 `sign_in_throttled` with the time left, at once; otherwise the budget is full of
 *   exchanges still under way, and the caller waits for a turn (an office behind one NAT
 *   signing in all at once). A count that is late or lost makes a caller wait, at most the app's
 *   `timeoutMs` (then 503 `sign_in_throttled`, `Retry-After: 5`), or be refused early; it never
 *   lets an exchange past the budget. So a point lost with a dead instance, in a budget otherwise
 *   full of refusals, turns that client's 429 into a 503 after `timeoutMs` until the window ends.
 *
 * In each process, the callers of one client wait in one line (`waiting-line.ts`): the first
 * asks the backend, the others wait behind it, and a turn given back here wakes it at once.
 */
import type { Request } from 'express';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { EgnyteCoordination } from '../coordination/types.js';
import type { ResolvedConfig } from '../config/options.js';
import { exchangeCode } from '../egnyte/token-client.js';
import { EgnyteAuthError, isEgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import type { EgnytePendingLogin, EgnyteTokenSet } from '../types.js';
import { clientKey } from './client-key.js';
import { WaitingLine } from './waiting-line.js';

/**
 * The limits: exchanges per client per window that may end in anything but success; the
 * window; how many sign-ins may wait for a turn per client and process. (How long one may wait
 * is the app's `timeoutMs`, what one exchange may take.)
 */
export const EXCHANGE_LIMITS: Readonly<{ perClient: number; windowSeconds: number; maxWaiting: number }> = Object.freeze({
  perClient: 15,
  windowSeconds: 3600,
  maxWaiting: 500,
});

/** A point is given back only this long before its window ends: clocks of instances and Redis differ a little. */
const WINDOW_MARGIN_MS = 1000;

/** How an exchange ended, for its point. */
type Outcome = 'succeeded' | 'not_judged' | 'refused';

/** One exchange's place in its client's budget. */
interface Turn {
  /** Settles the point (never throws) and wakes the next caller of the client in this process. */
  settle(outcome: Outcome): Promise<void>;
}

function throttled(msBeforeNext: number): EgnyteAuthError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new EgnyteAuthError(
    'sign_in_throttled',
    `Too many sign-ins from your network failed in the last hour, so this app will not ask Egnyte about another one from it for ${retryAfter} seconds: ` +
      'failed sign-ins use up an allowance that all users of this app share. Try again then; sign-ins from other networks are not affected.',
    { status: 429, retryAfter },
  );
}

function busy(): EgnyteAuthError {
  return new EgnyteAuthError(
    'sign_in_throttled',
    'Many sign-ins from your network are under way at once, and this one could not get its turn in time. Try again in a few seconds.',
    { status: 503, retryAfter: 5 },
  );
}

function coordinationDown(): EgnyteAuthError {
  return new EgnyteAuthError('coordination_unavailable', 'The app cannot reach its coordination store right now. Try again in a moment.', { retryAfter: 5 });
}

/** The exchange limits of one `egnyteAuth()` (see the module comment). */
export class ExchangeLimits {
  private readonly line = new WaitingLine(EXCHANGE_LIMITS.maxWaiting);

  constructor(
    private readonly budget: RateLimiterAbstract,
    private readonly refusals: RateLimiterAbstract,
  ) {}

  /**
   * Waits for room in `client`'s budget, at most `waitMs`, and takes one point of it; throws
   * `sign_in_throttled` (429: the client's refusals are at the limit; 503: no turn in time) or
   * `coordination_unavailable`.
   */
  take(client: string, waitMs: number): Promise<Turn> {
    return this.line.run(client, waitMs, (waited) => this.tryTake(client, waited), {
      full: busy,
      timedOut: busy,
    });
  }

  /** One try: a turn, or `undefined` to wait; throws when the client is refused. */
  private async tryTake(client: string, waited: boolean): Promise<Turn | undefined> {
    try {
      // A caller that waited looks before it raises: a raise past the limit is taken back, but
      // meanwhile it may make another instance's caller wait for nothing.
      const seen = waited ? await this.budget.get(client) : null;
      if (!seen || seen.consumedPoints < EXCHANGE_LIMITS.perClient) {
        const taken = await this.raise(client);
        if (taken) return taken;
      }
      const refused = await this.refusals.get(client);
      if (refused && refused.consumedPoints >= EXCHANGE_LIMITS.perClient) {
        log.callback('exchange refused: the client failed %d times this window', refused.consumedPoints);
        throw throttled(refused.msBeforeNext);
      }
      return undefined;
    } catch (err) {
      if (err instanceof EgnyteAuthError) throw err;
      throw coordinationDown();
    }
  }

  /** Raises the budget by one: a turn, or `undefined` (taken back) when that went past the limit. */
  private async raise(client: string): Promise<Turn | undefined> {
    try {
      const res = await this.budget.consume(client);
      return this.turn(client, Date.now() + res.msBeforeNext);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      await this.giveBack(client, Date.now() + err.msBeforeNext);
      return undefined;
    }
  }

  /** Lowers the budget by one, unless the window the point was taken in is (nearly) over. */
  private async giveBack(client: string, windowEnd: number): Promise<void> {
    if (Date.now() >= windowEnd - WINDOW_MARGIN_MS) return;
    await this.budget.reward(client).catch(() => log.callback('exchange point not given back: the coordination backend failed'));
  }

  private turn(client: string, windowEnd: number): Turn {
    let settled = false;
    return {
      settle: async (outcome) => {
        if (settled) return;
        settled = true;
        if (outcome === 'refused') {
          await this.refusals.penalty(client).catch(() => log.callback('refusal not counted: the coordination backend failed'));
        } else {
          await this.giveBack(client, windowEnd);
        }
        this.line.notify(client);
      },
    };
  }
}

/** Builds the limits on the coordination backend (shared across instances with Redis). */
export function createExchangeLimits(coordination: EgnyteCoordination): ExchangeLimits {
  const { perClient: points, windowSeconds: duration } = EXCHANGE_LIMITS;
  return new ExchangeLimits(
    coordination.limiter({ keyPrefix: 'exchange-budget', points, duration }),
    coordination.limiter({ keyPrefix: 'exchange-refusals', points, duration }),
  );
}

/**
 * Whether a failed exchange was a verdict on its code. Egnyte down, slow or throttling (its
 * 409, or its pause kept by this app) is not: such a failure gives its point back, so an
 * outage does not use up the budget of the clients who met it.
 */
function outcomeOf(err: unknown): Outcome {
  return isEgnyteAuthError(err, 'upstream_unavailable', 'rate_limited', 'coordination_unavailable') ? 'not_judged' : 'refused';
}

/** What the exchange needs of the callback's attempt. */
export interface ExchangeAttempt {
  domain: string;
  code: string;
  state: string;
  entry: EgnytePendingLogin;
}

/**
 * Exchanges the attempt's code (with its PKCE verifier) once the client has a turn in its
 * budget, whatever the flow (see the module comment).
 */
export async function exchangeForAttempt(req: Request, config: ResolvedConfig, limits: ExchangeLimits, attempt: ExchangeAttempt): Promise<EgnyteTokenSet> {
  // A turn is waited for at most as long as one exchange may take.
  const turn = await limits.take(clientKey(req.ip), config.timeoutMs);
  let tokens: EgnyteTokenSet;
  try {
    tokens = await exchangeCode(config, attempt.domain, attempt.code, attempt.state, attempt.entry.codeVerifier);
  } catch (err) {
    await turn.settle(outcomeOf(err));
    throw err;
  }
  await turn.settle('succeeded');
  return tokens;
}
