/**
 * `npm run demo -- --instances 3`, run the way the README says: three demo processes behind
 * the demo's round-robin proxy, sharing a private redis-server. One sign-in is served by every
 * instance, a sign-out on one is final on all (the old cookie too), and SIGTERM stops
 * everything. redis-server must be installed (`npm run test:setup`).
 */
import { execFileSync } from 'node:child_process';
import { createClient } from 'redis';
import { createCookieJar, signInAs } from 'express-egnyte-auth/testing';
import type { CookieJar } from 'express-egnyte-auth/testing';
import { COORDINATION_PREFIX, SESSION_PREFIX } from '../demo-app/redis.js';
import { cleanEnv, type Started, startNpmDemo, waitFor } from './support/npm-demo.js';
import { accepts, groupGone } from './support/processes.js';

jest.setTimeout(180_000);

const JSON_ACCEPT = { accept: 'application/json' };
const HTML_ACCEPT = { accept: 'text/html' };


let running: Started | undefined;
afterEach(async () => {
  // Whatever a failed test left behind: the group is ours.
  try {
    if (running) process.kill(-running.child.pid!, 'SIGKILL');
  } catch {
    /* nothing left */
  }
  running = undefined;
});

/** `path` requested `n` times in a row through the proxy; the answers and which instance gave each. */
async function spread(n: number, send: (path: string, init: RequestInit) => Promise<Response>, path: string, headers: Record<string, string>) {
  const answers: Array<{ status: number; instance: string | null; body: string }> = [];
  for (let i = 0; i < n; i++) {
    const res = await send(path, { headers });
    answers.push({ status: res.status, instance: res.headers.get('x-demo-instance'), body: await res.text() });
  }
  return answers;
}

const ALL_THREE = ['1 of 3', '2 of 3', '3 of 3'];

