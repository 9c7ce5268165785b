/**
 * A real redis-server on a free loopback port, for the specs that need Redis. redis-server
 * must be installed (`npm run test:setup` installs it): without it these specs fail, they
 * do not skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

const REDIS_SERVER = '/usr/bin/redis-server';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** `count` different free TCP ports on 127.0.0.1 (held together while probed, so never the same twice). */
export async function freePorts(count: number): Promise<number[]> {
  const probes = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      probes.map(
        (probe) =>
          new Promise<number>((resolve, reject) => {
            probe.once('error', reject);
            probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port));
          }),
      ),
    );
  } finally {
    await Promise.all(probes.map((probe) => new Promise((resolve) => (probe.listening ? probe.close(resolve) : resolve(undefined)))));
  }
}

/** A running redis-server. */
export interface RedisServer {
  port: number;
  url: string;
  /** Its data folder: the same on every restart. */
  dir: string;
  process: ChildProcess;
  /** Stops it (SIGTERM: with `persist`, it writes its data first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  restart(): Promise<void>;
}

/**
 * Runs redis-server with `args` and resolves once its output shows `readyText` (a server:
 * "Ready to accept connections"; a sentinel: "+monitor master").
 */
export function spawnRedis(args: string[], readyText = 'Ready to accept connections'): Promise<ChildProcess> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`These specs need a real Redis: ${REDIS_SERVER} is missing. Install it (npm run test:setup, or apt-get install redis-server).`);
  }
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(readyText)) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stderr?.removeAllListeners('data');
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}:\n${output}`));
    });
  });
}

function launch(port: number, dir: string, persist: boolean, extra: readonly string[]): Promise<ChildProcess> {
  return spawnRedis(['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', persist ? 'yes' : 'no', ...extra]);
}

/** Options of {@link startRedis}. */
export interface RedisServerOptions {
  /** Keep its data across a restart (append-only file). */
  persist?: boolean;
  /** More redis-server arguments, e.g. `['--replicaof', host, port]` or cluster settings. */
  args?: readonly string[];
  /** Its port (default: a free one). */
  port?: number;
}

/** True for a start that failed because a port was taken meanwhile (by another test's server, say). */
export function portTaken(err: unknown): boolean {
  return /Address already in use/.test(String((err as Error | undefined)?.message));
}

/**
 * Starts redis-server on a free port; `persist` keeps its data across a restart (append-only
 * file). A free port can be taken between the probe and redis-server's bind (tests start
 * servers in parallel on a shared machine): then it tries again with another, a few times.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const extra = options.args ?? [];
  const dir = mkdtempSync(join(tmpdir(), 'egnyte-redis-'));
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  for (let attempt = 1; !child; attempt++) {
    try {
      child = await launch(port, dir, options.persist ?? false, extra);
    } catch (err) {
      if (options.port !== undefined || attempt >= 5 || !portTaken(err)) throw err;
      port = await freePort();
    }
  }
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: child,
    async stop() {
      if (server.process.exitCode !== null || server.process.signalCode !== null) return;
      const exited = new Promise((resolve) => server.process.once('exit', resolve));
      server.process.kill('SIGTERM');
      await exited;
    },
    async restart() {
      await server.stop();
      server.process = await launch(port, dir, options.persist ?? false, extra);
    },
  };
  return server;
}

/** A node-redis client of `server`, connected, its errors silenced (the specs stop and pause servers on purpose). */
export async function connectClient(server: Pick<RedisServer, 'url'>): Promise<ReturnType<typeof createClient>> {
  const client = createClient({ url: server.url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
