/**
 * The demo starts the way the README says: `npm run demo`, no Egnyte settings needed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { startDemo } from '../demo-app/server.js';
import { accepts, groupGone } from './support/processes.js';

jest.setTimeout(90_000);

/** The environment of a fresh shell: no EGNYTE_* settings, PORT=0, no .env file of the developer's. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('EGNYTE_') || ['BASE_URL', 'SESSION_SECRET', 'PORT', 'HOST', 'TRUST_PROXY', 'NODE_OPTIONS'].includes(k)) continue;
    if (k.startsWith('JEST_') || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  return { ...env, DEMO_ENV_FILE: '', ...extra };
}

interface Started {
  child: ChildProcess;
  output: () => string;
  /** npm and everything holding its output are done. */
  exited: Promise<number | null>;
  /** npm itself has exited (its children may live on). */
  npmExited: Promise<number | null>;
}

function startNpmDemo(env: NodeJS.ProcessEnv): Started {
  const child = spawn('npm', ['run', 'demo'], { cwd: process.cwd(), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  // 'close', not 'exit': npm may exit before the demo (its grandchild) has written its last lines.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const npmExited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited, npmExited };
}

async function waitFor(started: Started, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void started.exited.then((c) => (exitCode = c));
  for (;;) {
    const m = started.output().match(pattern);
    if (m) return m;
    if (exitCode !== undefined) throw new Error(`npm run demo exited (${exitCode}) before printing ${pattern}:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`npm run demo did not print ${pattern} within ${timeoutMs} ms:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
  running = startNpmDemo(cleanEnv({ PORT: '0' }));
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
  running = startNpmDemo(cleanEnv({ PORT: '0', EGNYTE_CLIENT_ID: 'key-only', EGNYTE_REGION: 'mars' }));
  const code = await running.exited;
  expect(code).toBe(1);
  const out = running.output();
  expect(out).toMatch(/The demo cannot start: 4 settings are wrong\./);
  for (const name of ['EGNYTE_CLIENT_SECRET', 'BASE_URL', 'EGNYTE_REGION', 'SESSION_SECRET']) expect(out).toContain(name);
  expect(out).not.toMatch(/\n\s+at /); // no stack trace
});

it('SIGTERM to `npm run demo` alone (as a process manager sends it) stops the server and every process it started', async () => {
  running = startNpmDemo(cleanEnv({ PORT: '0' }));
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
