/**
 * What the single demo and the several-instances demo share: the seeded emulator, the app's
 * final settings once the public URL is known, and the start-up lines.
 */
import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
import type { DemoAppConfig } from './app.js';
import type { DemoConfig } from './config.js';
import { isLocalOnly } from './http-server.js';

/** Users the emulator knows, on two companies, so that switching domains is visible. */
export const EMULATOR_USERS = [
  { id: 1001, domain: 'acme', username: 'ada', firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@acme.example', userType: 'admin', role: 'IT Administrator' },
  { id: 1002, domain: 'acme', username: 'charles', firstName: 'Charles', lastName: 'Babbage', email: 'charles.babbage@acme.example', userType: 'standard', role: 'Analyst' },
  { id: 2001, domain: 'globex', username: 'hank', firstName: 'Hank', lastName: 'Scorpio', email: 'hank@globex.example', userType: 'power', role: 'Project Manager' },
  { id: 2002, domain: 'globex', username: 'homer', firstName: 'Homer', lastName: 'Simpson', email: 'homer@globex.example', userType: 'standard', role: 'Safety Inspector' },
] as const;

/** The emulator the demo runs against. */
export type Emulator = Awaited<ReturnType<typeof startEgnyteEmulator>>;

/** Domains the seeded emulator knows, for the home page's hint. */
export const EMULATOR_DOMAINS = [...new Set(EMULATOR_USERS.map((u) => u.domain))];

/** Starts the emulator seeded with {@link EMULATOR_USERS}. */
export function startDemoEmulator(): Promise<Emulator> {
  return startEgnyteEmulator({ users: EMULATOR_USERS.map((u) => ({ ...u })) });
}

/** The app's settings once its public URL is known: the emulator's key, or the configured one. */
export function appConfigFor(config: DemoConfig, baseUrl: string, emulator: Emulator | undefined): DemoAppConfig {
  if (!emulator) return { ...config, baseUrl, clientId: config.clientId as string, clientSecret: config.clientSecret as string };
  return {
    ...config,
    baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    emulator: { endpoints: emulator.endpoints, origin: new URL(emulator.url).origin, domains: EMULATOR_DOMAINS },
  };
}

/** What {@link logStartup} describes. */
export interface StartupFacts {
  config: DemoConfig;
  baseUrl: string;
  /** The port this process listens on. */
  port: number;
  emulator: Emulator | undefined;
  /** Lines about where sessions live and which instances run, printed after the first line. */
  extra?: readonly string[];
}

/** The start-up lines: where the demo is, what it signs in against, what to set for real Egnyte. */
export function logStartup(log: (line: string) => void, facts: StartupFacts): void {
  const { config, baseUrl, port, emulator } = facts;
  log(`Demo running at ${baseUrl}`);
  for (const line of facts.extra ?? []) log(line);
  if (!isLocalOnly(config.host)) {
    log(`  Listening on ${config.host}: other machines can reach this demo${emulator ? ', and its emulator signs anyone in as any of its users' : ''}.`);
  }
  if (emulator) {
    log(`  Signing in against the LOCAL EGNYTE EMULATOR at ${emulator.url} (nothing is sent to Egnyte).`);
    log(`  Try the domain "acme" or "globex" on the sign-in page.`);
    log('  To use real Egnyte instead, set EGNYTE_CLIENT_ID, EGNYTE_CLIENT_SECRET, BASE_URL,');
    log('  EGNYTE_REGION and SESSION_SECRET (environment or .env) and restart.');
    return;
  }
  log(`  Signing in against REAL EGNYTE (region ${config.region}${config.domain ? `, domain ${config.domain}` : ''}).`);
  log(`  Redirect URI to register for your key: ${baseUrl}/egnyte/callback`);
  if (baseUrl !== `http://localhost:${port}`) log(`  (Listening locally on port ${port}.)`);
  if (baseUrl.startsWith('https:') && config.trustProxy === undefined) {
    log('  Note: BASE_URL is https but TRUST_PROXY is not set. If TLS ends at a proxy in front of');
    log('  this app, set TRUST_PROXY=1 or the secure session cookie is never sent (see TROUBLESHOOTING.md).');
  }
}
