/**
 * Several app processes (spec/support/instance-app.ts) sharing one Redis (a redis-server, or
 * a Cluster or Sentinel deployment: pass `topologyEnv()` of redis-topology.ts in `env`) and
 * one emulator, and a cookie jar that spreads requests over them round-robin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { EgnyteEmulator } from '../../lib/testing/index.js';
import { TestBrowser } from './harness.js';

const ROOT = resolve(__dirname, '..', '..');

/** One running app process. */
export interface Instance {
  name: string;
  url: string;
  process: ChildProcess;
  /** Stops it (SIGTERM), or kills it outright with `SIGKILL`. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `count` instances against `redisUrl` and `emulator`. */
export async function startInstances(count: number, redisUrl: string, emulator: EgnyteEmulator, env: Record<string, string> = {}): Promise<Instance[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const name = `instance-${i}`;
      const child = spawn(process.execPath, ['--import', 'tsx', 'spec/support/instance-app.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          INSTANCE_NAME: name,
          REDIS_URL: redisUrl,
          EMULATOR_URL: emulator.url,
          CLIENT_ID: emulator.clientId,
          CLIENT_SECRET: emulator.clientSecret,
          SESSION_SECRET: 'multi-instance-secret-multi-instance-secret',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let errors = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        errors += chunk.toString();
      });
      return new Promise<Instance>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`${name} did not start within 20 s:\n${errors}`)), 20_000);
        child.once('exit', (code) => fail(new Error(`${name} exited with ${String(code)}:\n${errors}`)));
        createInterface({ input: child.stdout! }).once('line', (line) => {
          clearTimeout(timer);
          const { port } = JSON.parse(line) as { port: number };
          done({
            name,
            url: `http://localhost:${port}`,
            process: child,
            stop(signal: NodeJS.Signals = 'SIGTERM') {
              if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
              const exited = new Promise<void>((r) => child.once('exit', () => r()));
              child.kill(signal);
              return exited;
            },
          });
        });
      });
    }),
  );
}

/** One browser (one cookie jar) whose requests go to the instances in turn. */
export class RoundRobinBrowser {
  readonly cookies = new Map<string, string>();
  private next = 0;
  private readonly browsers: TestBrowser[];

  constructor(instances: Instance[]) {
    // Cookies are per host, not per port: every instance on localhost shares one jar.
    this.browsers = instances.map((instance) => {
      const browser = new TestBrowser(instance.url);
      browser.cookies = this.cookies;
      return browser;
    });
  }

  /** The browser bound to instance `i`. */
  on(i: number): TestBrowser {
    return this.browsers[i]!;
  }

  /** A GET (JSON) on the next instance. */
  async getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const browser = this.browsers[this.next++ % this.browsers.length]!;
    const response = await browser.request(path, { accept: 'application/json' });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
}
