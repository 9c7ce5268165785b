/**
 * The demo's settings: read from the environment (and an optional `.env` file), validated
 * in one pass so that every problem is reported at once.
 *
 * Two modes:
 * - **emulator**: neither `EGNYTE_CLIENT_ID` nor `EGNYTE_CLIENT_SECRET` is set. The demo
 *   starts a local Egnyte emulator and signs in against it; nothing leaves your machine.
 * - **real**: both are set. The demo talks to Egnyte itself and needs `BASE_URL`,
 *   `EGNYTE_REGION` and `SESSION_SECRET` as well.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { normalizeEgnyteDomain } from 'express-egnyte-auth';
import { REDIS_SERVER_PATH, checkRedisSettings, parseDemoArgs } from './config-instances.js';
import type { CommandLine } from './config-instances.js';
import { checkBaseUrl, checkTrustProxy, clip } from './config-values.js';
import { parseDotEnv } from './dotenv.js';
import type { EgnyteRegion } from 'express-egnyte-auth';

/** The environment variables the demo reads. */
export const CONFIG_VARIABLES = [
  'EGNYTE_CLIENT_ID',
  'EGNYTE_CLIENT_SECRET',
  'EGNYTE_REGION',
  'EGNYTE_DOMAIN',
  'EGNYTE_SCOPE',
  'EGNYTE_HOST_SUFFIXES',
  'BASE_URL',
  'SESSION_SECRET',
  'PORT',
  'HOST',
  'TRUST_PROXY',
  'REDIS_URL',
] as const;

export { parseDotEnv } from './dotenv.js';

/** A plain map of variables, like `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The validated settings. */
export interface DemoConfig {
  /** `emulator` when no Egnyte credentials are configured, `real` otherwise. */
  mode: 'emulator' | 'real';
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /**
   * Interface to listen on: `127.0.0.1` unless `HOST` says otherwise, since the emulator signs
   * anyone in and a demo should not be reachable from the network by accident.
   */
  host: string;
  /** Public origin of the app. Required in real mode; in emulator mode defaults to `http://localhost:{port}`. */
  baseUrl?: string;
  /** Egnyte API key (real mode only). */
  clientId?: string;
  /** Egnyte API key secret (real mode only). */
  clientSecret?: string;
  /** Region of Egnyte's Enhanced Auth Service. */
  region: EgnyteRegion;
  /** A fixed Egnyte domain (normalised host), or undefined to let users pick theirs. */
  domain?: string;
  /** Scopes to ask for, space-separated. */
  scope?: string;
  /** Allowed Egnyte host suffixes (e.g. `qa-egnyte.com` for test keys). */
  hostSuffixes?: string[];
  /** Secret signing the session cookie. Random per start in emulator mode when not set. */
  sessionSecret: string;
  /** Value for express's `trust proxy`, or undefined to leave it off. */
  trustProxy?: number | boolean | string;
  /** `REDIS_URL`: sessions and coordination live in this Redis instead of the process. */
  redisUrl?: string;
  /** `--instances N`: run N instances behind a round-robin proxy (Redis required). */
  instances?: number;
}

/** Outcome of {@link validateConfig}: the config, or every problem found. */
export type ConfigResult = { ok: true; config: DemoConfig } | { ok: false; problems: string[] };

/** Thrown by {@link loadConfig} when the settings are wrong; `message` names every problem. */
export class DemoConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(formatProblems(problems));
    this.name = 'DemoConfigError';
    this.problems = problems;
  }
}

/** One message naming each problem, for the console. */
export function formatProblems(problems: readonly string[]): string {
  return [
    `The demo cannot start: ${problems.length} setting${problems.length === 1 ? ' is' : 's are'} wrong.`,
    ...problems.map((p) => `  - ${p}`),
    '',
    'Set them in the environment or in a .env file (see EXAMPLES.md), or unset EGNYTE_CLIENT_ID',
    'and EGNYTE_CLIENT_SECRET to run against the local Egnyte emulator.',
  ].join('\n');
}

const MIN_SECRET_LENGTH = 32;

