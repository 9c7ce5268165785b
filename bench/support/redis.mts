/**
 * The bench's own redis-server on a free loopback port (no persistence), or its own 3-master
 * Redis Cluster, and Redis's own count of the commands it ran (`INFO commandstats`, summed
 * over the masters), which the bench reads instead of timing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createClient } from 'redis';
import { startRedisCluster } from '../../spec/support/redis-cluster.js';
import { freePort } from '../servers/app-kit.mjs';

const REDIS_SERVER = '/usr/bin/redis-server';

/** A running redis-server, or cluster. */
export interface BenchRedis {
  /** The server's URL (a cluster: its first master's). */
  readonly url: string;
  /** A cluster's masters, `host:port` (absent for one server). */
  readonly rootNodes?: Array<{ host: string; port: number }>;
  /** Resets Redis's command counters (`CONFIG RESETSTAT`). */
  resetStats(): Promise<void>;
  /** Commands run since the last reset, by name, without the bench's own INFO/CONFIG. */
  commandCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

function countsOf(info: string, into: Record<string, number>): Record<string, number> {
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = match[1]!;
    if (name === 'info' || name.startsWith('config')) continue;
    into[name] = (into[name] ?? 0) + Number(match[2]);
  }
  return into;
}

/** Starts a 3-master Redis Cluster (spec/support/redis-cluster.ts) and resolves once it serves every slot. */
export async function startRedisClusterBench(): Promise<BenchRedis> {
  const cluster = await startRedisCluster();
  const masters = cluster.nodes.map((_, i) => i);
  return {
    url: cluster.nodes[0]!.url,
    rootNodes: cluster.rootNodes,
    async resetStats() {
      await Promise.all(masters.map((i) => cluster.cli(i, 'CONFIG', 'RESETSTAT')));
    },
    async commandCounts() {
      const infos = await Promise.all(masters.map((i) => cluster.cli(i, 'INFO', 'commandstats')));
      return infos.reduce((counts, info) => countsOf(info, counts), {} as Record<string, number>);
    },
    stop: () => cluster.stop(),
  };
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
      return countsOf(String(await client.sendCommand(['INFO', 'commandstats'])), {});
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
