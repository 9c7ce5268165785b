/**
 * `auth.egnyteApiFor({ loginId })`: Egnyte on behalf of a signed-in user from a job outside
 * any request (a sync, a webhook). It uses the login's record under the same rules as a request
 * (login/access.ts): a login that ended, is past `maxSessionAge` or its activity window, or whose
 * domain is no longer allowed is refused (and ended, with `onLogout` told once, `req`
 * undefined); an expired token is refreshed once across instances. A job is not user activity:
 * it never moves the login's end.
 */
import { type EgnyteApi, createEgnyteApiClient } from '../egnyte/api-client.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { type AccessContext, liveLogin, loginAccess, tokenRefused } from '../login/access.js';
import type { Runtime } from '../guard/runtime.js';

/** What `egnyteApiFor` gives a job. */
export interface EgnyteBackgroundApi {
  /** The login's Egnyte domain. */
  domain: string;
  /** Calls Egnyte's API on the user's domain with the user's latest token, paced like `req.egnyte.fetch`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Typed, paced helpers, as `req.egnyte.api`. */
  api: EgnyteApi;
}

/** A job knows nothing of the login but its id. */
const JOB: AccessContext = Object.freeze({});

/** Builds `egnyteApiFor` for one runtime. */
export function backgroundApi(runtime: Runtime) {
  return async function egnyteApiFor({ loginId }: { loginId: string }): Promise<EgnyteBackgroundApi> {
    if (typeof loginId !== 'string' || loginId === '') throw new EgnyteAuthError('invalid_request', 'egnyteApiFor({ loginId }) needs the loginId of a login (req.egnyte.loginId).', { status: 500 });
    const { domain } = await liveLogin(runtime.logins, loginId, JOB);
    let version = 0;
    const client = createEgnyteApiClient({
      config: runtime.config,
      domain,
      pacer: runtime.pacer,
      paceKey: loginId,
      accessToken: async () => {
        const access = await loginAccess(runtime.logins, loginId, JOB);
        version = access.login.version;
        return access.tokens.accessToken;
      },
      onTokenRefused: () => tokenRefused(runtime.logins, loginId, version, JOB),
    });
    return { domain, fetch: client.fetch, api: client.api };
  };
}
