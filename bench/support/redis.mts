/**
 * The bench's own redis-server on a free loopback port (no persistence), and Redis's own
 * count of the commands it ran (`INFO commandstats`), which the bench reads instead of timing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createClient } from 'redis';
import { freePort } from '../servers/app-kit.mjs';

const REDIS_SERVER = '/usr/bin/redis-server';

/** A running redis-server. */
export interface BenchRedis {
  readonly url: string;
  /** Resets Redis's command counters (`CONFIG RESETSTAT`). */
  resetStats(): Promise<void>;
  /** Commands run since the last reset, by name, without the bench's own INFO/CONFIG. */
  commandCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Starts redis-server and resolves once it accepts connections. */
export async function startRedis(): Promise<BenchRedis> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`the bench needs ${REDIS_SERVER} (apt-get install redis-server)`);
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const client = createClient({ url, socket: { reconnectStrategy: (retries) => (retries > 50 ? new Error('redis-server did not start') : 100) } });
  client.on('error', () => undefined);
  await client.connect();
  return {
    url,
    async resetStats() {
      await client.sendCommand(['CONFIG', 'RESETSTAT']);
    },
    async commandCounts() {
      const info = await client.sendCommand(['INFO', 'commandstats']);
      const counts: Record<string, number> = {};
      for (const match of String(info).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        const name = match[1]!;
        if (name === 'info' || name.startsWith('config')) continue;
        counts[name] = Number(match[2]);
      }
      return counts;
    },
    async stop() {
      await client.quit().catch(() => undefined);
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
