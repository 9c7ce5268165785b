/**
 * `express-egnyte-auth/redis`: coordination of logins across several app instances through
 * Redis. A separate entry point so apps on one instance never load it.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { egnyteAuth } from 'express-egnyte-auth';
 * import { redisCoordination } from 'express-egnyte-auth/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * app.use(egnyteAuth({ ...options, coordination: redisCoordination({ client }) }));
 * ```
 *
 * @packageDocumentation
 */
export { redisCoordination } from './coordination/redis.js';
export type { IoRedisLike, NodeRedisClusterLike, NodeRedisLike, NodeRedisSentinelLike, RedisCoordinationOptions } from './coordination/redis.js';
