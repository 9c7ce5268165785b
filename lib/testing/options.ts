/**
 * Validation of {@link EgnyteEmulatorOptions}: defaults filled in, domains normalised,
 * clients and users frozen. Pure apart from the thrown `TypeError`s, which name the option
 * that is wrong so a test setup fails at start rather than at the first request.
 */
import { normalizeEgnyteDomain } from '../config/domain.js';
import { DEFAULT_EMULATOR_CLIENTS, DEFAULT_EMULATOR_USERS } from './seed.js';
import type { EmulatorGateway } from './apigee.js';
import type { EgnyteEmulatorOptions, EmulatorClient, EmulatorTokenGeneration, EmulatorUser } from './types.js';

const TOKEN_GENERATIONS: ReadonlySet<EmulatorTokenGeneration> = new Set(['current', 'legacy', 'legacy-no-token-type']);
/** The policies of the Referrer Policy spec (the empty one excluded: leave the option out instead). */
export const REFERRER_POLICIES: ReadonlySet<string> = new Set([
  'no-referrer',
  'no-referrer-when-downgrade',
  'same-origin',
  'origin',
  'strict-origin',
  'origin-when-cross-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
]);
/** Default lifetime of current-generation access tokens: 30 days, as Egnyte's. */
const DEFAULT_TTL_SECONDS = 2_592_000;

/** An internal user: domain normalised. */
export interface SeededUser extends EmulatorUser {
  readonly domain: string;
}

/** A list with at least one element, so `list[0]` needs no check. */
export type NonEmpty<T> = readonly [T, ...T[]];

/** The options after validation, every default applied. */
export interface EmulatorSettings {
  readonly port: number;
  /** Normalises a domain with the configured host suffixes; throws an `EgnyteAuthError` when it is not one. */
  readonly normalize: (domain: string) => string;
  readonly tokenGeneration: EmulatorTokenGeneration;
  readonly ttlSeconds: number;
  /** Per-token calls per second on `/pubapi`; `0` disables throttling. */
  readonly qps: number;
  readonly easDomainParam: boolean;
  /** `Referrer-Policy` of every answer; undefined: none (the browser's default). */
  readonly referrerPolicy: string | undefined;
  readonly autoApprove: boolean | { username: string };
  readonly tokenErrorShape: 'egnyte' | 'rfc';
  readonly rotateRefreshTokens: boolean;
  readonly deadTokenAnswer: 'unauthorized' | 'developer_inactive';
  readonly throttleStatus: 403 | 429;
  /** Whose answers `/pubapi` gives: Mashery's (default) or Apigee's (see `apigee.ts`). */
  readonly gateway: EmulatorGateway;
  /** Per-token daily `/pubapi` calls; `0`: no limit. */
  readonly dailyQuota: number;
  /** Per-key hourly token requests; `0`: no limit. */
  readonly tokenRequestsPerHour: number;
  readonly jsonAsText: boolean;
  /** Every key accepts any absolute http(s) redirect URI (see redirect-uris.ts). */
  readonly anyRedirectUri: boolean;
  /** Never empty; the first is the default client. */
  readonly clients: NonEmpty<EmulatorClient>;
  readonly users: readonly SeededUser[];
}

function optionsError(message: string): TypeError {
  return new TypeError(`startEgnyteEmulator: ${message}`);
}

/**
 * Validates the options and applies defaults. Checks run in a fixed order, so the same bad
 * options always give the same message.
 *
 * @throws TypeError naming the first invalid option.
 */
export function resolveEmulatorOptions(options: EgnyteEmulatorOptions): EmulatorSettings {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw optionsError(`port must be 0..65535, got ${String(port)}`);
  const hostSuffixes = options.hostSuffixes ?? ['egnyte.com'];
  if (hostSuffixes.length === 0) throw optionsError('hostSuffixes must not be empty');
  const normalize = (domain: string): string => normalizeEgnyteDomain(domain, { hostSuffixes });
  const tokenGeneration = options.tokenGeneration ?? 'current';
  if (!TOKEN_GENERATIONS.has(tokenGeneration)) throw optionsError(`unknown tokenGeneration ${String(tokenGeneration)}`);
  const ttlSeconds = options.accessTokenTtlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw optionsError('accessTokenTtlSeconds must be a positive number');
  const qps = options.qps ?? 2;
  if (!Number.isInteger(qps) || qps < 0) throw optionsError('qps must be a non-negative integer');
  const easDomainParam = options.easDomainParam ?? false;
  const referrerPolicy = options.referrerPolicy;
  if (referrerPolicy !== undefined && !REFERRER_POLICIES.has(referrerPolicy)) {
    throw optionsError(`unknown referrerPolicy ${String(referrerPolicy)}`);
  }
  const clients = resolveClients(options.clients ?? DEFAULT_EMULATOR_CLIENTS, normalize);
  const users = resolveUsers(options.users ?? DEFAULT_EMULATOR_USERS, normalize);
  const autoApprove = options.autoApprove ?? false;
  if (typeof autoApprove === 'object' && !users.some((u) => u.username === autoApprove.username)) {
    throw optionsError(`autoApprove names unknown user ${autoApprove.username}`);
  }
  return { port, normalize, tokenGeneration, ttlSeconds, qps, easDomainParam, referrerPolicy, autoApprove, clients, users, ...resolveAnswers(options) };
}

