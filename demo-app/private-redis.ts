/**
 * A private redis-server for `npm run demo -- --instances N` when `REDIS_URL` is not set:
 * on a free loopback port, with no persistence, in a temporary folder, stopped with the demo.
 * It stays in the demo's process group, so a process manager that stops the group stops it too.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_SERVER_PATH } from './config-instances.js';

/** A running private redis-server. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:PORT` (no password: it listens on loopback only, for this demo). */
  url: string;
  port: number;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
  /** Kills it at once (a second Ctrl-C). */
  kill(): void;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts redis-server on `port`; resolves once it accepts connections. */
function launch(path: string, port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within 15 s:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      // From now on its log is not ours to show; keep reading so that it never blocks on a full pipe.
      child.stdout?.removeAllListeners('data').resume();
      child.stderr?.removeAllListeners('data').resume();
      child.removeAllListeners('exit');
      resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${String(code)}) at start-up:\n${output.trim().split('\n').slice(-3).join('\n')}`));
    });
  });
}

/**
 * Starts a private redis-server. Another process may take the free port between the probe and
 * the start, so a failed start is tried again on another port, twice.
 */
export async function startPrivateRedis(path: string = REDIS_SERVER_PATH): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'egnyte-demo-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(path, port, dir);
    } catch (err) {
      lastError = err;
    }
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`The private redis-server (${path}) could not start: ${(lastError as Error).message}`);
  }
  const running = child;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (!exited(running)) {
        const gone = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        const force = setTimeout(() => running.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(force);
      }
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      if (!exited(running)) running.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
