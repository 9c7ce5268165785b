/**
 * The authorization request shared by the authorize page and the consent form: its
 * validation, the parameters carried from one to the other, and the callback URL. Pure
 * functions over the {@link Directory}.
 */
import type { Directory } from './directory.js';
import type { EmulatorClient } from './types.js';

/** The authorization request parameters carried through the prompt and consent pages. */
const AUTH_PARAMS = ['client_id', 'redirect_uri', 'scope', 'state', 'response_type'] as const;

/** What a validated authorization request is about. */
export interface AuthRequest {
  host: string;
  client: EmulatorClient;
  redirectUri: string;
  state: string | undefined;
  scope: string;
  responseType: string;
  /** The login came through the Enhanced Auth Service (the callback may then name the domain). */
  viaEas: boolean;
}

/**
 * The outcome of {@link checkAuthRequest}: the request, or the error page to show. Errors
 * about the client or redirect URI are shown to the user, never redirected, since the
 * redirect target itself is not trusted.
 */
export type AuthCheck = { ok: true; request: AuthRequest } | { ok: false; status: number; title: string; message: string };

/** Validates the domain, client and redirect URI of an authorization request. */
export function checkAuthRequest(directory: Directory, host: string, params: Record<string, string>): AuthCheck {
  if (!directory.isKnownDomain(host)) {
    return { ok: false, status: 404, title: 'Domain not found', message: `There is no Egnyte domain "${host}" in this emulator.` };
  }
  const client = directory.findClient(params.client_id);
  if (!client) {
    return {
      ok: false,
      status: 400,
      title: 'Unknown application',
      message: params.client_id ? `The API key "${params.client_id}" is not known.` : 'The request has no client_id (API key).',
    };
  }
  const redirectUri = params.redirect_uri ?? '';
  if (!isAllowedRedirectUri(client, redirectUri)) {
    return {
      ok: false,
      status: 400,
      title: 'Invalid redirect URI',
      message: redirectUri
        ? `The redirect URI "${redirectUri}" is not registered for this application.`
        : 'The request has no redirect_uri.',
    };
  }
  return {
    ok: true,
    request: {
      host,
      client,
      redirectUri,
      state: params.state,
      scope: params.scope ?? '',
      responseType: params.response_type ?? '',
      viaEas: params.eas === '1',
    },
  };
}

/** An absolute http(s) URI without fragment, and registered when the client lists its URIs. */
function isAllowedRedirectUri(client: EmulatorClient, redirectUri: string): boolean {
  let parsed: URL | undefined;
  try {
    parsed = new URL(redirectUri);
  } catch {
    parsed = undefined;
  }
  const wellFormed = parsed !== undefined && (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hash === '';
  const allowed = client.redirectUris ? client.redirectUris.includes(redirectUri) : true;
  return wellFormed && allowed;
}

/** `redirectUri` with the defined `params` set on its query (replacing same-named ones). */
export function callbackUrl(redirectUri: string, params: Record<string, string | undefined>): string {
  const target = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) target.searchParams.set(name, value);
  }
  return target.toString();
}

/** The request parameters to carry as hidden fields into the consent form (nothing else). */
export function carriedParams(request: AuthRequest, params: Record<string, string>): Record<string, string> {
  const carried: Record<string, string> = {};
  for (const name of AUTH_PARAMS) {
    const value = params[name];
    if (value !== undefined) carried[name] = value;
  }
  if (request.viaEas) carried.eas = '1';
  return carried;
}
