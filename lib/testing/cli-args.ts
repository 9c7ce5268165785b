/**
 * The arguments of `npx egnyte-emulator` (see `cli.ts`), read into emulator options. Pure:
 * every problem is collected and returned together, nothing is printed or started here.
 */
import { parseArgs } from 'node:util';
import { normalizeEgnyteDomain } from '../config/domain.js';
import { DEFAULT_EMULATOR_USERS } from './seed.js';
import type { EgnyteEmulatorOptions, EmulatorUser } from './types.js';

/** The usage text, printed by `--help` and after a wrong argument. */
export const EMULATOR_CLI_USAGE = `Usage: npx egnyte-emulator [--port N] [--user DOMAIN:USERNAME[:admin|power|standard]]... [--auto-approve] [--gateway mashery|apigee]

Runs a local Egnyte (Enhanced Auth Service, consent page, token endpoint, userinfo, Users API,
files, revocation) on 127.0.0.1 for developing and testing an app with express-egnyte-auth.

  --port N          port to listen on (default: a free one, printed at start-up)
  --user D:U[:T]    a user to seed, e.g. --user acme:jsmith or --user acme:ann:admin;
                    repeat for more. Default: jsmith and bjones on acme, hscorpio and mlee on globex
  --auto-approve    skip the consent page (sign in as the domain's first user)
  --gateway G       answer throttling and dead tokens as Egnyte's Mashery gateway (default)
                    or as its Apigee gateway (2025-26)
  --help            this text

Stops on Ctrl-C (SIGINT) or SIGTERM.`;

/** What the arguments ask for. */
export type EmulatorCliRequest =
  | { kind: 'help' }
  | { kind: 'start'; options: EgnyteEmulatorOptions & { port: number; users: EmulatorUser[] } }
  | { kind: 'invalid'; problems: string[] };

const USER_TYPES = new Set(['admin', 'power', 'standard']);
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Ids of users made up from `--user`, above the default users' so the two never clash. */
const FIRST_ID = 1001;

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * One `--user` value as an emulator user. A default user named again (`acme:jsmith`) keeps
 * its seeded record; anyone else gets a made-up name and email from the username.
 */
function userOf(value: string, index: number, problems: string[]): EmulatorUser | undefined {
  const [rawDomain = '', username = '', type, ...rest] = value.split(':');
  if (rawDomain === '' || username === '' || rest.length > 0 || (type !== undefined && !USER_TYPES.has(type))) {
    problems.push(`--user ${JSON.stringify(value)}: write DOMAIN:USERNAME or DOMAIN:USERNAME:TYPE (TYPE admin, power or standard), e.g. acme:jsmith.`);
    return undefined;
  }
  let domain: string;
  try {
    domain = normalizeEgnyteDomain(rawDomain);
  } catch {
    problems.push(`--user ${JSON.stringify(value)}: "${rawDomain}" is not an Egnyte domain name (e.g. acme or acme.egnyte.com).`);
    return undefined;
  }
  if (!USERNAME.test(username)) {
    problems.push(`--user ${JSON.stringify(value)}: the username may hold letters, digits, ".", "_" and "-" only.`);
    return undefined;
  }
  const userType = type as EmulatorUser['userType'];
  const known = DEFAULT_EMULATOR_USERS.find((u) => u.domain === domain && u.username === username.toLowerCase());
  if (known) return { ...known, ...(userType ? { userType } : {}) };
  const label = domain.split('.')[0] ?? domain;
  return {
    id: FIRST_ID + index,
    domain,
    username,
    firstName: capitalised(username.split(/[._-]/)[0] ?? username),
    lastName: capitalised(label),
    email: `${username.toLowerCase()}@${label}.example`,
    userType: userType ?? 'standard',
    active: true,
  };
}

/** Reads the command line (without `node` and the script). Pure. */
export function parseEmulatorArgs(argv: readonly string[]): EmulatorCliRequest {
  let values: { port?: string; user?: string[]; 'auto-approve'?: boolean; gateway?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        user: { type: 'string', multiple: true },
        'auto-approve': { type: 'boolean' },
        gateway: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // parseArgs names the unknown option or the missing value.
    return { kind: 'invalid', problems: [(err as Error).message] };
  }
  if (values.help) return { kind: 'help' };
  const problems: string[] = [];
  let port = 0;
  if (values.port !== undefined) {
    port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) problems.push(`--port ${JSON.stringify(values.port)}: a port is a number from 0 to 65535 (0: a free one).`);
  }
  const gateway = values.gateway ?? 'mashery';
  if (gateway !== 'mashery' && gateway !== 'apigee') problems.push(`--gateway ${JSON.stringify(gateway)}: mashery or apigee.`);
  const users = (values.user ?? []).map((value, index) => userOf(value, index, problems));
  const seeded = users.filter((u): u is EmulatorUser => u !== undefined);
  for (const [i, user] of seeded.entries()) {
    if (seeded.slice(0, i).some((u) => u.domain === user.domain && u.username.toLowerCase() === user.username.toLowerCase())) {
      problems.push(`--user ${user.domain.split('.')[0]}:${user.username} is given twice.`);
    }
  }
  if (problems.length > 0) return { kind: 'invalid', problems };
  return {
    kind: 'start',
    options: {
      port,
      users: seeded.length > 0 ? seeded : DEFAULT_EMULATOR_USERS.map((u) => ({ ...u })),
      ...(values['auto-approve'] ? { autoApprove: true } : {}),
      ...(gateway === 'apigee' ? { gateway: 'apigee' as const } : {}),
    },
  };
}

/** The lines printed once the emulator listens: its URL, the two lines for the app, the users. */
export function startedBanner(url: string, clientId: string, clientSecret: string, users: readonly EmulatorUser[]): string[] {
  const byDomain = new Map<string, string[]>();
  for (const user of users) {
    const list = byDomain.get(user.domain) ?? [];
    list.push(user.userType && user.userType !== 'standard' ? `${user.username} (${user.userType})` : user.username);
    byDomain.set(user.domain, list);
  }
  return [
    `Egnyte emulator running at ${url} (a local stand-in: nothing is sent to Egnyte)`,
    '',
    'Put these two lines in your app\'s egnyteAuth({ ... }) options, for development only',
    "(with import { emulatorEndpoints } from 'express-egnyte-auth/testing'):",
    '',
    `  clientId: '${clientId}', clientSecret: '${clientSecret}',`,
    `  endpoints: emulatorEndpoints('${url}'),`,
    '',
    'Users you can sign in as (type the domain on the emulator\'s page, then pick the user):',
    ...[...byDomain].map(([domain, names]) => `  ${domain}: ${names.join(', ')}`),
    '',
    'Stop it with Ctrl-C.',
  ];
}
