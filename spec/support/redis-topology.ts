/**
 * Redis as apps run it, for the specs, the bench and the instance processes: one server, a
 * Cluster, or a master and replica behind Sentinel, reached with node-redis 5 (`createClient`,
 * `createCluster`, `createSentinel`) or ioredis 5 (`new Redis`, `new Redis.Cluster`, `new
 * Redis({ sentinels, name })`).
 *
 * An instance process learns where Redis is from its environment ({@link topologyEnv} writes
 * it, {@link appClientsFromEnv} reads it): `REDIS_TOPOLOGY` (`standalone`, the default,
 * `cluster` or `sentinel`) with `REDIS_URL`, `REDIS_NODES` (`host:port,...`) or
 * `REDIS_SENTINELS` and `REDIS_SENTINEL_NAME`; `COORDINATION_CLIENT` (`node-redis`, the
 * default, or `ioredis`) picks the client given to `redisCoordination`. Sessions always use
 * node-redis: connect-redis 9 supports no other client.
 */
import { Cluster as IoCluster, Redis as IoRedis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import { startRedisCluster, type RedisClusterServer } from './redis-cluster.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { startRedisSentinel, type RedisSentinelServer } from './redis-sentinel.js';

/** A host and port. */
export interface Address {
  host: string;
  port: number;
}

/** Where Redis is, by deployment. */
export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; rootNodes: Address[] }
  | { kind: 'sentinel'; sentinels: Address[]; name: string };

/** The client library given to `redisCoordination`. */
export type ClientKind = 'node-redis' | 'ioredis';

/** A node-redis 5 client of any deployment: what connect-redis and the specs need of it. */
export type NodeRedisAny = ReturnType<typeof createClient> | ReturnType<typeof createCluster> | ReturnType<typeof createSentinel>;

/** An ioredis client of any deployment. */
export type IoRedisAny = IoRedis | IoCluster;

/** A connected client, and how to let it go. */
export interface Connected<C> {
  client: C;
  close(): Promise<void>;
}

const ignore = (): void => undefined;

/** Connects node-redis 5 the way the deployment needs. Errors are left to each command. */
export async function connectNodeRedis(topology: RedisTopology): Promise<Connected<NodeRedisAny>> {
  if (topology.kind === 'cluster') {
    const client = createCluster({ rootNodes: topology.rootNodes.map((a) => ({ url: `redis://${a.host}:${a.port}` })) });
    client.on('error', ignore);
    await client.connect();
    return { client, close: () => client.close().catch(ignore) };
  }
  if (topology.kind === 'sentinel') {
    const client = createSentinel({ name: topology.name, sentinelRootNodes: topology.sentinels });
    client.on('error', ignore);
    await client.connect();
    return { client, close: () => client.close().catch(ignore) };
  }
  const client = createClient({ url: topology.url });
  client.on('error', ignore);
  await client.connect();
  return { client, close: () => client.close().catch(ignore) };
}

/** Connects ioredis 5 the way the deployment needs (with Sentinel, following failovers at once). */
export async function connectIoRedis(topology: RedisTopology): Promise<Connected<IoRedisAny>> {
  let client: IoRedisAny;
  if (topology.kind === 'cluster') client = new IoCluster(topology.rootNodes, { lazyConnect: true });
  else if (topology.kind === 'sentinel') client = new IoRedis({ sentinels: topology.sentinels, name: topology.name, failoverDetector: true, lazyConnect: true });
  else client = new IoRedis(topology.url, { lazyConnect: true });
  client.on('error', ignore);
  await client.connect();
  return {
    client,
    close: async () => {
      await client.quit().catch(ignore);
      // A Sentinel client's failover detector keeps its own sentinel connections open past quit().
      client.disconnect();
    },
  };
}

function addresses(list: string): Address[] {
  return list.split(',').map((entry) => {
    const [host, port] = entry.trim().split(':');
    return { host: host!, port: Number(port) };
  });
}

/** The environment that tells an instance process (instance-app.ts) where Redis is. */
export function topologyEnv(topology: RedisTopology, client: ClientKind = 'node-redis'): Record<string, string> {
  const env: Record<string, string> = { REDIS_TOPOLOGY: topology.kind, COORDINATION_CLIENT: client };
  if (topology.kind === 'standalone') env.REDIS_URL = topology.url;
  if (topology.kind === 'cluster') env.REDIS_NODES = topology.rootNodes.map((a) => `${a.host}:${a.port}`).join(',');
  if (topology.kind === 'sentinel') {
    env.REDIS_SENTINELS = topology.sentinels.map((a) => `${a.host}:${a.port}`).join(',');
    env.REDIS_SENTINEL_NAME = topology.name;
  }
  return env;
}

/** Reads what {@link topologyEnv} wrote (a plain `REDIS_URL` alone means one server, node-redis). */
export function topologyFromEnv(env: NodeJS.ProcessEnv): { topology: RedisTopology; client: ClientKind } {
  const kind = env.REDIS_TOPOLOGY ?? 'standalone';
  const client = (env.COORDINATION_CLIENT ?? 'node-redis') as ClientKind;
  if (client !== 'node-redis' && client !== 'ioredis') throw new Error(`COORDINATION_CLIENT must be node-redis or ioredis, not ${client}`);
  if (kind === 'cluster') return { topology: { kind, rootNodes: addresses(env.REDIS_NODES!) }, client };
  if (kind === 'sentinel') return { topology: { kind, sentinels: addresses(env.REDIS_SENTINELS!), name: env.REDIS_SENTINEL_NAME! }, client };
  if (kind !== 'standalone') throw new Error(`REDIS_TOPOLOGY must be standalone, cluster or sentinel, not ${kind}`);
  return { topology: { kind, url: env.REDIS_URL! }, client };
}

/**
 * An app's Redis clients from its environment: node-redis for its sessions, and for
 * coordination the same client or an ioredis one.
 */
export async function appClientsFromEnv(env: NodeJS.ProcessEnv): Promise<{ sessions: NodeRedisAny; coordination: NodeRedisAny | IoRedisAny; close(): Promise<void> }> {
  const { topology, client } = topologyFromEnv(env);
  const sessions = await connectNodeRedis(topology);
  const coordination = client === 'ioredis' ? await connectIoRedis(topology) : sessions;
  return {
    sessions: sessions.client,
    coordination: coordination.client,
    close: async () => {
      if (coordination !== sessions) await coordination.close();
      await sessions.close();
    },
  };
}

/** A running deployment of any kind, and its address. */
export interface RedisDeployment {
  topology: RedisTopology;
  /** The data nodes' redis-servers (the masters of a cluster; master and replica with Sentinel). */
  servers: RedisServer[];
  cluster?: RedisClusterServer;
  sentinel?: RedisSentinelServer;
  stop(): Promise<void>;
}

/** Starts one server, a 3-master cluster, or a master, replica and sentinel. */
export async function startDeployment(kind: RedisTopology['kind']): Promise<RedisDeployment> {
  if (kind === 'cluster') {
    const cluster = await startRedisCluster();
    return { topology: { kind, rootNodes: cluster.rootNodes }, servers: cluster.nodes, cluster, stop: () => cluster.stop() };
  }
  if (kind === 'sentinel') {
    const sentinel = await startRedisSentinel();
    return { topology: { kind, sentinels: [sentinel.sentinel], name: sentinel.name }, servers: sentinel.servers, sentinel, stop: () => sentinel.stop() };
  }
  const server = await startRedis();
  return { topology: { kind, url: server.url }, servers: [server], stop: () => server.stop() };
}
