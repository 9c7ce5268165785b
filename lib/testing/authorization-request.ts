/**
 * The authorization request shared by the authorize page and the consent form: its
 * validation, the parameters carried from one to the other, and the callback URL. Pure
 * functions over the {@link Directory}.
 */
import type { Directory } from './directory.js';
import { HOSTNAME_MISMATCH_MESSAGE, NO_APP_INFO_MESSAGE, RESOURCE_OWNER_GET_MESSAGE, formErrors } from './token-errors.js';
import type { TokenErrorShape } from './token-errors.js';
import { type PkceChallenge, readPkceChallenge } from './pkce.js';
import { isRegisteredRedirectUri, registeredHostnames } from './redirect-uris.js';
import type { EmulatorClient } from './types.js';

/** The authorization request parameters carried through the prompt and consent pages. */
const AUTH_PARAMS = ['client_id', 'redirect_uri', 'scope', 'state', 'response_type', 'code_challenge', 'code_challenge_method'] as const;

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
  /** The PKCE challenge, when the request had one; a malformed one is `{ error }`. */
  pkce: PkceChallenge | undefined | { error: string };
}

/**
 * The outcome of {@link checkAuthRequest}: the request, or the refusal to show. Errors about
 * the client or redirect URI are shown to the user, never redirected, since the redirect
 * target itself is not trusted. With `json`, the refusal is Egnyte's raw JSON (what a
 * browser shows on the real step); without, the emulator's error page.
 */
export type AuthCheck =
  | { ok: true; request: AuthRequest }
  | { ok: false; status: number; title: string; message: string; json?: Record<string, unknown> };

/**
 * Validates the domain, client and redirect URI of an authorization request (a URI the key is
 * not registered for is refused: redirect-uris.ts; `anyRedirectUri` is the emulator option).
 * With the `'egnyte'` shape, refusals about the key and redirect URI carry Egnyte's JSON bodies.
 */
export function checkAuthRequest(
  directory: Directory,
  host: string,
  params: Record<string, string>,
  shape: TokenErrorShape = 'egnyte',
  anyRedirectUri = false,
): AuthCheck {
  const egnyte = (json: Record<string, unknown>): { json?: Record<string, unknown> } => (shape === 'egnyte' ? { json } : {});
  if (!directory.isKnownDomain(host)) {
    return { ok: false, status: 404, title: 'Domain not found', message: `There is no Egnyte domain "${host}" in this emulator.` };
  }
  if (!params.client_id) {
    return { ok: false, status: 400, title: 'Unknown application', message: 'The request has no client_id (API key).', ...egnyte(formErrors('REQUIRED_PARAMS_MISSING', 'client_id is required.')) };
  }
  const client = directory.findClient(params.client_id);
  if (!client) {
    return { ok: false, status: 401, title: 'Unknown application', message: `The API key "${params.client_id}" is not known.`, ...egnyte({ errorMessage: NO_APP_INFO_MESSAGE }) };
  }
  if (client.type === 'internal') {
    // An internal key serves the password grant only (EGNYTE.md "Key types").
    return { ok: false, status: 400, title: 'Wrong kind of key', message: RESOURCE_OWNER_GET_MESSAGE, ...egnyte({ errorMessage: RESOURCE_OWNER_GET_MESSAGE }) };
  }
  const redirectUri = params.redirect_uri ?? '';
  if (!isRegisteredRedirectUri(client, redirectUri, anyRedirectUri)) {
    return {
      ok: false,
      status: 400,
      title: 'Invalid redirect URI',
      message: redirectUri
        ? `The redirect URI "${redirectUri}" is not registered for this application.`
        : 'The request has no redirect_uri.',
      ...egnyte(redirectRefusal(client, redirectUri)),
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
      pkce: readPkceChallenge(params),
    },
  };
}

/** Egnyte's refusal of a redirect URI: another host than the registered one, or an invalid one. */
function redirectRefusal(client: EmulatorClient, redirectUri: string): Record<string, unknown> {
  let hostname: string | undefined;
  try {
    hostname = new URL(redirectUri).hostname;
  } catch {
    hostname = undefined;
  }
  const registeredHosts = registeredHostnames(client);
  if (hostname !== undefined && registeredHosts.length > 0 && !registeredHosts.includes(hostname)) {
    return { errorMessage: HOSTNAME_MISMATCH_MESSAGE };
  }
  return formErrors('INVALID_CALLBACK', 'Invalid redirect uri redirect uri must be a valid https url.');
}

/** The PKCE challenge a code is bound to (a malformed one never gets this far). */
export function codePkce(request: AuthRequest): { pkce?: PkceChallenge } {
  return request.pkce && !('error' in request.pkce) ? { pkce: request.pkce } : {};
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
