/**
 * What `egnyteAuth()` shares with the guard and the error handler: the validated config and
 * the coordination built on it (login records, flights, limits), attached to each request that
 * passes through the router.
 */
import type { Request, Response } from 'express';
import { publicPath } from './config/mount-check.js';
import type { ResolvedConfig } from './config/options.js';
import { Flights } from './coordination/flight.js';
import { type EgnytePacer, createEgnytePacer } from './egnyte/pacing.js';
import { RELOAD_GRACE_MS, type ReloadOutcome, refreshSharingMs, reloadSharingMs } from './guard/outcomes.js';
import { RecentTouches } from './login/lifetime.js';
import { LoginRecords } from './login/record.js';
import type { RefreshOutcome } from './login/refresh.js';
import { type TokenSeal, tokenSealFor } from './login/token-seal.js';
import { routerMissingError } from './errors/setup-mistakes.js';
import type { SignInOutcome } from './flow/sign-in-outcome.js';
import { PENDING_TTL_MS } from './flow/pending-logins.js';
import { type ExchangeLimits, createExchangeLimits } from './flow/exchange-limits.js';
import type { StoreGuards } from './session/write-guard.js';

/** One `egnyteAuth()` instance's state. */
export interface Runtime {
  config: ResolvedConfig;
  /** Each login's one record: tokens, times, or its tombstone. */
  records: LoginRecords;
  /** How token sets are kept inside records: encrypted with the keys of `tokenKeys` (or `clientSecret`). */
  seal: TokenSeal;
  /** The userinfo re-read, one per login across instances. */
  reloads: Flights<ReloadOutcome>;
  /** The token refresh, one per login across instances. */
  refreshes: Flights<RefreshOutcome>;
  /** Callbacks, one per `state` across instances: a state is used once. */
  signIns: Flights<SignInOutcome>;
  /** Session store wrappers that let logout win over writes in flight. */
  storeGuards: StoreGuards;
  /** Limits on failed code exchanges with a domain learned at the callback. */
  exchangeLimits: ExchangeLimits;
  /** Paces calls to Egnyte per login, with counts in the coordination backend. */
  pacer: EgnytePacer;
  /** Which logins' activity this process recorded lately. */
  touches: RecentTouches;
}

/** Room on top of an upstream call's own time limit before its lock frees itself. */
const LOCK_MARGIN_MS = 1000;

/** Builds the runtime of one `egnyteAuth()`. */
export function createRuntime(config: ResolvedConfig): Runtime {
  const { coordination, timeoutMs, userCacheMs } = config;
  return {
    config,
    records: new LoginRecords(coordination),
    seal: tokenSealFor(config),
    reloads: new Flights<ReloadOutcome>(coordination, { name: 'reload', lockMs: timeoutMs + LOCK_MARGIN_MS, shareMs: (o) => reloadSharingMs(o, userCacheMs) }),
    refreshes: new Flights<RefreshOutcome>(coordination, { name: 'refresh', lockMs: timeoutMs + LOCK_MARGIN_MS, shareMs: refreshSharingMs }),
    // Exchange, userinfo and the session save: two upstream calls and a store write.
    signIns: new Flights<SignInOutcome>(coordination, { name: 'state', lockMs: 2 * timeoutMs + 5000, shareMs: () => PENDING_TTL_MS, localMaxMs: RELOAD_GRACE_MS }),
    storeGuards: new WeakMap(),
    exchangeLimits: createExchangeLimits(coordination),
    pacer: createEgnytePacer({ limiter: (o) => coordination.limiter(o), ...config.apiLimits, apiWaitMs: config.apiWaitMs }),
    touches: new RecentTouches(),
  };
}

/**
 * The path of `req` as the browser sees it: Express's path under the router's mount, under
 * baseUrl's path (see `config/mount-check.ts` for how the two combine).
 */
export function publicUrlOf(attached: AttachedRuntime, req: Request): string {
  return publicPath(attached.runtime.config.basePath, attached.mountPath, req.originalUrl);
}

/** The runtime as seen by one request, with the path the router is mounted at. */
export interface AttachedRuntime {
  runtime: Runtime;
  mountPath: string;
}

const kRuntime = Symbol('express-egnyte-auth.runtime');
const kMountPath = Symbol('express-egnyte-auth.mount-path');
type Locals = Record<symbol, unknown>;

/**
 * Records the runtime for the request (called by the router for every request), in
 * `res.locals`: express makes it per request as a dictionary, where a key costs a hash insert.
 * A property added to the request itself reshaped Node's large request object on every request,
 * which cost more than the rest of the router.
 */
export function attachRuntime(req: Request, res: Response, runtime: Runtime): void {
  const locals = res.locals as Locals;
  locals[kRuntime] = runtime;
  locals[kMountPath] = req.baseUrl;
}

/** The runtime of the request, if `egnyteAuth()` saw it. */
export function findRuntime(req: Request): AttachedRuntime | undefined {
  const locals = req.res?.locals as Locals | undefined;
  const runtime = locals?.[kRuntime] as Runtime | undefined;
  return runtime ? { runtime, mountPath: locals![kMountPath] as string } : undefined;
}

/** The runtime of the request, or `invalid_config` when `egnyteAuth()` did not see it (mounted after the caller, or under a sub-path). */
export function requireRuntime(req: Request): AttachedRuntime {
  const attached = findRuntime(req);
  if (!attached) throw routerMissingError(req);
  return attached;
}

/**
 * The login URL as the browser sees it (baseUrl's path, then the route), with an optional
 * `returnTo`, itself a path as the browser sees it (see {@link publicUrlOf}).
 */
export function loginUrl(attached: AttachedRuntime, returnTo?: string): string {
  const path = attached.runtime.config.basePath + attached.runtime.config.routes.login;
  return returnTo ? `${path}?returnTo=${encodeURIComponent(returnTo)}` : path;
}
