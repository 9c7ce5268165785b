/**
 * The login lifecycle of one `egnyteAuth()`: what every module of lib/login/ works with. The
 * records (record.ts), the seal their tokens are kept under (token-seal.ts), the one refresh per
 * login across instances (refresh.ts), and what this process must forget about a login once it
 * ends. The layers above (the guard, the routes) reach logins only through this and the
 * modules beside it; nothing here knows of them.
 */
import type { ResolvedConfig } from '../config/options.js';
import { Flights, LOCK_MARGIN_MS } from '../coordination/flight.js';
import { LoginRecords } from './record.js';
import { type RefreshOutcome, refreshSharingMs } from './refresh-outcome.js';
import { type TokenSeal, tokenSealFor } from './token-seal.js';

/** The login lifecycle of one `egnyteAuth()`. */
export interface Logins {
  /** The validated options (lifetimes, hooks, revocation, how to reach Egnyte). */
  readonly config: ResolvedConfig;
  /** Each login's one record: tokens, times, or its tombstone. */
  readonly records: LoginRecords;
  /** How token sets are kept inside records: encrypted with the keys of `tokenKeys` (or `clientSecret`). */
  seal: TokenSeal;
  /** The token refresh, one per login across instances. */
  readonly refreshes: Flights<RefreshOutcome>;
  /** Forgets what this process shares about a login (its refresh, and what `alsoForget` names), once it ended. */
  forget(loginId: string): void;
}

/** Builds the login lifecycle of one `egnyteAuth()`; `alsoForget` drops what the layers above share per login. */
export function createLogins(config: ResolvedConfig, alsoForget: (loginId: string) => void): Logins {
  const { coordination, timeoutMs } = config;
  const refreshes = new Flights<RefreshOutcome>(coordination, { name: 'refresh', lockMs: timeoutMs + LOCK_MARGIN_MS, shareMs: refreshSharingMs });
  return {
    config,
    records: new LoginRecords(coordination),
    seal: tokenSealFor(config),
    refreshes,
    forget(loginId) {
      refreshes.forget(loginId);
      alsoForget(loginId);
    },
  };
}
