/**
 * `auth.egnyteApiFor({ loginId })`: Egnyte on behalf of a signed-in user from a job outside
 * any request (a sync, a webhook). It works from the login's shared record, the latest token
 * set any instance stored, refreshed like the guard does (once per login across instances).
 */
import { type EgnyteApi, createEgnyteApiClient } from '../egnyte/api-client.js';
import { EgnyteAuthError, errorFromData } from '../errors/errors.js';
import { isExpired, refreshLogin } from '../guard/reload.js';
import type { Runtime } from '../runtime.js';
import type { EgnyteLogin } from '../types.js';

/** What `egnyteApiFor` gives a job. */
export interface EgnyteBackgroundApi {
  /** The login's Egnyte domain. */
  domain: string;
  /** Calls Egnyte's API on the user's domain with the user's latest token, paced like `req.egnyte.fetch`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Typed, paced helpers, as `req.egnyte.api`. */
  api: EgnyteApi;
}

function ended(): EgnyteAuthError {
  return new EgnyteAuthError('login_required', 'This login has ended (signed out, expired or unknown): the user must sign in again.');
}

/** Builds `egnyteApiFor` for one runtime. */
export function backgroundApi(runtime: Runtime) {
  return async function egnyteApiFor({ loginId }: { loginId: string }): Promise<EgnyteBackgroundApi> {
    if (typeof loginId !== 'string' || loginId === '') throw new EgnyteAuthError('invalid_request', 'egnyteApiFor({ loginId }) needs the loginId of a login (req.egnyte.loginId).', { status: 500 });
    const first = await runtime.logins.state(loginId);
    if (first.kind !== 'live') throw ended();
    const { domain } = first.record;
    let version = first.record.version;
    /** The login's current tokens, refreshed when expired; throws once the login ended. */
    const currentTokens = async (): Promise<EgnyteLogin['tokens']> => {
      const state = await runtime.logins.state(loginId);
      if (state.kind !== 'live') throw ended();
      version = state.record.version;
      if (!isExpired(state.record.tokens, Date.now())) return state.record.tokens;
      const login: EgnyteLogin = { id: loginId, domain, tokens: state.record.tokens, tokensVersion: state.record.version, loggedInAt: 0 };
      const outcome = await runtime.refreshes.run(loginId, () => refreshLogin(runtime, login));
      if (outcome.kind !== 'tokens') throw errorFromData(outcome.error);
      return outcome.tokens;
    };
    const client = createEgnyteApiClient({
      config: runtime.config,
      domain,
      pacer: runtime.pacer,
      paceKey: loginId,
      accessToken: async () => (await currentTokens()).accessToken,
      // Another instance may have refreshed meanwhile: the next accessToken() reads its tokens.
      onTokenRefused: async () => {
        const state = await runtime.logins.state(loginId).catch(() => undefined);
        return state?.kind === 'live' && state.record.version > version;
      },
    });
    return { domain, fetch: client.fetch, api: client.api };
  };
}
