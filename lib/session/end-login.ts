/**
 * Ending a login everywhere: a tombstone in the coordination backend (so no instance, and
 * no request still in flight, can bring it back), then the tokens revoked at Egnyte.
 */
import { revokeToken } from '../egnyte/api.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import type { Request } from 'express';
import { runHook } from '../flow/hooks.js';
import type { EgnyteLogin, EgnyteLogoutEvent, EgnyteTokenSet } from '../types.js';
import { storedUser } from './stored-user.js';

/** Revokes the access token and the refresh token (best effort: signing out must not depend on Egnyte). */
export async function revokeTokens(runtime: Runtime, domain: string, tokens: EgnyteTokenSet): Promise<void> {
  const { config } = runtime;
  const revoke = async (token: string, which: string): Promise<void> => {
    try {
      await revokeToken(config, domain, tokens.accessToken, token);
    } catch (err) {
      log.login('%s token revocation failed: %s', which, err instanceof EgnyteAuthError ? err.code : 'error');
    }
  };
  // The refresh token first: its revocation is authenticated with the access token.
  if (tokens.refreshToken) await revoke(tokens.refreshToken, 'refresh');
  await revoke(tokens.accessToken, 'access');
}

/**
 * Tombstones the login and, when `revoke`, revokes its latest tokens (the shared record's,
 * which may be newer than this session's copy), then tells `onLogout`, once per login: a
 * login another request or instance ended already is not reported again. A backend that
 * cannot be reached does not stop the sign-out: revocation still kills the tokens, and the
 * session is ended anyway.
 */
export async function endLoginEverywhere(req: Request, runtime: Runtime, login: EgnyteLogin, reason: EgnyteLogoutEvent['reason'], revoke: boolean): Promise<void> {
  let ended: { alreadyEnded: boolean; tokens?: EgnyteTokenSet } = { alreadyEnded: false };
  try {
    // Logins stored by 0.1 have no id, and so no record to end.
    if (login.id) ended = await runtime.logins.end(login.id);
  } catch (err) {
    log.login('could not record the end of the login: %s', err instanceof EgnyteAuthError ? err.code : 'error');
  }
  runtime.reloads.forget(login.id);
  runtime.refreshes.forget(login.id);
  if (revoke) await revokeTokens(runtime, login.domain, ended.tokens ?? login.tokens);
  if (!ended.alreadyEnded) {
    await runHook('onLogout', runtime.config.onLogout, { req, user: storedUser(login), domain: login.domain, loginId: login.id, reason });
  }
}
