/**
 * The demo's settings for running on Redis and as several instances: `REDIS_URL` and the
 * command line (`--instances N`). Each check adds its problems to the list, so that they are
 * reported together with the other settings' problems in one message.
 */
import { clip } from './config-values.js';

/** Where `--instances` looks for a redis-server to start when `REDIS_URL` is not set. */
export const REDIS_SERVER_PATH = '/usr/bin/redis-server';

/**
 * Most instances `--instances` accepts: each is a Node process, and a demo on a laptop gains
 * nothing from more.
 */
export const MAX_INSTANCES = 16;

/** What the command line asks for. */
export interface DemoArgs {
  /** `--instances N`: run N instances behind a round-robin proxy. */
  instances?: number;
}

/** The command line and what it needs of the machine, for {@link validateConfig}. */
export interface CommandLine {
  /** The arguments after `npm run demo --`, e.g. `['--instances', '3']`. */
  args?: readonly string[];
  /**
   * Whether {@link REDIS_SERVER_PATH} exists. Only consulted for `--instances` without
   * `REDIS_URL`; undefined counts as installed (the check is the caller's, so validation stays pure).
   */
  redisServerInstalled?: boolean;
}

/** The same URL with its password (and user name) replaced by `***`, for messages and logs. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

function checkInstances(raw: string | undefined, problems: string[]): number | undefined {
  if (raw !== undefined && /^\d{1,3}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= MAX_INSTANCES) return Number(raw);
  const shown = raw === undefined ? 'nothing' : `"${clip(raw)}"`;
  problems.push(`--instances must be followed by a whole number from 1 to ${MAX_INSTANCES} (e.g. npm run demo -- --instances 3), not ${shown}.`);
  return undefined;
}

/** Reads `--instances N` (or `--instances=N`); anything else is a problem. */
export function parseDemoArgs(args: readonly string[], problems: string[]): DemoArgs {
  const parsed: DemoArgs = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const inline = /^--instances=(.*)$/.exec(arg);
    if (inline) {
      const n = checkInstances(inline[1], problems);
      if (n !== undefined) parsed.instances = n;
    } else if (arg === '--instances') {
      const n = checkInstances(args[i + 1], problems);
      if (n !== undefined) parsed.instances = n;
      i += 1;
    } else {
      problems.push(`Unknown argument "${clip(arg)}": the demo takes only --instances N (e.g. npm run demo -- --instances 3).`);
    }
  }
  return parsed;
}

/**
 * `REDIS_URL`: `redis://` or `rediss://` (TLS), with a host. Messages never quote the
 * password a URL may carry.
 */
export function checkRedisUrl(raw: string, problems: string[]): string | undefined {
  const shown = clip(redactUrl(raw));
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`REDIS_URL must be a URL such as redis://127.0.0.1:6379 (rediss:// for TLS), not "${shown}".`);
    return undefined;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    problems.push(`REDIS_URL must start with redis:// (or rediss:// for TLS), not "${shown}".`);
  } else if (url.hostname === '') {
    problems.push(`REDIS_URL must name a host, e.g. redis://127.0.0.1:6379, not "${shown}".`);
  } else if (!/^\/?\d*$/.test(url.pathname) || url.search !== '' || url.hash !== '') {
    problems.push(`REDIS_URL may end with a database number (redis://host:6379/0) and nothing else, not "${shown}".`);
  } else {
    return raw;
  }
  return undefined;
}

/**
 * `REDIS_URL` (`raw`, undefined when unset), and whether `--instances` has a Redis to share:
 * the configured one, or a private redis-server when one is installed.
 */
export function checkRedisSettings(raw: string | undefined, instances: number | undefined, cli: CommandLine, problems: string[]): string | undefined {
  if (raw !== undefined) return checkRedisUrl(raw, problems);
  if (instances !== undefined && cli.redisServerInstalled === false) {
    problems.push(`--instances needs a Redis that the instances share: set REDIS_URL (e.g. redis://127.0.0.1:6379), or install redis-server (${REDIS_SERVER_PATH} is missing) and the demo starts a private one.`);
  }
  return undefined;
}
