/**
 * Throughput figures, each the median of per-round ratios from palindromic rounds in one run:
 * the guard and the router against the same app's unguarded routes, passport's session guard
 * measured the same way, and whole sign-ins against passport-oauth2 on the same emulator and
 * store. Each contender is warmed up first: a server's throughput is its steady state, after
 * V8 has compiled the code its requests run (thousands of sign-ins).
 */
import type { ServerProcess } from './support/child.mjs';
import { median, pairedRatio, palindromic, record } from './support/figures.mjs';
import type { PathCpu } from './servers/app-kit.mjs';
import { alternatingRequests, signInOnce, signInsPerSecond } from './support/load.mjs';

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
  /** One run of sign-ins. */
  seconds: number;
}

/** Requests per path and round in the CPU figures (each round: about a second per path). */
const REQUEST_CYCLES = 2000;

/** Warm-up per contender before sign-ins are measured, in seconds: until V8 no longer compiles much of the flow. */
const SIGN_IN_WARM_UP_SECONDS = 6;

const perSecond = (value: number): string => `${value.toFixed(0)}/s`;

/** Requests per path and round in the fetch figure: each calls the emulator, so a round takes longer. */
const FETCH_CYCLES = 800;

/** One round of `cycles` metered requests per path: CPU per request of each. */
async function meteredRound(app: ServerProcess, paths: readonly string[], cookie: string, cycles: number): Promise<PathCpu> {
  await app.ask('meter', 'start');
  await alternatingRequests(app.url, paths, cookie, cycles);
  return app.ask<PathCpu>('meter', 'read');
}

/** Rounds of metered requests per path, the first of them a warm-up that is not counted. */
async function cpuPerRequest(app: ServerProcess, paths: readonly string[], cookie: string, rounds: number): Promise<Record<string, number[]>> {
  const perRound: Record<string, number[]> = Object.fromEntries(paths.map((path) => [path, []]));
  for (let round = 0; round <= rounds; round++) {
    const metered = await meteredRound(app, paths, cookie, REQUEST_CYCLES);
    if (round === 0) continue;
    for (const path of paths) perRound[path]!.push(metered[path]!.cpuMicros / metered[path]!.requests);
  }
  return perRound;
}

/**
 * Guarded vs unguarded requests on one signed-in session per app, as requests per CPU-second:
 * the app process's CPU time per request, metered request by request with one request in
 * flight, the paths of one app interleaved request by request. A single-threaded server's
 * throughput is the inverse of it; metered this way the figures hold within a percent or two
 * from run to run, where throughput under load (autocannon) moved by ten.
 */
export async function guardFigures(section: string, apps: Contenders, pace: Pace): Promise<void> {
  const ours = await signInOnce(apps.ours.url, OURS_LOGIN);
  const passport = await signInOnce(apps.passport.url, PASSPORT_LOGIN);
  const o = await cpuPerRequest(apps.ours, ['/base', '/plain', '/me'], ours, pace.rounds);
  const p = await cpuPerRequest(apps.passport, ['/base', '/me'], passport, pace.rounds);
  const us = (samples: number[]): string => `${median(samples).toFixed(1)} µs`;
  // CPU time per request of the baseline over that of the subject: its share of the throughput.
  const share = (subject: number[], baseline: number[]): number => pairedRatio(baseline, subject);
  record(section, 'requireEgnyteUser(), fresh session, vs the same route unguarded', share(o['/me']!, o['/plain']!), 'x', `CPU per request: unguarded ${us(o['/plain']!)}, guarded ${us(o['/me']!)}`, {
    op: '>=',
    value: 0.95,
  });
  record(section, 'the router alone: unguarded route after egnyteAuth() vs before', share(o['/plain']!, o['/base']!), 'x', `CPU per request: before ${us(o['/base']!)}, after ${us(o['/plain']!)}`, {
    op: '>=',
    value: 0.98,
  });
  const oursTotal = share(o['/me']!, o['/base']!);
  const passportTotal = share(p['/me']!, p['/base']!);
  record(section, 'whole package: guarded route vs a route before egnyteAuth()', oursTotal, 'x', `CPU per request: before ${us(o['/base']!)}, guarded ${us(o['/me']!)}`);
  record(section, 'passport: session() + isAuthenticated() vs a route before passport', passportTotal, 'x', `CPU per request: before ${us(p['/base']!)}, guarded ${us(p['/me']!)}`);
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

/**
 * One `req.egnyte.fetch` (userinfo on the emulator, a token that needs no refresh) with and
 * without encryption at rest, in one app process (`fetchBench`) switched between the two ways
 * of keeping tokens: CPU per `/fetch` metered like the guard figures, the two modes taking turns
 * round by round in mirrored order. The difference is the one decryption a call makes.
 */
export async function fetchFigures(section: string, app: ServerProcess, pace: Pace): Promise<void> {
  const cookie = await signInOnce(app.url, OURS_LOGIN);
  const names = ['sealed', 'plain'] as const;
  const switchTo = async (mode: (typeof names)[number]): Promise<void> => {
    const answer = await fetch(`${app.url}/bench/seal?mode=${mode}`, { method: 'POST', headers: { cookie } });
    if (!answer.ok) throw new Error(`/bench/seal?mode=${mode} answered ${answer.status}`);
  };
  const cpu: Record<(typeof names)[number], number[]> = { sealed: [], plain: [] };
  const round = async (mode: (typeof names)[number]): Promise<number> => {
    await switchTo(mode);
    const { requests, cpuMicros } = (await meteredRound(app, ['/fetch'], cookie, FETCH_CYCLES))['/fetch']!;
    return cpuMicros / requests;
  };
  // A round of each first: warm-up, not counted.
  for (const mode of names) await round(mode);
  for (let r = 0; r < pace.rounds; r++) {
    for (const mode of r % 2 ? [...names].reverse() : names) cpu[mode].push(await round(mode));
  }
  const us = (samples: number[]): string => `${median(samples).toFixed(1)} µs`;
  record(section, 'one req.egnyte.fetch, tokens encrypted vs plain JSON (CPU)', pairedRatio(cpu.sealed, cpu.plain), 'x', `CPU per request: plain ${us(cpu.plain)}, encrypted ${us(cpu.sealed)}`, {
    op: '<=',
    value: 1.05,
  });
}
