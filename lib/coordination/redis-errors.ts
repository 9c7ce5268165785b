/**
 * What a failed Redis call means, told apart once for `redisCoordination` (pure functions).
 *
 * Redis answers an error with a reply whose first word names it (`MOVED`, `READONLY`,
 * `NOPERM`...); a client that cannot reach Redis rejects with its own errors (a closed socket,
 * a closed client), which have no such word. Four outcomes:
 *
 * - **unreachable**: no answer in time, or the client has no connection: 503 "cannot reach".
 * - **not ready**: Redis answered that it cannot serve right now (`LOADING`, `BUSY`,
 *   `CLUSTERDOWN`, `TRYAGAIN`, `MASTERDOWN`, ...; a cluster client's `MOVED` or a Sentinel
 *   client's `READONLY` mid-failover): 503, naming the word.
 * - **misconfigured**: an answer that will come back on every call until the app is changed:
 *   a single-node client on a Cluster (`MOVED`, `ASK`), one connected to a replica
 *   (`READONLY`), keys across slots (`CROSSSLOT`), missing rights or password (`NOPERM`,
 *   `NOAUTH`, `WRONGPASS`), another app's data under our keys (`WRONGTYPE`), a server without
 *   scripting, or a client object of the wrong shape: `invalid_config`, saying what to change.
 * - **refused**: any other error reply: 503, naming the word.
 *
 * Only the first word is kept: the rest of a message can quote keys (login ids, states) or,
 * from some clients, a connection URL with its password.
 */
import { EgnyteAuthError } from '../errors/errors.js';

/** How the client reaches Redis: decides which answers are expected of it. */
export interface ClientTraits {
  /** A Cluster client: follows `MOVED` and `ASK` itself. */
  cluster: boolean;
  /** A Sentinel client: a `READONLY` is the old master during a failover. */
  sentinel: boolean;
}

/** A failed call, classified. */
export type RedisFailure =
  | { kind: 'noscript' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'not-ready'; word: string }
  /** `byClient`: the client object misbehaved before Redis was asked (`word` names how). */
  | { kind: 'misconfigured'; word: string; advice: string; byClient?: boolean }
  | { kind: 'refused'; word: string };

/** The reason a call gave up waiting. */
export class CallTimedOut extends Error {
  constructor(readonly afterMs: number) {
    super(`timed out after ${afterMs} ms`);
  }
}

/** The client's answer was not a promise: a callback-style client. */
export class NotAPromise extends Error {}

const NOT_READY = new Set(['LOADING', 'BUSY', 'CLUSTERDOWN', 'TRYAGAIN', 'MASTERDOWN', 'NOREPLICAS', 'MISCONF', 'OOM', 'UNBLOCKED', 'NOTREADY']);

const CLUSTER_ADVICE =
  'redisCoordination was given a single-node client, and this Redis is a Cluster: give it a cluster client, node-redis createCluster({ rootNodes }) or ioredis new Redis.Cluster(nodes).';

/** The leading all-capitals word of a Redis error reply, if the message starts with one. */
export function redisErrorWord(message: string): string | undefined {
  return /^([A-Z][A-Z_]+)(?=\s|$)/.exec(message)?.[1];
}