function present(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Validates settings and the command line. Pure: reads only `env` and `cli` (plus a random
 * session secret in emulator mode when none is set), never the file system or the network.
 */
export function validateConfig(env: Env, cli: CommandLine = {}): ConfigResult {
  const problems: string[] = [];
  const { instances } = parseDemoArgs(cli.args ?? [], problems);
  const clientId = present(env, 'EGNYTE_CLIENT_ID');
  const clientSecret = present(env, 'EGNYTE_CLIENT_SECRET');
  const mode: DemoConfig['mode'] = clientId === undefined && clientSecret === undefined ? 'emulator' : 'real';

  if (mode === 'real') {
    if (clientId === undefined) {
      problems.push('EGNYTE_CLIENT_ID is missing: set it to your Egnyte API key (or unset EGNYTE_CLIENT_SECRET too to use the local emulator).');
    }
    if (clientSecret === undefined) {
      problems.push('EGNYTE_CLIENT_SECRET is missing: set it to your API key\'s secret (or unset EGNYTE_CLIENT_ID too to use the local emulator).');
    }
  }

  // PORT
  let port = 3000;
  const rawPort = present(env, 'PORT');
  if (rawPort !== undefined) {
    if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) {
      problems.push(`PORT must be a number from 0 to 65535 (0 picks a free port), not "${clip(rawPort)}".`);
    } else {
      port = Number(rawPort);
    }
  }
  const host = present(env, 'HOST') ?? '127.0.0.1';

  // EGNYTE_REGION
  let region: EgnyteRegion = 'us';
  const rawRegion = present(env, 'EGNYTE_REGION');
  if (rawRegion === undefined) {
    if (mode === 'real') problems.push('EGNYTE_REGION is missing: set it to "us" or "eu" (the Egnyte data centre closest to your users).');
  } else if (rawRegion.toLowerCase() === 'us' || rawRegion.toLowerCase() === 'eu') {
    region = rawRegion.toLowerCase() as EgnyteRegion;
  } else {
    problems.push(`EGNYTE_REGION must be "us" or "eu", not "${clip(rawRegion)}".`);
  }

  // EGNYTE_HOST_SUFFIXES
  let hostSuffixes: string[] | undefined;
  const rawSuffixes = present(env, 'EGNYTE_HOST_SUFFIXES');
  if (rawSuffixes !== undefined) {
    hostSuffixes = rawSuffixes.split(/[\s,]+/).filter(Boolean).map((s) => s.toLowerCase().replace(/^\./, ''));
    const bad = hostSuffixes.filter((s) => !/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(s));
    if (bad.length > 0 || hostSuffixes.length === 0) {
      problems.push(`EGNYTE_HOST_SUFFIXES must be a comma-separated list of host suffixes such as "egnyte.com,qa-egnyte.com"; "${clip(rawSuffixes)}" is not.`);
      hostSuffixes = undefined;
    }
  }

  // EGNYTE_DOMAIN
  let domain: string | undefined;
  const rawDomain = present(env, 'EGNYTE_DOMAIN');
  if (rawDomain !== undefined) {
    try {
      domain = normalizeEgnyteDomain(rawDomain, hostSuffixes ? { hostSuffixes } : {});
    } catch {
      const allowed = (hostSuffixes ?? ['egnyte.com']).join(', ');
      problems.push(`EGNYTE_DOMAIN must be an Egnyte domain such as "acme" or "acme.egnyte.com" (allowed suffixes: ${allowed}), not "${clip(rawDomain)}".`);
    }
  }

  const scope = present(env, 'EGNYTE_SCOPE')?.split(/[\s,]+/).filter(Boolean).join(' ');

  // BASE_URL
  let baseUrl: string | undefined;
  const rawBaseUrl = present(env, 'BASE_URL');
  if (rawBaseUrl === undefined) {
    if (mode === 'real') {
      problems.push('BASE_URL is missing: set it to the public https address of this app, e.g. https://demo.example.com (the redirect URI registered for your key is BASE_URL + /egnyte/callback).');
    }
  } else {
    baseUrl = checkBaseUrl(rawBaseUrl, problems);
  }

  // SESSION_SECRET
  let sessionSecret = present(env, 'SESSION_SECRET');
  if (sessionSecret === undefined) {
    if (mode === 'real') {
      problems.push(`SESSION_SECRET is missing: set it to a random string of at least ${MIN_SECRET_LENGTH} characters, e.g. the output of: node -e "console.log(crypto.randomBytes(32).toString('hex'))"`);
    } else {
      sessionSecret = randomBytes(32).toString('hex');
    }
  } else if (sessionSecret.length < MIN_SECRET_LENGTH) {
    problems.push(`SESSION_SECRET is too short (${sessionSecret.length} characters): use at least ${MIN_SECRET_LENGTH} random characters.`);
  }

  // TRUST_PROXY
  let trustProxy: DemoConfig['trustProxy'];
  const rawTrust = present(env, 'TRUST_PROXY');
  if (rawTrust !== undefined) trustProxy = checkTrustProxy(rawTrust, problems);
  const redisUrl = checkRedisSettings(present(env, 'REDIS_URL'), instances, cli, problems);

  if (problems.length > 0) return { ok: false, problems };
  const config: DemoConfig = { mode, port, host, region, sessionSecret: sessionSecret as string };
  if (baseUrl !== undefined) config.baseUrl = baseUrl;
  if (mode === 'real') {
    config.clientId = clientId;
    config.clientSecret = clientSecret;
  }
  if (domain !== undefined) config.domain = domain;
  if (scope) config.scope = scope;
  if (hostSuffixes) config.hostSuffixes = hostSuffixes;
  if (trustProxy !== undefined) config.trustProxy = trustProxy;
  if (redisUrl !== undefined) config.redisUrl = redisUrl;
  if (instances !== undefined) config.instances = instances;
  return { ok: true, config };
}

/**
 * Reads the environment plus a `.env` file (variables already in the environment win), and
 * validates it with the command line `args`. The file is `./.env`, or `DEMO_ENV_FILE` when
 * set (empty: no file). Throws {@link DemoConfigError} naming every problem.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd(), args: readonly string[] = []): DemoConfig {
  const fileSetting = env['DEMO_ENV_FILE'];
  const file = fileSetting === undefined ? resolve(cwd, '.env') : fileSetting.trim() === '' ? undefined : resolve(cwd, fileSetting);
  let fromFile: Record<string, string> = {};
  if (file !== undefined) {
    try {
      fromFile = parseDotEnv(readFileSync(file, 'utf8'));
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing || fileSetting !== undefined) {
        throw new DemoConfigError([`Could not read the settings file ${file}: ${(err as Error).message}`]);
      }
    }
  }
  const merged: Record<string, string | undefined> = {};
  for (const name of CONFIG_VARIABLES) merged[name] = env[name] ?? fromFile[name];
  const result = validateConfig(merged, { args, redisServerInstalled: existsSync(REDIS_SERVER_PATH) });
  if (!result.ok) throw new DemoConfigError(result.problems);
  return result.config;
}
