/**
 * Helpers of the API client specs: a token from the emulator, a config pointing at it, a
 * real redis-server on a free port, and the per-second count of the emulator's request log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolveConfig, type FetchLike, type ResolvedConfig } from '../../lib/config/options.js';
import type { EgnyteEmulator } from '../../lib/testing/index.js';
import { EMULATOR_USER_PASSWORD } from '../../lib/testing/index.js';

const REDIS_SERVER = '/usr/bin/redis-server';

/** An access token for `username` on `domain`, from the emulator's password grant. */
export async function emulatorToken(emulator: EgnyteEmulator, username = 'jsmith', domain = 'acme.egnyte.com'): Promise<string> {
  const response = await fetch(`${emulator.endpoints.domainBaseUrl(domain)}/puboauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: emulator.clientId,
      client_secret: emulator.clientSecret,
      username,
      password: EMULATOR_USER_PASSWORD,
    }).toString(),
  });
  if (!response.ok) throw new Error(`emulator password grant answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A resolved config aimed at the emulator, optionally with another fetch. */
export function emulatorConfig(emulator: EgnyteEmulator, fetchFn?: FetchLike, timeoutMs?: number): ResolvedConfig {
  return resolveConfig({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    baseUrl: 'http://localhost:3000',
    endpoints: emulator.endpoints,
    ...(fetchFn ? { fetch: fetchFn } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/** The most entries of `times` (ms) that fall within any `windowMs` window, ends included. */
export function maxInAnyWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) - (sorted[i] as number) <= windowMs) j++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** Arrival times of the emulator's logged requests to `path`. */
export function arrivals(emulator: EgnyteEmulator, path: string): number[] {
  return emulator.requests.filter((r) => r.path === path).map((r) => r.at);
}

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

/** A running redis-server. */
export interface RedisServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a real redis-server on a free port (fails, never skips, when it is not installed). */
export async function startRedis(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: install redis-server (npm run test:setup does).`);
  const port = await freePort();
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}:\n${output}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
