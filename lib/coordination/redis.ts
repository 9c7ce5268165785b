/**
 * `redisCoordination()`: the coordination contract on Redis, for apps running several
 * instances. Each operation is one atomic Redis step: `SET NX PX` inside a Lua script for
 * claims, Lua compare-and-set for token records, `SET PX` for tombstones. Scripts go by
 * `EVALSHA`, falling back to `EVAL` once when Redis has not seen them (after a restart, or a
 * cluster master that has not run them yet). Every call is bounded by `timeoutMs`, so a down
 * or slow Redis fails fast instead of queueing requests behind its reconnects.
 *
 * Takes the client as the app has it, each sent commands its own way:
 *
 * - node-redis 5 `createClient()` (or a pool): `sendCommand(args)`;
 * - node-redis 5 `createCluster()`: `sendCommand(firstKey, isReadonly, args)`, routed by the
 *   key's slot;
 * - node-redis 5 `createSentinel()`: `sendCommand(isReadonly, args)`;
 * - ioredis `new Redis()` (with `{ sentinels, name }` too) and `new Redis.Cluster()`:
 *   `call(command, ...args)`, which a cluster routes by the command's keys.
 *
 * Every command is sent as a write (`isReadonly` false), reads included: a replica may not
 * have a logout yet, so the package reads from masters only. An ioredis Cluster decides by
 * command name instead, so with `scaleReads` other than `'master'` a read goes as a one-line
 * script, which it sends to the master.
 *
 * Multi-key scripts take keys that share a hash tag (see keys.ts); a Redis error other than
 * "unreachable" is named (see redis-errors.ts).
 */
import { createHash } from 'node:crypto';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import { assertOneSlot } from './keys.js';
import { CallTimedOut, type ClientTraits, NotAPromise, type RedisFailure, classifyRedisError, failureError } from './redis-errors.js';
import type { ClaimAnswer, CompareAndSetAnswer, CoordinationLimiterOptions, EgnyteCoordination } from './types.js';

/** A node-redis 5 client (`createClient()`, or `createClientPool()`): the part of it this module uses. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A node-redis 5 cluster (`createCluster()`): the part of it this module uses. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
}

/** A node-redis 5 sentinel (`createSentinel()`): the part of it this module uses. */
export interface NodeRedisSentinelLike {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getSentinelNode(): unknown;
}

