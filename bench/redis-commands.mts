/**
 * Redis commands per request, counted by Redis itself (`INFO commandstats`, reset before each
 * count), never timed: what the session store runs for an unguarded request, what the package
 * adds to a guarded one on a fresh session (target 0), and what a stale session's re-read costs.
 */
import type { ServerProcess } from './support/child.mjs';
import { record } from './support/figures.mjs';
import { hop, signInOnce } from './support/load.mjs';
import type { BenchRedis } from './support/redis.mjs';
import { OURS_LOGIN } from './throughput.mjs';

async function commandsPerRequest(redis: BenchRedis, url: string, cookie: string, requests: number): Promise<{ perRequest: number; names: string }> {
  await redis.resetStats();
  for (let i = 0; i < requests; i++) {
    const answer = await hop(url, cookie, 'application/json');
    if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}`);
  }
  const counts = await redis.commandCounts();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const names = Object.entries(counts)
    .map(([name, calls]) => `${name} ${(calls / requests).toFixed(2)}`)
    .join(', ');
  return { perRequest: total / requests, names: names || 'none' };
}

/** `app` uses the Redis store with the default user cache; `stale` re-reads the user on every request. */
export async function redisCommandFigures(section: string, redis: BenchRedis, app: ServerProcess, stale: ServerProcess): Promise<void> {
  const cookie = await signInOnce(app.url, OURS_LOGIN);
  const requests = 200;
  const plain = await commandsPerRequest(redis, `${app.url}/plain`, cookie, requests);
  const guarded = await commandsPerRequest(redis, `${app.url}/me`, cookie, requests);
  record(section, 'Redis commands per unguarded request (the session store)', plain.perRequest, '', plain.names);
  record(section, 'Redis commands the package adds per guarded request', guarded.perRequest - plain.perRequest, '', `guarded: ${guarded.names}`, { op: '=', value: 0 });
  const staleCookie = await signInOnce(stale.url, OURS_LOGIN);
  const reread = await commandsPerRequest(redis, `${stale.url}/me`, staleCookie, 50);
  record(section, 'Redis commands per guarded request on a stale session', reread.perRequest, '', reread.names);
}
