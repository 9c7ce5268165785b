/**
 * What `egnyteAuth()` shares with the guard and the error handler: the validated config and
 * the per-session single-flight, attached to each request that passes through the router.
 */
import type { Request } from 'express';
import type { ResolvedConfig } from './config/options.js';
import { EgnyteAuthError } from './errors/errors.js';
import type { ExpiringSet } from './coordination/expiring-set.js';
import type { SingleFlight } from './coordination/single-flight.js';
import type { EgnyteTokenSet, EgnyteUser } from './types.js';

/** The result of re-reading a login from Egnyte, shared by concurrent requests of one session. */
export type ReloadOutcome =
  | { kind: 'fresh'; tokens: EgnyteTokenSet; user: EgnyteUser; fetchedAt: number }
  | { kind: 'signed_out'; error: EgnyteAuthError }
  | { kind: 'unavailable'; error: EgnyteAuthError; tokens: EgnyteTokenSet };

/** One `egnyteAuth()` instance's state. */
export interface Runtime {
  config: ResolvedConfig;
  reloads: SingleFlight<ReloadOutcome>;
  /** Session ids logged out recently: a request that loaded one before the logout must not write it back. */
  endedSessions: ExpiringSet;
}

/** The runtime as seen by one request, with the path the router is mounted at. */
export interface AttachedRuntime {
  runtime: Runtime;
  mountPath: string;
}

const kRuntime = Symbol('express-egnyte-auth.runtime');
type WithRuntime = Request & { [kRuntime]?: AttachedRuntime };

/** Records the runtime on the request (called by the router for every request). */
export function attachRuntime(req: Request, runtime: Runtime): void {
  (req as WithRuntime)[kRuntime] = { runtime, mountPath: req.baseUrl };
}

/** The runtime of the request, if `egnyteAuth()` saw it. */
export function findRuntime(req: Request): AttachedRuntime | undefined {
  return (req as WithRuntime)[kRuntime];
}

/** The runtime of the request, or `invalid_config` when `egnyteAuth()` is not mounted before the caller. */
export function requireRuntime(req: Request): AttachedRuntime {
  const attached = findRuntime(req);
  if (!attached) {
    throw new EgnyteAuthError('invalid_config', 'requireEgnyteUser() runs before egnyteAuth(): mount app.use(egnyteAuth({...})) before your guarded routes.');
  }
  return attached;
}

/** The login URL for this mount, with an optional `returnTo`. */
export function loginUrl(attached: AttachedRuntime, returnTo?: string): string {
  const path = attached.mountPath + attached.runtime.config.routes.login;
  return returnTo ? `${path}?returnTo=${encodeURIComponent(returnTo)}` : path;
}
