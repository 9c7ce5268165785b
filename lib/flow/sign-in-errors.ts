/**
 * What an error means when it happens while signing in, rather than later in a session. The
 * same Egnyte answer can ask different people to act: "Developer Inactive" for a token that
 * worked before means the token died (sign in again), but for a token Egnyte issued a moment
 * ago it means the API key does not belong to this Egnyte environment (EGNYTE.md, "Errors and
 * limits"): a configuration problem only the app's developer can fix.
 */
import { DEVELOPER_INACTIVE_AT_SIGN_IN } from '../egnyte/token-refusal.js';
import { EgnyteAuthError } from '../errors/errors.js';

/** `err` as the sign-in should report it. Pure. */
export function atSignIn(err: unknown): unknown {
  if (err instanceof EgnyteAuthError && err.code === 'developer_inactive') {
    return new EgnyteAuthError('developer_inactive', DEVELOPER_INACTIVE_AT_SIGN_IN, {
      status: err.status,
      ...(err.upstreamStatus !== undefined ? { upstreamStatus: err.upstreamStatus } : {}),
    });
  }
  return err;
}
