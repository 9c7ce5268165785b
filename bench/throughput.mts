/**
 * Throughput figures, each a ratio of medians from interleaved rounds in one run: the guard
 * and the router against the same app's unguarded routes, passport's session guard measured
 * the same way, and whole sign-ins against passport-oauth2 on the same emulator and store.
 */
import type { ServerProcess } from './support/child.mjs';
import { interleaved, record } from './support/figures.mjs';
import { requestsPerSecond, signInOnce, signInsPerSecond } from './support/load.mjs';

/** Where each contender's sign-in starts (both bound to the emulated acme domain). */
export const OURS_LOGIN = '/egnyte/login?domain=acme&returnTo=%2Fme';
export const PASSPORT_LOGIN = '/auth/egnyte';

/** The two apps on one store, each in its own process. */
export interface Contenders {
  ours: ServerProcess;
  passport: ServerProcess;
}

/** How long and how often each contender is measured. */
export interface Pace {
  rounds: number;
  seconds: number;
}

const perSecond = (value: number): string => `${value.toFixed(0)}/s`;

/** Guarded vs unguarded requests on one signed-in session per app (`autocannon`, 20 connections). */
export async function guardFigures(section: string, apps: Contenders, pace: Pace): Promise<void> {
  const ours = await signInOnce(apps.ours.url, OURS_LOGIN);
  const passport = await signInOnce(apps.passport.url, PASSPORT_LOGIN);
  const get = (app: ServerProcess, path: string, cookie: string) => () => requestsPerSecond(app.url + path, cookie, pace.seconds);
  await interleaved(1, { a: get(apps.ours, '/me', ours), b: get(apps.passport, '/me', passport) }); // warm-up
  const r = await interleaved(pace.rounds, {
    base: get(apps.ours, '/base', ours),
    plain: get(apps.ours, '/plain', ours),
    guarded: get(apps.ours, '/me', ours),
    passportBase: get(apps.passport, '/base', passport),
    passportGuarded: get(apps.passport, '/me', passport),
  });
  record(section, 'requireEgnyteUser(), fresh session, vs the same route unguarded', r.guarded / r.plain, 'x', `unguarded ${perSecond(r.plain)}, guarded ${perSecond(r.guarded)}`, { op: '>=', value: 0.95 });
  record(section, 'the router alone: unguarded route after egnyteAuth() vs before', r.plain / r.base, 'x', `before ${perSecond(r.base)}, after ${perSecond(r.plain)}`, { op: '>=', value: 0.98 });
  const oursTotal = r.guarded / r.base;
  const passportTotal = r.passportGuarded / r.passportBase;
  record(section, 'whole package: guarded route vs a route before egnyteAuth()', oursTotal, 'x', `before ${perSecond(r.base)}, guarded ${perSecond(r.guarded)}`);
  record(section, "passport: session() + isAuthenticated() vs a route before passport", passportTotal, 'x', `before ${perSecond(r.passportBase)}, guarded ${perSecond(r.passportGuarded)}`);
  record(section, "ours ahead of passport's session guard (ratio of the two above)", oursTotal / passportTotal, 'x', `passport ${passportTotal.toFixed(3)}x, ours ${oursTotal.toFixed(3)}x`, { op: '>=', value: 1 });
}

/** Whole sign-ins per second, 10 browsers at a time: login, Egnyte's authorize, callback, first guarded request. */
export async function signInFigures(section: string, apps: Contenders, pace: Pace): Promise<void> {
  const seconds = pace.seconds * 1.5;
  await interleaved(1, { a: () => signInsPerSecond(apps.ours.url, OURS_LOGIN, 1), b: () => signInsPerSecond(apps.passport.url, PASSPORT_LOGIN, 1) }); // warm-up
  const r = await interleaved(pace.rounds, {
    ours: () => signInsPerSecond(apps.ours.url, OURS_LOGIN, seconds),
    passport: () => signInsPerSecond(apps.passport.url, PASSPORT_LOGIN, seconds),
  });
  record(section, 'full sign-ins per second vs passport-oauth2', r.ours / r.passport, 'x', `passport-oauth2 ${perSecond(r.passport)}, ours ${perSecond(r.ours)}`, { op: '>=', value: 1 });
}
