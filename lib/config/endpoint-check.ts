/**
 * A start-up warning for `endpoints` that point at plain-http hosts in production. `endpoints`
 * exists for emulators and tests, which listen on http; in production it would send the client
 * secret, authorization codes and tokens (to the domain URLs) and the user's sign-in (to the
 * Enhanced Auth Service URLs) over the network unencrypted, with nothing said. Production here
 * is `NODE_ENV=production` with an https `baseUrl`: a local run over http (`baseUrl` on
 * localhost) is left alone. Warned once per `egnyteAuth()`, when it is created, through
 * `process.emitWarning` as the cookie check does.
 */
import type { ResolvedConfig } from './options.js';

/** The `code` of the warning, for `process.on('warning')` filters. */
export const ENDPOINTS_WARNING_CODE = 'EGNYTE_AUTH_ENDPOINTS';

/** What the check reads of the config. */
export type EndpointConfig = Pick<ResolvedConfig, 'baseUrl' | 'enhancedAuthUrls' | 'domainBaseUrl' | 'domain' | 'hostSuffixes'>;

function plainHttpOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The plain-http origins the config sends sign-ins to: the Enhanced Auth Service URLs, and the
 * base URL `domainBaseUrl` gives a domain (the fixed one, else an example). Pure apart from
 * calling `domainBaseUrl`, whose throw counts as nothing found.
 */
export function plainHttpEndpoints(config: EndpointConfig): string[] {
  const found = new Set<string>();
  for (const url of Object.values(config.enhancedAuthUrls)) {
    const origin = plainHttpOrigin(url);
    if (origin) found.add(origin);
  }
  try {
    const origin = plainHttpOrigin(config.domainBaseUrl(config.domain ?? `example.${config.hostSuffixes[0] ?? 'egnyte.com'}`));
    if (origin) found.add(origin);
  } catch {
    // The app's function threw: the requests will fail loudly on their own.
  }
  return [...found];
}

/** The warning's text, or `undefined` when there is nothing to say. `nodeEnv` is `process.env.NODE_ENV`. Pure. */
export function endpointsProblem(config: EndpointConfig, nodeEnv: string | undefined): string | undefined {
  if (nodeEnv !== 'production' || !config.baseUrl.startsWith('https:')) return undefined;
  const hosts = plainHttpEndpoints(config);
  if (hosts.length === 0) return undefined;
  return (
    `NODE_ENV is "production" and baseUrl is https, but \`endpoints\` sends sign-ins to plain http (${hosts.join(', ')}): ` +
    'the client secret, authorization codes and tokens would cross the network unencrypted. `endpoints` is for emulators and tests; leave it out in production'
  );
}

/** Warns once, now, when {@link endpointsProblem} finds something. */
export function warnAboutEndpoints(config: EndpointConfig): void {
  const problem = endpointsProblem(config, process.env.NODE_ENV);
  if (problem) process.emitWarning(`express-egnyte-auth: ${problem}.`, { type: 'EgnyteAuthWarning', code: ENDPOINTS_WARNING_CODE });
}
