/**
 * The code exchange of a callback, limited when its domain was learned at the callback.
 *
 * Why: Egnyte allows an API key about 100 token requests an hour, then answers 409 for every
 * user of the app (EGNYTE.md, "Errors and limits"). Anyone can start a login and call the
 * callback with a junk code and `domain=someone`: each such call is a token request with the
 * client secret. So failed exchanges whose domain was learned at the callback (the `domain`
 * parameter or the Referer, after the Enhanced Auth Service) are counted per client and
 * overall, with the coordination backend's limiter (shared by every instance when it is
 * Redis); past either limit the exchange is not attempted.
 *
 * Never held back: a sign-in whose domain was bound at login (the browser was sent to that
 * domain's own sign-in page, so the code is that domain's), and real sign-ins, which succeed
 * and so give their point back. Only refusals count: an exchange that failed because Egnyte was
 * down or unreachable gives its point back too, so an outage does not pause sign-ins after it.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Request } from 'express';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { EgnyteCoordination } from '../coordination/types.js';
import { exchangeCode } from '../egnyte/token-client.js';
import { EgnyteAuthError, isEgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { findRuntime, loginUrl, type Runtime } from '../runtime.js';
import type { EgnytePendingLogin, EgnyteTokenSet } from '../types.js';

/**
 * Failed exchanges with a learned domain allowed per window: per client (IP address, or IPv6
 * /64), and overall. The overall limit keeps most of Egnyte's hourly allowance for real users.
 */
export const LEARNED_DOMAIN_FAILURE_LIMITS: Readonly<{ perClient: number; overall: number; windowSeconds: number }> = Object.freeze({
  perClient: 10,
  overall: 30,
  windowSeconds: 3600,
});

const OVERALL_KEY = 'all';

/** The two limiters of one `egnyteAuth()`. */
export interface ExchangeLimits {
  perClient: RateLimiterAbstract;
  overall: RateLimiterAbstract;
}

/** Builds the limiters on the coordination backend (shared across instances with Redis). */
export function createExchangeLimits(coordination: EgnyteCoordination): ExchangeLimits {
  const { perClient, overall, windowSeconds: duration } = LEARNED_DOMAIN_FAILURE_LIMITS;
  return {
    perClient: coordination.limiter({ keyPrefix: 'learned-exchange-client', points: perClient, duration }),
    overall: coordination.limiter({ keyPrefix: 'learned-exchange-all', points: overall, duration }),
  };
}

/** Expands an IPv6 address (no zone, no embedded IPv4) to its eight groups. */
function ipv6Groups(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => g.replace(/^0+(?=.)/, '').toLowerCase());
}

/**
 * The key a client is counted under: its IPv4 address, or the /64 of its IPv6 address (one
 * network hands out a whole /64, so single addresses cost an attacker nothing). Pure.
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

function throttled(scope: 'client' | 'overall', msBeforeNext: number, req: Request): EgnyteAuthError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const attached = findRuntime(req);
  const bound = `${attached ? loginUrl(attached) : '/egnyte/login'}?domain=YOUR-COMPANY`;
  const who = scope === 'client' ? 'Too many sign-ins from your network failed recently' : 'Too many sign-ins failed recently';
  return new EgnyteAuthError(
    'sign_in_throttled',
    `${who}, so sign-ins that come back from Egnyte without a known domain are paused for ${retryAfter} seconds, ` +
      `to protect this app's Egnyte sign-in allowance. Try again then, or sign in now with your Egnyte domain: ${bound}.`,
    { status: scope === 'client' ? 429 : 503, retryAfter },
  );
}

function coordinationDown(): EgnyteAuthError {
  return new EgnyteAuthError('coordination_unavailable', 'The app cannot reach its coordination store right now. Try again in a moment.', { retryAfter: 5 });
}

/**
 * Takes a point from both limiters before an exchange, or throws `sign_in_throttled` (429
 * for this client, 503 overall) without taking any. Consuming before the exchange, rather than
 * counting after it, keeps a burst of parallel junk callbacks within the limit too. Returns
 * the function that gives the points back.
 */
async function reserve(req: Request, limits: ExchangeLimits): Promise<() => Promise<void>> {
  const client = clientKey(req.ip);
  const rejected = (err: unknown): err is RateLimiterRes => err instanceof RateLimiterRes;
  try {
    // Looked at first, so a paused app creates no per-client record for each new address.
    const total = await limits.overall.get(OVERALL_KEY);
    if (total && total.consumedPoints >= LEARNED_DOMAIN_FAILURE_LIMITS.overall) throw throttled('overall', total.msBeforeNext, req);
    try {
      await limits.perClient.consume(client);
    } catch (err) {
      throw rejected(err) ? throttled('client', err.msBeforeNext, req) : err;
    }
    try {
      await limits.overall.consume(OVERALL_KEY);
    } catch (err) {
      await limits.perClient.reward(client).catch(() => undefined);
      throw rejected(err) ? throttled('overall', err.msBeforeNext, req) : err;
    }
  } catch (err) {
    if (err instanceof EgnyteAuthError) {
      log.callback('learned-domain exchange refused: %s', err.status === 429 ? 'client limit' : 'overall limit');
      throw err;
    }
    throw coordinationDown();
  }
  return async () => {
    await Promise.all([limits.perClient.reward(client), limits.overall.reward(OVERALL_KEY)]).catch(() => undefined);
  };
}

/** What the exchange needs of the callback's attempt. */
export interface ExchangeAttempt {
  domain: string;
  code: string;
  state: string;
  entry: EgnytePendingLogin;
}

/**
 * Exchanges the attempt's code (with its PKCE verifier), limited as the module comment says
 * when the domain was learned at the callback.
 */
export async function exchangeForAttempt(req: Request, runtime: Runtime, attempt: ExchangeAttempt): Promise<EgnyteTokenSet> {
  const exchange = (): Promise<EgnyteTokenSet> =>
    exchangeCode(runtime.config, attempt.domain, attempt.code, attempt.state, attempt.entry.codeVerifier);
  if (attempt.entry.domain !== undefined) return exchange();
  const giveBack = await reserve(req, runtime.exchangeLimits);
  let tokens: EgnyteTokenSet;
  try {
    tokens = await exchange();
  } catch (err) {
    // Egnyte down or unreachable is not a refusal: it must not pause sign-ins after the outage.
    if (isEgnyteAuthError(err, 'upstream_unavailable')) await giveBack();
    throw err;
  }
  await giveBack();
  return tokens;
}
