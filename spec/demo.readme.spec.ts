/**
 * The demo starts the way the README says: `npm run demo`, no Egnyte settings needed.
 */
import type { AddressInfo } from 'node:net';
import { startDemo } from '../demo-app/server.js';
import { cleanEnv, type Started, startNpmDemo, waitFor } from './support/npm-demo.js';
import { accepts, groupGone } from './support/processes.js';

jest.setTimeout(90_000);


/** Stops the whole process tree (npm, sh, tsx, node). */
async function stop(started: Started): Promise<number | null> {
  const pid = started.child.pid!;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return started.exited;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 10_000);
  try {
    return await started.exited;
  } finally {
    clearTimeout(timer);
  }
}

let running: Started | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null) await stop(running);
  // Whatever npm left behind (a failed test may leave orphans): the group is ours.
  try {
    if (running) process.kill(-running.child.pid!, 'SIGKILL');
  } catch {
    /* nothing left */
  }
  running = undefined;
});

it('`npm run demo` starts against the emulator and serves the home page', async () => {
  running = startNpmDemo([], cleanEnv({ PORT: '0' }));
  const [, url] = await waitFor(running, /Demo running at (http:\/\/\S+)/, 60_000);
  expect(url).toMatch(/^http:\/\/localhost:\d+$/);
  expect(url).not.toMatch(/:0$/);
  expect(running.output()).toMatch(/LOCAL EGNYTE EMULATOR/);
  expect(running.output()).toMatch(/EGNYTE_CLIENT_ID, EGNYTE_CLIENT_SECRET/);

  const res = await fetch(`${url!}/`, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('Sign in with Egnyte');
  expect(html).toContain('local Egnyte emulator');
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");

  const res2 = await fetch(`${url!}/api/me`);
  expect(res2.status).toBe(401);
  await expect(res2.json()).resolves.toMatchObject({ error: 'login_required' });

  // Graceful shutdown on SIGTERM.
  await stop(running);
  expect(running.output()).toMatch(/SIGTERM received/);
});

it('stops with exit code 1 and one message naming each problem when settings are wrong', async () => {
  running = startNpmDemo([], cleanEnv({ PORT: '0', EGNYTE_CLIENT_ID: 'key-only', EGNYTE_REGION: 'mars' }));
  const code = await running.exited;
  expect(code).toBe(1);
  const out = running.output();
  expect(out).toMatch(/The demo cannot start: 4 settings are wrong\./);
  for (const name of ['EGNYTE_CLIENT_SECRET', 'BASE_URL', 'EGNYTE_REGION', 'SESSION_SECRET']) expect(out).toContain(name);
  expect(out).not.toMatch(/\n\s+at /); // no stack trace
});

it('SIGTERM to `npm run demo` alone (as a process manager sends it) stops the server and every process it started', async () => {
  running = startNpmDemo([], cleanEnv({ PORT: '0' }));
  const [, url] = await waitFor(running, /Demo running at (http:\/\/\S+)/, 60_000);
  const port = Number(new URL(url!).port);
  expect(await accepts(port)).toBe(true);

  process.kill(running.child.pid!, 'SIGTERM'); // npm only, not its process group
  expect(await running.npmExited).toBe(0);
  expect(await accepts(port)).toBe(false);
  await groupGone(running.child.pid!, 15_000);
  await running.exited;
  expect(running.output()).toMatch(/SIGTERM received: stopping the demo/);
});

it('listens on 127.0.0.1 unless HOST says otherwise, and says so when it does', async () => {
  const lines: string[] = [];
  const local = await startDemo({ env: { PORT: '0', DEMO_ENV_FILE: '' }, log: (line) => lines.push(line) });
  try {
    expect((local.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(lines.join('\n')).not.toMatch(/other machines/);
  } finally {
    await local.close();
  }
  const open = await startDemo({ env: { PORT: '0', HOST: '0.0.0.0', DEMO_ENV_FILE: '' }, log: (line) => lines.push(line) });
  try {
    expect((open.server.address() as AddressInfo).address).toBe('0.0.0.0');
    expect(lines).toContain('  Listening on 0.0.0.0: other machines can reach this demo, and its emulator signs anyone in as any of its users.');
  } finally {
    await open.close();
  }
});
