/**
 * A real Sentinel deployment on free loopback ports, for the specs: a master, one replica
 * (`--replicaof`) and one `redis-server --sentinel` watching them under the name `mymaster`
 * with quorum 1. Ready once the replica is in sync and the sentinel knows it (a failover needs
 * a replica it can promote).
 *
 * `down-after-milliseconds` is 1000 (the default is 30 s): the sentinel marks a silent master
 * down after a second, so a failover in a test takes about a second, not half a minute.
 * `failover()` asks for one with `SENTINEL FAILOVER` (no vote needed) and resolves once the
 * sentinel names the replica as master (about a second). The old master goes on as a master
 * until the sentinel next looks at it (its INFO period for replicas, 10 s) and turns it into a
 * replica: clients must follow the sentinel's `+switch-master` announcement meanwhile.
 * `settled()` waits for that too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { freePort, portTaken, spawnRedis, startRedis, type RedisServer } from './redis-server.js';

const REDIS_CLI = '/usr/bin/redis-cli';
const run = promisify(execFile);

/** The master's name every client asks the sentinel for. */
export const SENTINEL_MASTER_NAME = 'mymaster';

/** How long the sentinel waits before it marks a silent master down, in ms (the default is 30,000). */
export const DOWN_AFTER_MS = 1000;

/** A running master, replica and sentinel. */
export interface RedisSentinelServer {
  /** The sentinel's address: clients start here. */
  sentinel: { host: string; port: number };
  name: string;
  /** The two data nodes; which is master changes with each failover. */
  servers: RedisServer[];
  /** The data node that is master right now, as the sentinel says. */
  masterPort(): Promise<number>;
  /** Fails over to the replica and resolves once the sentinel names it master and it says so. */
  failover(): Promise<void>;
  /** Resolves once the master has its replica in sync and the sentinel knows both (up to ~10 s after a failover). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

async function cli(port: number, args: string[]): Promise<string> {
  const { stdout } = await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

async function until(what: string, check: () => Promise<boolean>, withinMs = 15_000): Promise<void> {
  const giveUpAt = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the three processes and resolves once a failover could run. */
export async function startRedisSentinel(): Promise<RedisSentinelServer> {
  // No diskless-sync delay (default 5 s): a replica, new or demoted, is in sync at once.
  const sync = ['--repl-diskless-sync-delay', '0'];
  const master = await startRedis({ args: sync });
  const replica = await startRedis({ args: [...sync, '--replicaof', '127.0.0.1', String(master.port)] }).catch(async (err: unknown) => {
    await master.stop();
    throw err;
  });
  const servers = [master, replica];
  let sentinelPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'egnyte-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
      `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  let sentinel: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (sentinel && sentinel.exitCode === null && sentinel.signalCode === null) {
      const exited = new Promise((resolve) => sentinel!.once('exit', resolve));
      sentinel.kill('SIGTERM');
      await exited;
    }
    await Promise.all(servers.map((server) => server.stop()));
  };
  const masterPort = async (): Promise<number> => Number((await cli(sentinelPort, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME])).trim().split('\n')[1]);
  /** True once `port` is master, the other node replicates it in sync, and the sentinel knows both. */
  const settled = async (port: number): Promise<boolean> => {
    if ((await masterPort()) !== port) return false;
    const replication = await cli(port, ['INFO', 'replication']);
    if (!/role:master/.test(replication) || !/slave0:.*state=online/.test(replication)) return false;
    const replicas = await cli(sentinelPort, ['SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME]);
    const lines = replicas.split('\n').map((l) => l.trim());
    const flags = lines[lines.indexOf('flags') + 1];
    return flags === 'slave';
  };
  try {
    // Its port can be taken before it binds (servers start in parallel): try others.
    for (let attempt = 1; !sentinel; attempt++) {
      try {
        sentinel = await spawnRedis([conf, '--sentinel', '--port', String(sentinelPort)], '+monitor master');
      } catch (err) {
        if (attempt >= 5 || !portTaken(err)) throw err;
        sentinelPort = await freePort();
      }
    }
    await until('the sentinel seeing the replica in sync', () => settled(master.port));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    sentinel: { host: '127.0.0.1', port: sentinelPort },
    name: SENTINEL_MASTER_NAME,
    servers,
    masterPort,
    async failover() {
      const before = await masterPort();
      const after = servers.find((server) => server.port !== before)!.port;
      await cli(sentinelPort, ['SENTINEL', 'FAILOVER', SENTINEL_MASTER_NAME]);
      await until('the failover', async () => (await masterPort()) === after && /role:master/.test(await cli(after, ['INFO', 'replication'])));
    },
    async settled() {
      const port = await masterPort();
      await until('the replica in sync', () => settled(port), 30_000);
    },
    stop,
  };
}