/** An ioredis client (`new Redis()`, also with `{ sentinels, name }`) or cluster (`new Redis.Cluster()`): the part of it this module uses. */
export interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** Options of {@link redisCoordination}. */
export interface RedisCoordinationOptions {
  /**
   * A connected node-redis 5 client, cluster or sentinel, or an ioredis client or cluster.
   * Its connection is the app's to manage.
   */
  client: NodeRedisLike | NodeRedisClusterLike | NodeRedisSentinelLike | IoRedisLike;
  /** Prefix of every key this package writes; no `{` or `}`. Default `'egnyte-auth:'`. */
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

const READ = `return redis.call('GET', KEYS[1])`;

interface Script {
  name: string;
  source: string;
  sha: string;
}

function script(name: string, source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = {
  claim: script('claim', CLAIM),
  settle: script('settle', SETTLE),
  compareAndSet: script('compareAndSet', COMPARE_AND_SET),
  swap: script('swap', SWAP),
  read: script('get', READ),
};

/** How one kind of client is sent a command. */
interface Shape {
  /** For logs. */
  name: string;
  send(args: string[], firstKey: string): unknown;
  traits: ClientTraits;
  ioredis: boolean;
  /** Reads go as a script, so that they reach a master. */
  readsByScript: boolean;
}

type Loose = Record<string, unknown> & { options?: Record<string, unknown> };

const fn = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

const CLIENTS = 'a node-redis 5 client, cluster or sentinel (createClient(), createCluster(), createSentinel()), or an ioredis client or cluster (new Redis(), new Redis.Cluster())';

/** The shape of `client`, or what is wrong with it. Pure. */
function shapeOf(client: unknown): Shape | string {
  if (client === null || (typeof client !== 'object' && typeof client !== 'function')) return `client must be ${CLIENTS}.`;
  const c = client as Loose;
  if (fn(c.then)) return 'client is a Promise: await it first (const client = await createClient(...).connect()), then pass the client.';
  if (fn(c.call)) {
    const cluster = c.isCluster === true;
    const sentinel = !cluster && Array.isArray(c.options?.sentinels);
    const scaleReads = cluster ? (c.options?.scaleReads ?? 'master') : 'master';
    const call = c.call as (command: string, ...args: string[]) => unknown;
    return {
      name: cluster ? 'ioredis Cluster' : sentinel ? 'ioredis (Sentinel)' : 'ioredis',
      send: (args) => call.call(client, args[0]!, ...args.slice(1)),
      traits: { cluster, sentinel },
      ioredis: true,
      readsByScript: scaleReads !== 'master',
    };
  }
  if (fn(c.sendCommand)) {
    const sendCommand = c.sendCommand as (...args: unknown[]) => unknown;
    if (fn(c.getSentinelNode)) {
      return { name: 'node-redis Sentinel', send: (args) => sendCommand.call(client, false, args), traits: { cluster: false, sentinel: true }, ioredis: false, readsByScript: false };
    }
    if (fn(c.getSlotMaster)) {
      return { name: 'node-redis Cluster', send: (args, firstKey) => sendCommand.call(client, firstKey, false, args), traits: { cluster: true, sentinel: false }, ioredis: false, readsByScript: false };
    }
    return { name: 'node-redis', send: (args) => sendCommand.call(client, args), traits: { cluster: false, sentinel: false }, ioredis: false, readsByScript: false };
  }
  if (c.client !== undefined && fn(c.get) && fn(c.destroy)) {
    return "client is a session store (connect-redis's RedisStore?): give redisCoordination the Redis client itself, the one given to the store.";
  }
  return `client must be ${CLIENTS}.`;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return fn((value as { then?: unknown } | null | undefined)?.then);
}

const NOSCRIPT = Symbol('NOSCRIPT');

function describe(failure: Exclude<RedisFailure, { kind: 'noscript' }>): string {
  switch (failure.kind) {
    case 'unreachable':
      return `cannot reach Redis (${failure.reason})`;
    case 'not-ready':
      return `Redis cannot serve right now (${failure.word})`;
    case 'refused':
      return `Redis refused it (${failure.word})`;
    case 'misconfigured':
      return `${failure.byClient ? 'the client is of the wrong shape' : 'Redis answered'} ${failure.word}: invalid_config`;
  }
}

class RedisCoordination implements EgnyteCoordination {
  readonly name = 'redis';

  constructor(
    private readonly client: unknown,
    private readonly shape: Shape,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {}

  /** Sends one command, bounded in time; answers its reply or throws the request's error (or NOSCRIPT). */
  private async command(operation: string, args: string[], firstKey: string): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CallTimedOut(this.timeoutMs)), this.timeoutMs);
      });
      const sent = this.shape.send(args, firstKey);
      if (!isThenable(sent)) throw new NotAPromise();
      return await Promise.race([sent, timeout]);
    } catch (err) {
      const failure = classifyRedisError(err, this.shape.traits, this.prefix);
      if (failure.kind === 'noscript') throw NOSCRIPT;
      log.coordination('redis %s failed: %s', operation, describe(failure));
      throw failureError(failure);
    } finally {
      clearTimeout(timer);
    }
  }

  private async evalScript(which: Script, keys: string[], args: string[]): Promise<unknown> {
    const prefixed = keys.map((k) => this.prefix + k);
    // Checked on the keys as sent: a new script cannot take keys a cluster would refuse.
    assertOneSlot(which.name, prefixed);
    const tail = [String(keys.length), ...prefixed, ...args];
    try {
      return await this.command(which.name, ['EVALSHA', which.sha, ...tail], prefixed[0]!);
    } catch (err) {
      if (err !== NOSCRIPT) throw err;
    }
    try {
      return await this.command(which.name, ['EVAL', which.source, ...tail], prefixed[0]!);
    } catch (err) {
      if (err !== NOSCRIPT) throw err;
      throw failureError({ kind: 'refused', word: 'NOSCRIPT' });
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
    const value = this.shape.readsByScript ? await this.evalScript(SCRIPTS.read, [key], []) : await this.command('get', ['GET', this.prefix + key], this.prefix + key);
    return value === null || value === undefined ? undefined : String(value);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.command('set', ['SET', this.prefix + key, value, 'PX', String(Math.ceil(ttlMs))], this.prefix + key);
  }

  async delete(key: string): Promise<void> {
    await this.command('delete', ['DEL', this.prefix + key], this.prefix + key);
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
    // Single-key Lua and MULTI on one key: routed by the client on every deployment.
    return new RateLimiterRedis({
      storeClient: this.client,
      useRedisPackage: !this.shape.ioredis,
      keyPrefix: this.prefix + options.keyPrefix,
      points: options.points,
      duration: options.duration,
      rejectIfRedisNotReady: true,
    });
  }
}

/** Warned once per process: see {@link redisCoordination}. */
let warnedFailoverDetector = false;

/**
 * Coordination on Redis: logins, logouts, refreshes and limits agree across every instance
 * of the app that is given the same Redis, whether one server, a Cluster or a Sentinel
 * deployment. Throws `invalid_config` for a client of another kind, or a prefix with a brace.
 * Warns (`EgnyteAuthWarning` `EGNYTE_AUTH_SENTINEL_FAILOVER`) for an ioredis Sentinel client
 * without `failoverDetector: true`: it would go on writing to the old master for seconds
 * after a failover, and those writes (a logout among them) are lost.
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
  const shape = shapeOf(options?.client);
  if (typeof shape === 'string') problems.push(shape);
  const prefix = options?.prefix ?? 'egnyte-auth:';
  if (typeof prefix !== 'string') problems.push('prefix must be a string.');
  else if (/[{}]/.test(prefix)) {
    problems.push("prefix must not contain '{' or '}': every key carries a hash tag of its login, and a brace in the prefix would take its place (every key in one Cluster slot).");
  }
  const timeoutMs = options?.timeoutMs ?? 2000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) problems.push('timeoutMs must be a positive number.');
  if (problems.length > 0 || typeof shape === 'string') {
    throw new EgnyteAuthError('invalid_config', `redisCoordination(options) has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      problems,
    });
  }
  const ioOptions = (options.client as unknown as Loose).options;
  if (shape.traits.sentinel && shape.ioredis && ioOptions?.failoverDetector !== true && !warnedFailoverDetector) {
    warnedFailoverDetector = true;
    process.emitWarning(
      'express-egnyte-auth: redisCoordination was given an ioredis Sentinel client without failoverDetector: true. After a failover it goes on writing to the old master until Sentinel turns it into a replica, and those writes (logouts among them) are lost. Create it with new Redis({ sentinels, name, failoverDetector: true }).',
      { type: 'EgnyteAuthWarning', code: 'EGNYTE_AUTH_SENTINEL_FAILOVER' },
    );
  }
  log.coordination('redisCoordination: %s client, prefix %s', shape.name, prefix);
  return new RedisCoordination(options.client, shape, prefix, timeoutMs);
}
