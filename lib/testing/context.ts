/**
 * The state of one running emulator, handed explicitly to every handler: the validated
 * settings, the directory of clients and users, issued grants, counters, the request log
 * and the injected faults.
 */
import { Directory } from './directory.js';
import { EMULATOR_ENDPOINT_NAMES } from './endpoint-names.js';
import { FaultList } from './faults.js';
import type { EmulatorSettings } from './options.js';
import { RequestLog } from './request-log.js';
import { GrantStore, QpsMeter } from './store.js';
import { TimerSet } from './timers.js';
import type { EmulatorEndpointName, EmulatorTokenGrantCounts, EmulatorTokenRequest } from './types.js';

/** Everything the handlers of one emulator read and change. */
export interface EmulatorContext {
  readonly settings: EmulatorSettings;
  readonly directory: Directory;
  /** Authorization codes, access and refresh tokens. */
  readonly store: GrantStore;
  /** Per-token call rate on `/pubapi`. */
  readonly meter: QpsMeter;
  /** Per-token daily quota on `/pubapi`. */
  readonly quota: QpsMeter;
  /** Per-key calls on `/pubapi` (for Mashery's plan and key headers; never refuses). */
  readonly keyMeter: QpsMeter;
  /** Per-key hourly token requests. */
  readonly tokenMeter: QpsMeter;
  readonly faults: FaultList;
  /** Live counters, handed out as is by `EgnyteEmulator.calls`. */
  readonly calls: Record<EmulatorEndpointName, number>;
  /** Live counters, handed out as is by `EgnyteEmulator.tokenGrants`. */
  readonly tokenGrants: EmulatorTokenGrantCounts;
  readonly requestLog: RequestLog;
  /** Delays of `slow` faults, cancelled on close. */
  readonly timers: TimerSet;
  /** What the last token POST carried. */
  lastTokenRequest: EmulatorTokenRequest | undefined;
  /** Base URL, `http://127.0.0.1:PORT`; empty until the server listens. */
  url: string;
  /** Set by `close()`: a delayed request must not answer afterwards. */
  closed: boolean;
}

/** A fresh context with zeroed counters and empty stores. */
export function createEmulatorContext(settings: EmulatorSettings): EmulatorContext {
  return {
    settings,
    directory: new Directory(settings.clients, settings.users),
    store: new GrantStore(),
    meter: new QpsMeter(settings.qps),
    quota: new QpsMeter(settings.dailyQuota, 24 * 60 * 60 * 1000),
    keyMeter: new QpsMeter(0),
    tokenMeter: new QpsMeter(settings.tokenRequestsPerHour, 60 * 60 * 1000),
    faults: new FaultList(),
    calls: Object.fromEntries(EMULATOR_ENDPOINT_NAMES.map((n) => [n, 0])) as Record<EmulatorEndpointName, number>,
    tokenGrants: { authorization_code: 0, refresh_token: 0, password: 0 },
    requestLog: new RequestLog(),
    timers: new TimerSet(),
    lastTokenRequest: undefined,
    url: '',
    closed: false,
  };
}

/** Sets every counter to zero and empties the request log. */
export function resetCounters(ctx: EmulatorContext): void {
  for (const name of EMULATOR_ENDPOINT_NAMES) ctx.calls[name] = 0;
  ctx.tokenGrants.authorization_code = 0;
  ctx.tokenGrants.refresh_token = 0;
  ctx.tokenGrants.password = 0;
  ctx.requestLog.clear();
}
