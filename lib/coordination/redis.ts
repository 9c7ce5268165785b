/**
 * `redisCoordination()`: the coordination contract on Redis, for apps running several
 * instances. Each operation is one atomic Redis step: `SET NX PX` inside a Lua script for
 * claims, Lua compare-and-set for token records, `SET PX` for tombstones. Scripts go by
 * `EVALSHA`, falling back to `EVAL` once when Redis has not seen them (after a restart).
 * Takes a node-redis 5 client or an ioredis client; every call is bounded by `timeoutMs`, so
 * a down or slow Redis fails fast instead of queueing requests behind its reconnects.
 */
import { createHash } from 'node:crypto';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { EgnyteAuthError } from '../errors/errors.js';
import type { ClaimAnswer, CompareAndSetAnswer, CoordinationLimiterOptions, EgnyteCoordination } from './types.js';

/** A node-redis 5 client (`createClient()`): the part of it this module uses. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** An ioredis client: the part of it this module uses. */
export interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** Options of {@link redisCoordination}. */
export interface RedisCoordinationOptions {
  /** A connected node-redis 5 client (or an ioredis client). Its connection is the app's to manage. */
  client: NodeRedisLike | IoRedisLike;
  /** Prefix of every key this package writes. Default `'egnyte-auth:'`. */
  prefix?: string;
  /** How long one Redis call may take before the request gets 503 `coordination_unavailable`. Default 2000. */
  timeoutMs?: number;
}

const CLAIM = `
if ARGV[3] == '1' then
  local r = redis.call('GET', KEYS[2])
  if r then return {'result', r} end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'acquired'} end
return {'held'}`;

const SETTLE = `
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

const COMPARE_AND_SET = `
local cur = redis.call('GET', KEYS[1])
local matches
if ARGV[1] == '1' then matches = (cur == ARGV[2]) else matches = (cur == false) end
if matches then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  return {1}
end
if cur then return {0, cur} end
return {0}`;

const SWAP = `
local previous = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return previous`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = { claim: script(CLAIM), settle: script(SETTLE), compareAndSet: script(COMPARE_AND_SET), swap: script(SWAP) };

function unavailable(): EgnyteAuthError {
  // No cause: a client error may quote the connection URL, password included.
  return new EgnyteAuthError('coordination_unavailable', 'The app cannot reach its coordination store (Redis) right now. Try again in a moment.', {
    retryAfter: 5,
  });
}

function isIoRedis(client: NodeRedisLike | IoRedisLike): client is IoRedisLike {
  return typeof (client as IoRedisLike).call === 'function';
}

class RedisCoordination implements EgnyteCoordination {
  readonly name = 'redis';
  private readonly send: (args: string[]) => Promise<unknown>;

  constructor(
    private readonly client: NodeRedisLike | IoRedisLike,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {
    this.send = isIoRedis(client)
      ? (args) => client.call(args[0] as string, ...args.slice(1))
      : (args) => client.sendCommand(args);
  }

  private async command(args: string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable()), this.timeoutMs);
    });
    try {
      return await Promise.race([this.send(args), timeout]);
    } catch (err) {
      if (err instanceof EgnyteAuthError) throw err;
      if (String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      throw unavailable();
    } finally {
      clearTimeout(timer);
    }
  }

  private async evalScript(which: Script, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys.map((k) => this.prefix + k), ...args];
    try {
      return await this.command(['EVALSHA', which.sha, ...tail]);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      return this.command(['EVAL', which.source, ...tail]);
    }
  }

  async claim(lockKey: string, owner: string, ttlMs: number, resultKey?: string): Promise<ClaimAnswer> {
    const reply = (await this.evalScript(SCRIPTS.claim, [lockKey, resultKey ?? lockKey], [owner, String(Math.ceil(ttlMs)), resultKey ? '1' : '0'])) as string[];
    if (reply[0] === 'result') return { kind: 'result', value: String(reply[1]) };
    return { kind: reply[0] === 'acquired' ? 'acquired' : 'held' };
  }

  async settle(lockKey: string, owner: string, resultKey: string, value: string, ttlMs: number): Promise<void> {
    await this.evalScript(SCRIPTS.settle, [lockKey, resultKey], [owner, value, String(Math.ceil(ttlMs))]);
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.command(['GET', this.prefix + key]);
    return value === null || value === undefined ? undefined : String(value);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.command(['SET', this.prefix + key, value, 'PX', String(Math.ceil(ttlMs))]);
  }

  async delete(key: string): Promise<void> {
    await this.command(['DEL', this.prefix + key]);
  }

  async swap(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const previous = await this.evalScript(SCRIPTS.swap, [key], [value, String(Math.ceil(ttlMs))]);
    return previous === null || previous === undefined || previous === false ? undefined : String(previous);
  }

  async compareAndSet(key: string, expected: string | undefined, next: string, ttlMs: number): Promise<CompareAndSetAnswer> {
    const reply = (await this.evalScript(
      SCRIPTS.compareAndSet,
      [key],
      [expected === undefined ? '0' : '1', expected ?? '', next, String(Math.ceil(ttlMs))],
    )) as unknown[];
    if (Number(reply[0]) === 1) return { ok: true };
    return { ok: false, current: reply[1] === undefined || reply[1] === null ? undefined : String(reply[1]) };
  }

  limiter(options: CoordinationLimiterOptions): RateLimiterRedis {
    return new RateLimiterRedis({
      storeClient: this.client,
      useRedisPackage: !isIoRedis(this.client),
      keyPrefix: this.prefix + options.keyPrefix,
      points: options.points,
      duration: options.duration,
      rejectIfRedisNotReady: true,
    });
  }
}

/**
 * Coordination on Redis: logins, logouts, refreshes and limits agree across every instance
 * of the app that is given the same Redis. Throws `invalid_config` for a client that is
 * neither node-redis nor ioredis.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { egnyteAuth } from 'express-egnyte-auth';
 * import { redisCoordination } from 'express-egnyte-auth/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * app.use(egnyteAuth({ ...options, coordination: redisCoordination({ client }) }));
 * ```
 */
export function redisCoordination(options: RedisCoordinationOptions): EgnyteCoordination {
  const problems: string[] = [];
  const client = options?.client as Partial<NodeRedisLike & IoRedisLike> | undefined;
  if (!client || (typeof client.sendCommand !== 'function' && typeof client.call !== 'function')) {
    problems.push('client must be a node-redis 5 client (createClient()) or an ioredis client.');
  }
  const prefix = options?.prefix ?? 'egnyte-auth:';
  if (typeof prefix !== 'string') problems.push('prefix must be a string.');
  const timeoutMs = options?.timeoutMs ?? 2000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) problems.push('timeoutMs must be a positive number.');
  if (problems.length > 0) {
    throw new EgnyteAuthError('invalid_config', `redisCoordination(options) has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      problems,
    });
  }
  return new RedisCoordination(options.client, prefix, timeoutMs);
}
