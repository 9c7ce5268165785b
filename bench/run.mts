/**
 * `npm run bench`: every figure with its target and the baseline it was measured against in
 * the same run. Machines here are noisy and shared, so absolute numbers mean little: throughput
 * figures are medians of per-round ratios over palindromic rounds, memory and Redis figures are
 * counts.
 *
 * Processes: the emulator, and each app in its own process (express-egnyte-auth and
 * passport-oauth2, on MemoryStore and on connect-redis), plus dedicated processes for the
 * memory and timer counts; a redis-server of its own on a free loopback port, and a 3-master
 * Redis Cluster of its own for the Redis command counts there. The parent only generates load
 * (autocannon, and a browser loop for sign-ins).
 *
 * `BENCH_ROUNDS` (default 9) and `BENCH_SECONDS` (default 1: a run of sign-ins; a run of
 * requests takes half) trade time for steadier medians.
 */
import { pureChecks, sealCost, stampede } from './in-process.mjs';
import { memoryFigures } from './memory.mjs';
import { redisCommandFigures } from './redis-commands.mjs';
import { type ServerProcess, startServer } from './support/child.mjs';
import { printTable } from './support/figures.mjs';
import { closeLoad } from './support/load.mjs';
import { type BenchRedis, startRedis, startRedisClusterBench } from './support/redis.mjs';
import { fetchFigures, guardFigures, signInFigures, type Pace } from './throughput.mjs';

const pace: Pace = { rounds: Number(process.env.BENCH_ROUNDS ?? 9), seconds: Number(process.env.BENCH_SECONDS ?? 1) };
const started: ServerProcess[] = [];
let redis: BenchRedis | undefined;
let cluster: BenchRedis | undefined;

async function server(name: string, config: Record<string, unknown>): Promise<ServerProcess> {
  const child = await startServer(name, config);
  started.push(child);
  return child;
}

async function stopAll(): Promise<void> {
  await closeLoad();
  await Promise.all(started.map((child) => child.stop()));
  await redis?.stop();
  await cluster?.stop();
}

process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

try {
  const startedAt = Date.now();
  redis = await startRedis();
  const emulator = await server('emulator', {});
  const memory = { store: 'memory', emulatorUrl: emulator.url };
  const onRedis = { store: 'redis', redisUrl: redis.url, emulatorUrl: emulator.url };

  const MEMORY = 'MemoryStore (express-session\'s own)';
  const REDIS = 'Redis store (connect-redis 9) and redisCoordination(), one redis-server';
  const memoryApps = { ours: await server('egnyte-app', memory), passport: await server('passport-app', memory) };
  await guardFigures(MEMORY, memoryApps, pace);
  await signInFigures(MEMORY, memoryApps, pace);
  await memoryFigures(MEMORY, await server('egnyte-app', { ...memory, trackTimers: true }), 2000, 1);
  await fetchFigures(MEMORY, await server('egnyte-app', { ...memory, fetchBench: true }), pace);

  const redisApps = { ours: await server('egnyte-app', onRedis), passport: await server('passport-app', onRedis) };
  await guardFigures(REDIS, redisApps, pace);
  await signInFigures(REDIS, redisApps, pace);
  await redisCommandFigures(REDIS, redis, redisApps.ours, await server('egnyte-app', { ...onRedis, userCacheSeconds: 0 }));
  await memoryFigures(REDIS, await server('egnyte-app', { ...onRedis, trackTimers: true }), 2000, 0.25);

  // Redis Cluster: commands counted over its three masters (throughput is the single server's story).
  cluster = await startRedisClusterBench();
  const onCluster = { store: 'redis', redisNodes: cluster.rootNodes, emulatorUrl: emulator.url };
  const CLUSTER = 'Redis Cluster, 3 masters (node-redis createCluster for sessions and redisCoordination())';
  await redisCommandFigures(CLUSTER, cluster, await server('egnyte-app', onCluster), await server('egnyte-app', { ...onCluster, userCacheSeconds: 0 }));

  const IN_PROCESS = 'In the bench process';
  pureChecks(IN_PROCESS);
  await stampede(IN_PROCESS);
  await sealCost(IN_PROCESS);

  console.log(`\nnpm run bench: ${pace.rounds} palindromic rounds (each contender twice: ${pace.seconds / 2} s of requests, ${pace.seconds} s of sign-ins), ${((Date.now() - startedAt) / 1000).toFixed(0)} s in all`);
  process.exitCode = printTable() > 0 ? 1 : 0;
} catch (err) {
  console.error(err);
  process.exitCode = 2;
} finally {
  await stopAll();
}
