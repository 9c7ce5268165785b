/**
 * What a 4xx from Egnyte's token endpoint means. Egnyte does not answer RFC 6749's
 * `{"error": "invalid_grant"}`: it answers `{"errorMessage": ...}` or
 * `{"formErrors": [{"code", "msg"}]}` (EGNYTE.md, "More answers seen in the wild"). Two kinds
 * of refusal must be told apart, because they ask different people to act:
 *
 * - the app's configuration (an unknown key, a wrong secret, a redirect URI the key does not
 *   have, a key of another environment): signing in again cannot help, the developer must fix
 *   the options, so `invalid_config` (500) with a message that names the fix;
 * - the grant (a code reused, expired or unknown; a refresh token revoked): a 400 carrying none
 *   of the markers above. The user signs in again.
 *
 * Messages quote only the fixed markers matched here, never Egnyte's free text, which may
 * echo a code.
 */
import { EgnyteAuthError } from '../errors/errors.js';

/** What {@link classifyTokenRefusal} reads from an answer (already parsed by the caller). */
export interface TokenRefusalInput {
  status: number;
  /** Every string of the body (JSON values, or the text of an HTML page). */
  texts: readonly string[];
  /** RFC 6749 `error`, when the body has a safe one. */
  oauthError?: string | undefined;
  /** `X-Mashery-Error-Code`, upper case ('' when absent). */
  mashery: string;
}

const KEY_HINT = 'Check clientId and clientSecret (the API key and its secret from developers.egnyte.com).';
const REDIRECT_HINT =
  'The redirect URI this app sends is baseUrl followed by the callback route (e.g. https://app.example.com/egnyte/callback): ' +
  'register exactly that URI for the API key, or correct baseUrl (and routes.callback) to match the registered one.';

/** The message of Developer Inactive at sign-in: the key does not belong to this environment. */
export const DEVELOPER_INACTIVE_AT_SIGN_IN =
  'Egnyte answered "Developer Inactive" while signing you in. This is a configuration problem of the app, not of your account: ' +
  'its API key is not active for this Egnyte environment, typically a key issued for *.qa-egnyte.com used on *.egnyte.com, or the reverse. ' +
  'The app\'s developer must check clientId, clientSecret and hostSuffixes.';

function refusedGrant(oauthError: string | undefined, upstreamStatus: number): EgnyteAuthError {
  return new EgnyteAuthError(
    'token_exchange_failed',
    `Egnyte refused the sign-in code${oauthError === 'invalid_grant' ? ' (invalid_grant)' : ''}: it expired, was already used, ` +
      'or does not belong to this sign-in. Sign in again.',
    { status: 400, upstreamStatus },
  );
}

function configProblem(marker: string, hint: string, upstreamStatus: number): EgnyteAuthError {
  return new EgnyteAuthError('invalid_config', `Egnyte refused this app's token request (${marker}). ${hint}`, { upstreamStatus });
}

/**
 * Classifies a 4xx from the token endpoint, other than the throttling and key-domain answers
 * the caller handles first. Pure. `undefined` for statuses outside 400..499.
 */
export function classifyTokenRefusal(input: TokenRefusalInput): EgnyteAuthError | undefined {
  const { status, texts, oauthError, mashery } = input;
  if (status < 400 || status > 499) return undefined;
  const said = (pattern: RegExp): boolean => texts.some((t) => pattern.test(t));
  const upstreamStatus = status;

  // The token endpoint takes no user token: Developer Inactive there is about the key.
  if (mashery.includes('DEVELOPER_INACTIVE') || said(/developer inactive/i)) {
    return new EgnyteAuthError('developer_inactive', DEVELOPER_INACTIVE_AT_SIGN_IN, { upstreamStatus });
  }
  if (said(/no valid app info found for api key/i)) {
    return configProblem('"No valid app info found for api key"', `Egnyte does not know the API key. ${KEY_HINT}`, upstreamStatus);
  }
  if (said(/^REQUIRED_PARAMS_MISSING$/)) {
    return configProblem('REQUIRED_PARAMS_MISSING', `A required parameter, usually the API key, is missing. ${KEY_HINT}`, upstreamStatus);
  }
  if (said(/request hostname and redirect url hostname do not match/i)) {
    return configProblem('"Request hostname and redirect url hostname do not match"', REDIRECT_HINT, upstreamStatus);
  }
  if (said(/^INVALID_CALLBACK$/)) return configProblem('INVALID_CALLBACK', REDIRECT_HINT, upstreamStatus);
  // The grant itself was refused, whatever the status: RFC's invalid_grant, or the password
  // grant's "Invalid username or password" (the same endpoint serves it).
  if (oauthError === 'invalid_grant' || said(/user ?name or password/i)) return refusedGrant(oauthError, upstreamStatus);
  // Client authentication failed: a wrong secret, or a key that may not use this grant.
  if (status === 401 || status === 403 || oauthError === 'invalid_client' || oauthError === 'unauthorized_client') {
    return configProblem(`HTTP ${status}${oauthError ? `, ${oauthError}` : ''}`, `Egnyte did not accept the app's credentials. ${KEY_HINT}`, upstreamStatus);
  }
  if (status === 400) return refusedGrant(oauthError, upstreamStatus);
  return new EgnyteAuthError(
    'token_exchange_failed',
    `Egnyte refused the token request (HTTP ${status}${oauthError ? `, ${oauthError}` : ''}). Sign in again; if it keeps failing, ` +
      'check the API key, its secret and the registered redirect URI.',
    { upstreamStatus },
  );
}
