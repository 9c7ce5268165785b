/**
 * `npx egnyte-emulator`, the package's `bin`, as a user runs it: installed from the packed
 * tarball into a fresh folder, started as a process, signed in through by an app that uses the
 * two lines it printed, and stopped with SIGTERM. Its argument parsing is checked as a pure
 * function first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseEmulatorArgs } from '../lib/testing/cli-args.js';
import { cleanEnv, freshFolder, sh } from './support/packed-package.js';
import { accepts, groupGone } from './support/processes.js';

jest.setTimeout(120_000);

describe('arguments', () => {
  test('none: a free port and the default users', () => {
    const request = parseEmulatorArgs([]);
    expect(request.kind).toBe('start');
    if (request.kind !== 'start') return;
    expect(request.options.port).toBe(0);
    expect(request.options.users.map((u) => `${u.domain}:${u.username}`)).toEqual(['acme.egnyte.com:jsmith', 'acme.egnyte.com:bjones', 'globex.egnyte.com:hscorpio', 'globex.egnyte.com:mlee']);
  });

  test('--user seeds exactly those users: a default one keeps its record, others get one made up', () => {
    const request = parseEmulatorArgs(['--port', '4000', '--user', 'acme:jsmith', '--user', 'initech.egnyte.com:peter.g:admin', '--auto-approve', '--gateway', 'apigee']);
    if (request.kind !== 'start') throw new Error(JSON.stringify(request));
    expect(request.options).toMatchObject({ port: 4000, autoApprove: true, gateway: 'apigee' });
    expect(request.options.users).toEqual([
      expect.objectContaining({ id: 121, domain: 'acme.egnyte.com', username: 'jsmith', firstName: 'Jane' }),
      { id: 1002, domain: 'initech.egnyte.com', username: 'peter.g', firstName: 'Peter', lastName: 'Initech', email: 'peter.g@initech.example', userType: 'admin', active: true },
    ]);
  });

  test('every wrong argument is named at once', () => {
    expect(parseEmulatorArgs(['--port', '99999', '--user', 'acme', '--user', 'evil.com:x', '--gateway', 'kong'])).toEqual({
      kind: 'invalid',
      problems: [
        expect.stringMatching(/^--port "99999"/),
        expect.stringMatching(/^--gateway "kong"/),
        expect.stringMatching(/^--user "acme": write DOMAIN:USERNAME/),
        expect.stringMatching(/^--user "evil.com:x": "evil.com" is not an Egnyte domain/),
      ],
    });
    expect(parseEmulatorArgs(['--user', 'acme:a', '--user', 'acme:A'])).toEqual({ kind: 'invalid', problems: ['--user acme:A is given twice.'] });
    expect(parseEmulatorArgs(['--prot', '1'])).toEqual({ kind: 'invalid', problems: [expect.stringMatching(/--prot/)] });
    expect(parseEmulatorArgs(['--help'])).toEqual({ kind: 'help' });
  });
});

/**
 * The command, started in `folder` as `npx egnyte-emulator ...` (or straight from
 * node_modules/.bin with `direct`), in its own process group.
 */