/** The options that choose between Egnyte's answers seen in the wild. */
function resolveAnswers(
  options: EgnyteEmulatorOptions,
): Pick<EmulatorSettings, 'tokenErrorShape' | 'rotateRefreshTokens' | 'deadTokenAnswer' | 'throttleStatus' | 'gateway' | 'dailyQuota' | 'tokenRequestsPerHour' | 'jsonAsText' | 'anyRedirectUri'> {
  const tokenErrorShape = options.tokenErrorShape ?? 'egnyte';
  if (tokenErrorShape !== 'egnyte' && tokenErrorShape !== 'rfc') throw optionsError(`unknown tokenErrorShape ${String(tokenErrorShape)}`);
  const deadTokenAnswer = options.deadTokenAnswer ?? 'unauthorized';
  if (deadTokenAnswer !== 'unauthorized' && deadTokenAnswer !== 'developer_inactive') {
    throw optionsError(`unknown deadTokenAnswer ${String(deadTokenAnswer)}`);
  }
  const gateway = options.gateway ?? 'mashery';
  if (gateway !== 'mashery' && gateway !== 'apigee') throw optionsError(`unknown gateway ${String(gateway)} (mashery or apigee)`);
  const throttleStatus = options.throttleStatus ?? (gateway === 'apigee' ? 429 : 403);
  if (throttleStatus !== 403 && throttleStatus !== 429) throw optionsError('throttleStatus must be 403 or 429');
  const dailyQuota = options.dailyQuota ?? 1000;
  if (!Number.isInteger(dailyQuota) || dailyQuota < 0) throw optionsError('dailyQuota must be a non-negative integer');
  const tokenRequestsPerHour = options.tokenRequestsPerHour ?? 0;
  if (!Number.isInteger(tokenRequestsPerHour) || tokenRequestsPerHour < 0) throw optionsError('tokenRequestsPerHour must be a non-negative integer');
  if (options.anyRedirectUri !== undefined && typeof options.anyRedirectUri !== 'boolean') throw optionsError('anyRedirectUri must be true or false');
  return {
    tokenErrorShape,
    rotateRefreshTokens: options.rotateRefreshTokens === true,
    deadTokenAnswer,
    throttleStatus,
    gateway,
    dailyQuota,
    tokenRequestsPerHour,
    jsonAsText: options.jsonAsText === true,
    anyRedirectUri: options.anyRedirectUri === true,
  };
}

/** Freezes the clients (copying their lists so later edits by the caller do not leak in). */
function resolveClients(input: readonly EmulatorClient[], normalize: (domain: string) => string): NonEmpty<EmulatorClient> {
  const clients: EmulatorClient[] = input.map((c) =>
    Object.freeze({
      ...c,
      ...(c.redirectUris ? { redirectUris: Object.freeze([...c.redirectUris]) as string[] } : {}),
      ...(c.registeredDomains ? { registeredDomains: Object.freeze(c.registeredDomains.map(normalize)) as string[] } : {}),
    }),
  );
  const [first, ...rest] = clients;
  if (!first) throw optionsError('clients must not be empty');
  if (new Set(clients.map((c) => c.clientId)).size !== clients.length) throw optionsError('clientIds must be unique');
  return [first, ...rest];
}

/** Freezes the users with their domain normalised; an id or username may appear once per domain. */
function resolveUsers(input: readonly EmulatorUser[], normalize: (domain: string) => string): SeededUser[] {
  const users: SeededUser[] = [];
  for (const u of input) users.push(resolveUser(u, users, normalize));
  return users;
}

/**
 * One user, frozen with its domain normalised, checked against those already there.
 *
 * @throws TypeError for a duplicate id or username on the same domain.
 */
export function resolveUser(input: EmulatorUser, existing: readonly SeededUser[], normalize: (domain: string) => string): SeededUser {
  const user: SeededUser = Object.freeze({ ...input, domain: normalize(input.domain) });
  const clash = existing.some(
    (u) => u.domain === user.domain && (u.id === user.id || u.username.toLowerCase() === user.username.toLowerCase()),
  );
  if (clash) throw optionsError(`duplicate user ${user.username} (id ${user.id}) on ${user.domain}`);
  return user;
}