it('`npm run demo -- --instances 3`: one sign-in served by all three instances, a sign-out final on all, SIGTERM stops everything', async () => {
  running = startNpmDemo(['--instances', '3'], cleanEnv({ PORT: '0' }));
  const [, url] = await waitFor(running, /Demo running at (http:\/\/\S+)/, 150_000);
  const [, redisPort] = await waitFor(running, /private Redis \(redis-server\) at redis:\/\/127\.0\.0\.1:(\d+)/, 1000);
  expect(running.output()).toMatch(/3 instances behind a round-robin proxy/);
  const proxyPort = Number(new URL(url!).port);

  // Signing in takes several requests (login, callback): round-robin sends them to different instances.
  const jar: CookieJar = createCookieJar(url!);
  await expect(signInAs(jar, { domain: 'acme', username: 'ada', returnTo: '/api/me' })).resolves.toEqual({ redirectedTo: '/api/me' });

  const api = await spread(6, jar.fetch, '/api/me', JSON_ACCEPT);
  expect(api.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
  for (const a of api) expect(JSON.parse(a.body)).toMatchObject({ domain: 'acme.egnyte.com', user: { username: 'ada' } });
  expect(new Set(api.map((a) => a.instance))).toEqual(new Set(ALL_THREE));

  // What a person sees: each page names the instance that served it, and the same user.
  const pages = await spread(3, jar.fetch, '/', HTML_ACCEPT);
  for (const page of pages) {
    expect(page.status).toBe(200);
    expect(page.body).toContain('Signed in as Ada Lovelace');
    expect(page.body).toContain(`Served by instance ${page.instance!}`);
  }
  expect(new Set(pages.map((p) => p.instance))).toEqual(new Set(ALL_THREE));

  // The one session is in the private Redis, not in any instance.
  const redis = createClient({ url: `redis://127.0.0.1:${redisPort!}` });
  await redis.connect();
  try {
    expect((await redis.keys(`${SESSION_PREFIX}*`)).length).toBeGreaterThanOrEqual(1);
    // And the instances coordinate through it (the login's shared record).
    expect((await redis.keys(`${COORDINATION_PREFIX}*`)).length).toBeGreaterThanOrEqual(1);
  } finally {
    await redis.close();
  }

  // Sign out on one instance while profile pages are being served by the others (each calls
  // Egnyte twice), and keep a copy of the cookie, as a stolen or restored tab would.
  const oldCookie = jar.cookieHeader();
  const inFlight = Promise.all([1, 2].map(() => jar.fetch('/profile', { headers: HTML_ACCEPT }).then((r) => r.text())));
  const logout = await jar.fetch('/egnyte/logout', { method: 'POST', headers: HTML_ACCEPT });
  expect(logout.status).toBe(302);
  expect(logout.headers.get('location')).toBe('/?signedOut=1');
  await inFlight; // whatever they answered, and whatever cookie they sent back, must not sign the browser in again

  const after = await spread(6, jar.fetch, '/api/me', JSON_ACCEPT);
  expect(after.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
  const replayed = await spread(6, (path, init) => fetch(`${url!}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: oldCookie } }), '/api/me', JSON_ACCEPT);
  expect(replayed.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
  expect(new Set(replayed.map((a) => a.instance))).toEqual(new Set(ALL_THREE));
  for (const a of replayed) expect(JSON.parse(a.body)).toMatchObject({ error: 'login_required' });

  // SIGTERM to npm alone, as a process manager sends it: proxy, instances and Redis all stop.
  process.kill(running.child.pid!, 'SIGTERM');
  expect(await running.npmExited).toBe(0);
  await groupGone(running.child.pid!, 20_000);
  expect(await accepts(proxyPort)).toBe(false);
  expect(await accepts(Number(redisPort))).toBe(false);
  await running.exited;
  expect(running.output()).toMatch(/SIGTERM received: stopping the demo/);
  expect(running.output()).not.toMatch(/\n\s+at /); // no stack trace anywhere
});

it('stops at start-up with one message naming each problem of --instances and REDIS_URL', async () => {
  running = startNpmDemo(['--instances', '0'], cleanEnv({ PORT: '0', REDIS_URL: 'http://user:hunter2@127.0.0.1:6379' }));
  expect(await running.exited).toBe(1);
  const out = running.output();
  expect(out).toMatch(/The demo cannot start: 2 settings are wrong\./);
  expect(out).toMatch(/--instances must be followed by a whole number from 1 to 16 \(e\.g\. npm run demo -- --instances 3\), not "0"/);
  expect(out).toMatch(/REDIS_URL must start with redis:\/\//);
  expect(out).not.toContain('hunter2');
  expect(out).not.toMatch(/\n\s+at /);
});

/** The pids of the group's processes whose command line matches `pattern`. */
function pidsOf(pgid: number, pattern: RegExp): number[] {
  const table = execFileSync('ps', ['-o', 'pid=,pgid=,args=', '-A'], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === pgid && pattern.test(m[3]!))
    .map((m) => Number(m[1]));
}

it('Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops the instances, the proxy and the private Redis', async () => {
  running = startNpmDemo(['--instances', '2'], cleanEnv({ PORT: '0' }));
  const [, url] = await waitFor(running, /Demo running at (http:\/\/\S+)/, 150_000);
  const [, redisPort] = await waitFor(running, /private Redis \(redis-server\) at redis:\/\/127\.0\.0\.1:(\d+)/, 1000);
  expect(pidsOf(running.child.pid!, /demo-app[\\/]instance\.ts/)).toHaveLength(2);

  process.kill(-running.child.pid!, 'SIGINT');
  await groupGone(running.child.pid!, 20_000);
  expect(await accepts(Number(new URL(url!).port))).toBe(false);
  expect(await accepts(Number(redisPort))).toBe(false);
  await running.exited;
  expect(running.output()).toMatch(/SIGINT received: stopping the demo/);
  expect(running.output()).not.toMatch(/connection lost/); // the private Redis stopping is no news
});

it('an instance that dies stops the whole demo, with exit code 1 and the reason', async () => {
  running = startNpmDemo(['--instances', '2'], cleanEnv({ PORT: '0' }));
  const [, url] = await waitFor(running, /Demo running at (http:\/\/\S+)/, 150_000);
  const [victim] = pidsOf(running.child.pid!, /demo-app[\\/]instance\.ts/);
  process.kill(victim!, 'SIGKILL');
  expect(await running.npmExited).toBe(1);
  await groupGone(running.child.pid!, 20_000);
  expect(await accepts(Number(new URL(url!).port))).toBe(false);
  expect(running.output()).toMatch(/instance [12] of 2 stopped unexpectedly \(SIGKILL\): stopping the demo/);
});
