/**
 * A real Redis Cluster of three masters (no replicas) on free loopback ports, for the specs
 * and the bench: three `redis-server --cluster-enabled yes`, joined by `redis-cli --cluster
 * create`, ready once every node reports `cluster_state:ok` (about a second). Each node's
 * cluster bus gets a free port of its own (`--cluster-port`), not the default port + 10000.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { freePorts, portTaken, startRedis, type RedisServer } from './redis-server.js';

const REDIS_CLI = '/usr/bin/redis-cli';
const run = promisify(execFile);

/** A running cluster. */
export interface RedisClusterServer {
  /** Its masters, each a redis-server. */
  nodes: RedisServer[];
  /** Where clients start: every master's address. */
  rootNodes: Array<{ host: string; port: number }>;
  /** Runs `redis-cli` against one node and answers its output, e.g. `cli(0, 'DBSIZE')`. */
  cli(node: number, ...args: string[]): Promise<string>;
  /** Stops every node. */
  stop(): Promise<void>;
}

async function cli(port: number, args: string[]): Promise<string> {
  const { stdout } = await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

async function untilClusterOk(ports: number[]): Promise<void> {
  const giveUpAt = Date.now() + 15_000;
  for (;;) {
    const infos = await Promise.all(ports.map((port) => cli(port, ['CLUSTER', 'INFO'])));
    if (infos.every((info) => /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${ports.length}\\b`).test(info))) return;
    if (Date.now() > giveUpAt) throw new Error(`the cluster did not settle within 15 s:\n${infos.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a cluster of `masters` (default 3) masters and resolves once it serves every slot. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterServer> {
  if (!existsSync(REDIS_CLI)) throw new Error(`These specs need ${REDIS_CLI} (npm run test:setup, or apt-get install redis-server).`);
  const started = await Promise.allSettled(
    Array.from({ length: masters }, async () => {
      // Either port may be taken before redis-server binds it (servers start in parallel): try others.
      for (let attempt = 1; ; attempt++) {
        const [port, busPort] = await freePorts(2);
        try {
          // Short node timeout: a test that stops a node sees the cluster notice it soon.
          return await startRedis({ port, args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort), '--cluster-node-timeout', '2000'] });
        } catch (err) {
          if (attempt >= 5 || !portTaken(err)) throw err;
        }
      }
    }),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const ports = nodes.map((node) => node.port);
    await run(REDIS_CLI, ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await untilClusterOk(ports);
  } catch (err) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw err;
  }
  return {
    nodes,
    rootNodes: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    cli: (node, ...args) => cli(nodes[node]!.port, args),
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}
