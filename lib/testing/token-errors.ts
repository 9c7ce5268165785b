/**
 * The refusals of the token endpoint, in Egnyte's shapes (default) or RFC 6749's (the
 * `tokenErrorShape: 'rfc'` option). Egnyte's known answers: `{"errorMessage": ...}`,
 * `{"formErrors":[{"code","msg"}],"inputErrors":{}}`, "No valid app info found for api key",
 * `REQUIRED_PARAMS_MISSING`, "Request hostname and redirect url hostname do not match"
 * (EGNYTE.md, "More answers seen in the wild"). No RFC-style body from Egnyte is known.
 */
import type { ServerResponse } from 'node:http';
import { KEY_DOMAIN_MISMATCH_MESSAGE } from './faults.js';
import { sendJson } from './http.js';

/** Why a token (or authorize) request is refused. */
export type TokenRefusal =
  | 'not_form'
  | 'missing_client_id'
  | 'unknown_client'
  | 'bad_secret'
  | 'basic_auth'
  | 'missing_grant_type'
  | 'unsupported_grant'
  | 'missing_param'
  | 'bad_code'
  | 'code_reused'
  | 'redirect_host_mismatch'
  | 'redirect_mismatch'
  | 'pkce_mismatch'
  | 'bad_refresh'
  | 'inactive_user'
  | 'bad_password'
  | 'password_needs_internal_key'
  | 'key_domain_mismatch';

/** Which body shape refusals take. */
export type TokenErrorShape = 'egnyte' | 'rfc';

/** The message of an internal key on the browser step (egnyte-js-sdk issue 7). */
export const RESOURCE_OWNER_GET_MESSAGE = 'Incorrect request type GET for resource owner flow. Please check the documentation and try again.';
/** An unknown `client_id`. */
export const NO_APP_INFO_MESSAGE = 'No valid app info found for api key';
/** A redirect URI on another host than the registered one. */
export const HOSTNAME_MISMATCH_MESSAGE = 'Request hostname and redirect url hostname do not match';

/** Egnyte's form-error body, `{"formErrors":[{"code","msg"}],"inputErrors":{}}`. */
export function formErrors(code: string, msg: string): Record<string, unknown> {
  return { formErrors: [{ code, msg }], inputErrors: {} };
}

interface RefusalAnswer {
  status: number;
  egnyte: Record<string, unknown>;
  rfc: [error: string, description: string];
}

const ANSWERS: Readonly<Record<TokenRefusal, RefusalAnswer>> = {
  not_form: { status: 400, egnyte: { errorMessage: 'The body must be application/x-www-form-urlencoded.' }, rfc: ['invalid_request', 'The body must be application/x-www-form-urlencoded.'] },
  missing_client_id: { status: 400, egnyte: formErrors('REQUIRED_PARAMS_MISSING', 'client_id is required.'), rfc: ['invalid_client', 'client_id is required in the form body.'] },
  unknown_client: { status: 401, egnyte: { errorMessage: NO_APP_INFO_MESSAGE }, rfc: ['invalid_client', 'Unknown client_id.'] },
  bad_secret: { status: 401, egnyte: { errorMessage: 'Invalid client credentials.' }, rfc: ['invalid_client', 'client_secret is missing or wrong.'] },
  basic_auth: {
    status: 401,
    egnyte: { errorMessage: 'Send client_id and client_secret in the form body.' },
    rfc: ['invalid_client', 'HTTP Basic client authentication is not supported: send client_id and client_secret in the form body.'],
  },
  missing_grant_type: { status: 400, egnyte: formErrors('REQUIRED_PARAMS_MISSING', 'grant_type is required.'), rfc: ['invalid_request', 'grant_type is required.'] },
  unsupported_grant: { status: 400, egnyte: { errorMessage: 'Unsupported grant type.' }, rfc: ['unsupported_grant_type', 'This grant_type is not supported.'] },
  missing_param: { status: 400, egnyte: formErrors('REQUIRED_PARAMS_MISSING', 'A required parameter is missing.'), rfc: ['invalid_request', 'A required parameter is missing.'] },
  bad_code: { status: 400, egnyte: { errorMessage: 'Invalid or expired authorization code.' }, rfc: ['invalid_grant', 'The authorization code is invalid or expired.'] },
  code_reused: { status: 400, egnyte: { errorMessage: 'Invalid or expired authorization code.' }, rfc: ['invalid_grant', 'The authorization code has already been used.'] },
  redirect_host_mismatch: { status: 400, egnyte: { errorMessage: HOSTNAME_MISMATCH_MESSAGE }, rfc: ['invalid_grant', 'redirect_uri does not match the one of the authorization request.'] },
  redirect_mismatch: {
    status: 400,
    egnyte: formErrors('INVALID_CALLBACK', 'Invalid redirect uri.'),
    rfc: ['invalid_grant', 'redirect_uri does not match the one of the authorization request.'],
  },
  // No Egnyte answer is known (no source shows Egnyte checking PKCE): the shape of its other code refusals.
  pkce_mismatch: { status: 400, egnyte: { errorMessage: 'Invalid code verifier.' }, rfc: ['invalid_grant', 'The code_verifier does not match the code_challenge.'] },
  bad_refresh: { status: 400, egnyte: { errorMessage: 'Invalid refresh token.' }, rfc: ['invalid_grant', 'The refresh token is invalid or revoked.'] },
  inactive_user: { status: 400, egnyte: { errorMessage: 'User is not active.' }, rfc: ['invalid_grant', 'The user is not active.'] },
  bad_password: { status: 401, egnyte: { errorMessage: 'Invalid username or password.' }, rfc: ['invalid_grant', 'Invalid username or password.'] },
  password_needs_internal_key: {
    status: 400,
    egnyte: { errorMessage: 'The resource owner flow is only available to internal application keys.' },
    rfc: ['unauthorized_client', 'This key may not use the password grant.'],
  },
  key_domain_mismatch: { status: 400, egnyte: { errorMessage: KEY_DOMAIN_MISMATCH_MESSAGE }, rfc: ['invalid_client', KEY_DOMAIN_MISMATCH_MESSAGE] },
};

/** Writes the refusal in the configured shape. Messages never echo what the client sent. */
export function refuseToken(res: ServerResponse, shape: TokenErrorShape, why: TokenRefusal): void {
  const answer = ANSWERS[why];
  const [error, description] = answer.rfc;
  sendJson(res, answer.status, shape === 'rfc' ? { error, error_description: description } : answer.egnyte);
}