function advice(word: string, message: string, traits: ClientTraits, prefix: string): string | undefined {
  switch (word) {
    case 'MOVED':
    case 'ASK':
      return traits.cluster ? undefined : CLUSTER_ADVICE;
    case 'CROSSSLOT':
      return `the keys of one script are in different hash slots of the Cluster. The package keeps each script's keys under one hash tag; a proxy that rewrites keys breaks that.`;
    case 'READONLY':
      return traits.sentinel
        ? undefined
        : 'the client is connected to a replica, which refuses writes. Connect it to the master; with Sentinel, give a Sentinel client: node-redis createSentinel({ name, sentinelRootNodes }) or ioredis new Redis({ sentinels, name }).';
    case 'NOPERM':
      return `the Redis user of this client may not run a command or use a key the package needs. Allow EVALSHA, EVAL, GET, SET, DEL, MULTI, EXEC, INCRBY, PTTL and EXPIRE on keys starting with '${prefix}' (e.g. ACL SETUSER <user> ~${prefix}* +@read +@write +@scripting +multi +exec).`;
    case 'NOAUTH':
    case 'WRONGPASS':
      return 'Redis wants a user name and password the client did not give or got wrong: give them to the client (redis://user:password@host, or its username and password options).';
    case 'WRONGTYPE':
      return `a key under the prefix '${prefix}' holds another kind of data: another app, or another use of this one, writes the same key names. Give redisCoordination a prefix of its own (the prefix option).`;
    case 'ERR':
      return /^ERR unknown command/i.test(message)
        ? 'this server does not know a command the package needs. redisCoordination needs Redis (6 or later) or Valkey with Lua scripting (EVAL, EVALSHA), reached directly rather than through a proxy that drops commands.'
        : undefined;
    default:
      return undefined;
  }
}

/** Classifies what a client's call rejected with. */
export function classifyRedisError(err: unknown, traits: ClientTraits, prefix: string): RedisFailure {
  if (err instanceof CallTimedOut) return { kind: 'unreachable', reason: err.message };
  if (err instanceof NotAPromise) {
    return {
      kind: 'misconfigured',
      word: 'no promise',
      byClient: true,
      advice:
        "the client's command method answered no promise: a callback-style client (node-redis's client.legacy(), or node-redis 3). Give redisCoordination the node-redis 5 client itself, or an ioredis client.",
    };
  }
  if (err instanceof TypeError) {
    return {
      kind: 'misconfigured',
      word: 'TypeError',
      byClient: true,
      advice:
        'the client did not take a command the way a node-redis 5 client, cluster or sentinel, or an ioredis client or cluster does. Give redisCoordination one of those, connected.',
    };
  }
  const message = String((err as { message?: unknown } | undefined)?.message ?? '');
  const word = redisErrorWord(message);
  if (word === undefined) {
    const code = (err as { code?: unknown } | undefined)?.code;
    const name = (err as { name?: unknown } | undefined)?.name;
    return { kind: 'unreachable', reason: typeof code === 'string' ? code : typeof name === 'string' ? name : 'no answer' };
  }
  if (word === 'NOSCRIPT') return { kind: 'noscript' };
  const told = advice(word, message, traits, prefix);
  if (told !== undefined) return { kind: 'misconfigured', word, advice: told };
  if (NOT_READY.has(word) || word === 'MOVED' || word === 'ASK' || word === 'READONLY') return { kind: 'not-ready', word };
  return { kind: 'refused', word };
}

/** The error a request sees for a failure (never for `noscript`, which the caller retries). */
export function failureError(failure: Exclude<RedisFailure, { kind: 'noscript' }>): EgnyteAuthError {
  // No cause attached: a client error may quote the connection URL, password included.
  switch (failure.kind) {
    case 'misconfigured': {
      const what = failure.byClient ? `redisCoordination's client is of the wrong shape (${failure.word})` : `The app's coordination store (Redis) answered ${failure.word}`;
      return new EgnyteAuthError('invalid_config', `${what}: ${failure.advice}`, { problems: [what] });
    }
    case 'not-ready':
      return new EgnyteAuthError('coordination_unavailable', `The app's coordination store (Redis) cannot serve right now (${failure.word}). Try again in a moment.`, {
        retryAfter: 5,
      });
    case 'refused':
      return new EgnyteAuthError('coordination_unavailable', `The app's coordination store (Redis) refused a command (${failure.word}). Try again in a moment.`, {
        retryAfter: 5,
      });
    case 'unreachable':
      return new EgnyteAuthError('coordination_unavailable', 'The app cannot reach its coordination store (Redis) right now. Try again in a moment.', {
        retryAfter: 5,
      });
  }
}