function startCommand(folder: string, args: string[], direct = false): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const [file, ...rest] = direct ? [join(folder, 'node_modules', '.bin', 'egnyte-emulator')] : ['npx', 'egnyte-emulator'];
  const child = spawn(file!, [...rest, ...args], { cwd: folder, env: cleanEnv({ npm_config_offline: 'true', npm_config_update_notifier: 'false' }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => text, exited };
}

async function waitForOutput(started: ReturnType<typeof startCommand>, pattern: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(started.output());
    if (match) return match;
    if (started.child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${String(pattern)} in:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port nothing listens on just now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('npx egnyte-emulator, installed from the tarball', () => {
  let folder: string;
  const running: ChildProcess[] = [];
  beforeAll(async () => {
    folder = await freshFolder('emulator-cli');
  });
  afterAll(() => {
    for (const child of running) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(folder, { recursive: true, force: true });
  });

  test('starts, prints its URL and the two lines an app needs, signs a user in through them, and stops on SIGTERM', async () => {
    const emulator = startCommand(folder, ['--user', 'acme:jsmith', '--user', 'initech:peter']);
    running.push(emulator.child);
    const [, url] = await waitForOutput(emulator, /running at (http:\/\/127\.0\.0\.1:\d+)/);
    await waitForOutput(emulator, /Stop it with Ctrl-C\./);
    const lines = emulator.output().split('\n');
    const two = lines.filter((l) => /^\s+(clientId|endpoints):/.test(l));
    expect(two).toEqual([`  clientId: 'emulator-client', clientSecret: 'emulator-secret',`, `  endpoints: emulatorEndpoints('${url!}'),`]);
    expect(emulator.output()).toContain('acme.egnyte.com: jsmith (admin)');
    expect(emulator.output()).toContain('initech.egnyte.com: peter');
    expect(emulator.output()).not.toContain('bjones');

    // An app with exactly the two printed lines in its options.
    writeFileSync(
      join(folder, 'app.mjs'),
      `import express from 'express';
import session from 'express-session';
import { egnyteAuth, requireEgnyteUser, withEgnyteUser } from 'express-egnyte-auth';
import { createCookieJar, emulatorEndpoints, signInAs } from 'express-egnyte-auth/testing';

const app = express();
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const baseUrl = 'http://127.0.0.1:' + server.address().port;
app.use(session({ secret: 'a-dev-secret-a-dev-secret-a-dev-secret', resave: false, saveUninitialized: false }));
app.use(egnyteAuth({
  baseUrl,
${two.join('\n')}
}));
app.get('/me', requireEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
const jar = createCookieJar(baseUrl);
await signInAs(jar, { domain: 'initech', username: 'peter' });
const me = await (await jar.fetch('/me', { headers: { accept: 'application/json' } })).json();
console.log(JSON.stringify({ subject: me.subject, firstName: me.firstName }));
server.closeAllConnections();
server.close();
`,
    );
    const { stdout } = await sh(process.execPath, ['app.mjs'], folder);
    expect(JSON.parse(stdout)).toEqual({ subject: 'initech.egnyte.com:1002', firstName: 'Peter' });

    // SIGTERM to npx alone, as a process manager sends it: npm's shell dies without passing it
    // on, and the emulator, orphaned, stops by itself.
    const port = Number(new URL(url!).port);
    process.kill(emulator.child.pid!, 'SIGTERM');
    await emulator.exited;
    await groupGone(emulator.child.pid!, 10_000);
    expect(emulator.output()).toMatch(/The command that started it ended: stopping the Egnyte emulator\.\nEgnyte emulator stopped\./);
    expect(await accepts(port)).toBe(false);
  });

  test('Ctrl-C (SIGINT to the foreground process group) stops it cleanly', async () => {
    const emulator = startCommand(folder, []);
    running.push(emulator.child);
    const [, url] = await waitForOutput(emulator, /running at (http:\/\/127\.0\.0\.1:\d+)/);
    expect(await accepts(Number(new URL(url!).port))).toBe(true);
    process.kill(-emulator.child.pid!, 'SIGINT');
    await emulator.exited;
    await groupGone(emulator.child.pid!, 10_000);
    expect(emulator.output()).toMatch(/SIGINT received: stopping the Egnyte emulator\.\nEgnyte emulator stopped\./);
    expect(await accepts(Number(new URL(url!).port))).toBe(false);
  });

  test('--port takes a fixed port; a port in use is named, exit code 1; a wrong argument exits 2 with the usage; SIGTERM exits 0', async () => {
    const port = await freePort();
    const first = startCommand(folder, ['--port', String(port)], true);
    running.push(first.child);
    await waitForOutput(first, new RegExp(`running at http://127\\.0\\.0\\.1:${port} `));
    const second = startCommand(folder, ['--port', String(port)]);
    running.push(second.child);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`port ${port} is already in use`);
    const wrong = startCommand(folder, ['--user', 'acme'], true);
    expect(await wrong.exited).toBe(2);
    expect(wrong.output()).toMatch(/Usage: npx egnyte-emulator/);
    process.kill(first.child.pid!, 'SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/SIGTERM received: stopping the Egnyte emulator\.\nEgnyte emulator stopped\./);
    expect(await accepts(port)).toBe(false);
  });
});
