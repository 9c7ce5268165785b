/**
 * Throughput figures, each the median of per-round ratios from palindromic rounds in one run:
 * the guard and the router against the same app's unguarded routes, passport's session guard
 * measured the same way, and whole sign-ins against passport-oauth2 on the same emulator and
 * store. Each contender is warmed up first: a server's throughput is its steady state, after
 * V8 has compiled the code its requests run (thousands of sign-ins).
 */
import type { ServerProcess } from './support/child.mjs';
import { median, pairedRatio, palindromic, record } from './support/figures.mjs';
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
  /** One run of sign-ins; a run of requests takes half as long (it is many times as many). */
  seconds: number;
}

/** Warm-up per contender before sign-ins are measured, in seconds: until V8 no longer compiles much of the flow. */
const SIGN_IN_WARM_UP_SECONDS = 6;

const perSecond = (value: number): string => `${value.toFixed(0)}/s`;

/** Guarded vs unguarded requests on one signed-in session per app (`autocannon`, 20 connections). */
export async function guardFigures(section: string, apps: Contenders, pace: Pace): Promise<void> {
  const ours = await signInOnce(apps.ours.url, OURS_LOGIN);
  const passport = await signInOnce(apps.passport.url, PASSPORT_LOGIN);
  // Besides throughput, the app's own CPU time per request (process.cpuUsage around each run):
  // steadier than throughput when other work on the machine comes and goes.
  const cpu: Record<string, number[]> = {};
  const get = (app: ServerProcess, path: string, cookie: string) => async () => {
    const before = await app.ask<number>('cpu');
    const { rate, total } = await requestsPerSecond(app.url + path, cookie, pace.seconds / 2);
    (cpu[app.url + path] ??= []).push(((await app.ask<number>('cpu')) - before) / total);
    return rate;
  };
  await palindromic(1, { a: get(apps.ours, '/me', ours), b: get(apps.passport, '/me', passport) }); // warm-up
  for (const key of Object.keys(cpu)) delete cpu[key];
  const s = {
    ...(await palindromic(pace.rounds, { base: get(apps.ours, '/base', ours), plain: get(apps.ours, '/plain', ours), guarded: get(apps.ours, '/me', ours) })),
    ...(await palindromic(pace.rounds, { passportBase: get(apps.passport, '/base', passport), passportGuarded: get(apps.passport, '/me', passport) })),
  };
  const us = (app: ServerProcess, path: string): string => `${median(cpu[app.url + path] ?? [0]).toFixed(0)} µs`;
  const m = (samples: number[]): string => perSecond(median(samples));
  record(section, 'requireEgnyteUser(), fresh session, vs the same route unguarded', pairedRatio(s.guarded, s.plain), 'x', `unguarded ${m(s.plain)} (${us(apps.ours, '/plain')} CPU), guarded ${m(s.guarded)} (${us(apps.ours, '/me')})`, { op: '>=', value: 0.95 });
  record(section, 'the router alone: unguarded route after egnyteAuth() vs before', pairedRatio(s.plain, s.base), 'x', `before ${m(s.base)} (${us(apps.ours, '/base')} CPU), after ${m(s.plain)} (${us(apps.ours, '/plain')})`, { op: '>=', value: 0.98 });
  const oursTotal = pairedRatio(s.guarded, s.base);
  const passportTotal = pairedRatio(s.passportGuarded, s.passportBase);
  record(section, 'whole package: guarded route vs a route before egnyteAuth()', oursTotal, 'x', `before ${m(s.base)}, guarded ${m(s.guarded)}`);
  record(section, 'passport: session() + isAuthenticated() vs a route before passport', passportTotal, 'x', `before ${m(s.passportBase)} (${us(apps.passport, '/base')} CPU), guarded ${m(s.passportGuarded)} (${us(apps.passport, '/me')})`);
  record(section, "ours ahead of passport's session guard (ratio of the two above)", oursTotal / passportTotal, 'x', `passport ${passportTotal.toFixed(3)}x, ours ${oursTotal.toFixed(3)}x`, { op: '>=', value: 1 });
}

/** Whole sign-ins per second, 10 browsers at a time: login, Egnyte's authorize, callback, first guarded request. */
export async function signInFigures(section: string, apps: Contenders, pace: Pace): Promise<void> {
  const seconds = pace.seconds;
  const cpu: Record<string, number[]> = { ours: [], passport: [] };
  const signIns = (name: 'ours' | 'passport', app: ServerProcess, login: string, seconds: number) => async () => {
    const before = await app.ask<number>('cpu');
    const { rate, total } = await signInsPerSecond(app.url, login, seconds);
    cpu[name]!.push(((await app.ask<number>('cpu')) - before) / total);
    return rate;
  };
  for (let i = 0; i < SIGN_IN_WARM_UP_SECONDS / 2; i++) {
    await signInsPerSecond(apps.ours.url, OURS_LOGIN, 2);
    await signInsPerSecond(apps.passport.url, PASSPORT_LOGIN, 2);
  }
  const s = await palindromic(pace.rounds, {
    ours: signIns('ours', apps.ours, OURS_LOGIN, seconds),
    passport: signIns('passport', apps.passport, PASSPORT_LOGIN, seconds),
  });
  const us = (name: string): string => `${median(cpu[name]!).toFixed(0)} µs CPU`;
  record(section, 'full sign-ins per second vs passport-oauth2', pairedRatio(s.ours, s.passport), 'x', `passport-oauth2 ${perSecond(median(s.passport))} (${us('passport')}), ours ${perSecond(median(s.ours))} (${us('ours')})`, {
    op: '>=',
    value: 1,
  });
}
