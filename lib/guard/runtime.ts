/**
 * What `egnyteAuth()` shares with the guard, `req.egnyte`, the routes and the error handler:
 * the validated config and the state built on it (the login lifecycle, the re-read flights, the
 * API pacer), attached to each request that passes through the router. The routes' own state
 * (callbacks' flights, exchange limits) stays with the router (flow/).
 */
import type { Request, Response } from 'express';
import { publicPath } from '../config/mount-check.js';
import type { ResolvedConfig } from '../config/options.js';
import { Flights, LOCK_MARGIN_MS } from '../coordination/flight.js';
import { type EgnytePacer, createEgnytePacer } from '../egnyte/pacing.js';
import { type ReloadOutcome, reloadSharingMs } from './outcomes.js';
import { RecentTouches } from '../login/lifetime.js';
import { type Logins, createLogins } from '../login/logins.js';
import { routerMissingError } from '../errors/setup-mistakes.js';

/** One `egnyteAuth()` instance's state. */
export interface Runtime {
  config: ResolvedConfig;
  /** The login lifecycle: records, their seal, refreshes (lib/login/). */
  logins: Logins;
  /** The userinfo re-read, one per login across instances. */
  reloads: Flights<ReloadOutcome>;
  /** Paces calls to Egnyte per login, with counts in the coordination backend. */
  pacer: EgnytePacer;
  /** Which logins' activity this process recorded lately. */
  touches: RecentTouches;
}

/** Builds the runtime of one `egnyteAuth()`. */
export function createRuntime(config: ResolvedConfig): Runtime {
  const { coordination, timeoutMs, userCacheMs } = config;
  const reloads = new Flights<ReloadOutcome>(coordination, { name: 'reload', lockMs: timeoutMs + LOCK_MARGIN_MS, shareMs: (o) => reloadSharingMs(o, userCacheMs) });
  return {
    config,
    logins: createLogins(config, (loginId) => reloads.forget(loginId)),
    reloads,
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
