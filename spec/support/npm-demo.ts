/**
 * `npm run demo` as a person starts it from a fresh shell, for the specs that check the
 * README's commands: its own process group, its output collected, and waiting for a line.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** The environment of a fresh shell: no EGNYTE_* settings, no Redis, no .env of the developer's. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('EGNYTE_') || k.startsWith('JEST_') || k === 'NODE_ENV') continue;
    if (['BASE_URL', 'SESSION_SECRET', 'PORT', 'HOST', 'TRUST_PROXY', 'NODE_OPTIONS', 'REDIS_URL'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, DEMO_ENV_FILE: '', ...extra };
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  /** npm and everything holding its output are done. */
  exited: Promise<number | null>;
  /** npm itself has exited (its children may live on). */
  npmExited: Promise<number | null>;
}

export function startNpmDemo(args: string[], env: NodeJS.ProcessEnv): Started {
  // detached: its own process group, so that the test can tell whether anything of it is left.
  const child = spawn('npm', ['run', 'demo', '--', ...args], { cwd: process.cwd(), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  // 'close', not 'exit': npm may exit before the demo (its grandchild) has written its last lines.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const npmExited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited, npmExited };
}

export async function waitFor(started: Started, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
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
