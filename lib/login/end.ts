/**
 * Ending a login: the one place every path that ends one comes through (logout, `maxSessionAge`,
 * `idleTimeout`, a domain no longer allowed, a token Egnyte refused on any call, a new sign-in in
 * the same browser, a record the backend lost, a sign-in that failed half-way).
 *
 * In order: the record becomes a tombstone (one swap, record.ts: from then on no instance, no
 * request still in flight and no job can use the login, and exactly one caller learns that it
 * ended it); the request's own session drops its reference; and that one caller alone revokes
 * the tokens the record held and tells `onLogout`. So the hook fires once per login, whichever
 * and however many requests, instances or jobs notice the end at once.
 */
import type { Request } from 'express';
import { revokeToken } from '../egnyte/api.js';
import { EgnyteAuthError } from '../errors/errors.js';
import { runHook } from './hook.js';
import { log } from '../log.js';
import type { Logins } from './logins.js';
import type { EgnyteTokenSet } from '../session/types.js';
import type { EgnyteLogoutEvent, EgnyteUser } from '../types.js';
import type { EndReason } from './record.js';

/** What the caller knows of the login beyond its id: for the session and the `onLogout` event. */
export interface EndContext {
  /** The request that ended it (`onLogout`'s `req`); its session's reference to the login is dropped. */
  req?: Request | undefined;
  /** The user as last read, when the caller has it. */
  user?: EgnyteUser | undefined;
  /**
   * The login's domain as the caller's session knew it. Given only by callers that know the login
   * existed (a session referring to it): with it, ending a login whose record is gone is reported
   * to `onLogout` too.
   */
  domain?: string | undefined;
}

/** The sealed tokens to revoke when the record is gone or does not open: the request's session's recovery copy. */
function recoveryCopy(req: Request | undefined, loginId: string): string | undefined {
  const login = req?.session?.egnyte?.login;
  return login?.id === loginId ? login.recovery?.tokens : undefined;
}

/** A sealed token set and the domain it says it belongs to. */
interface SealedCopy {
  sealed: string | undefined;
  domain: string | undefined;
}

/**
 * The first of the sealed copies that opens, with its domain: the record's, else the session's
 * (a record altered in the backend leaves the session's copy to revoke). Each opens only for the
 * domain it was sealed for, so tokens are revoked only where they came from. Logged by cause,
 * never by value.
 */
function openFirst(logins: Logins, loginId: string, copies: readonly SealedCopy[]): { tokens: EgnyteTokenSet; domain: string } | undefined {
  let tried = false;
  for (const { sealed, domain } of copies) {
    if (sealed === undefined || domain === undefined) continue;
    tried = true;
    try {
      return { tokens: logins.seal.open({ loginId, domain }, sealed), domain };
    } catch {
      // the next one
    }
  }
  if (tried) log.login('the ended login\'s tokens could not be read: not revoked');
  return undefined;
}

/** Revokes the refresh token, then the access token (best effort: ending must not depend on Egnyte). */
export async function revokeTokens(logins: Logins, domain: string, tokens: EgnyteTokenSet): Promise<void> {
  const { config } = logins;
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

/** The request's session stops referring to `loginId`. */
function dropFromSession(req: Request | undefined, loginId: string): void {
  const data = req?.session?.egnyte;
  if (data?.login?.id === loginId) delete data.login;
}

/**
 * Ends the login everywhere, once (see the module comment). Answers true for the call that
 * ended it, false when it had ended already. Throws `coordination_unavailable` when the backend
 * cannot record the end: then nothing changed, and the caller answers 503.
 */
export async function endLogin(logins: Logins, loginId: string, reason: EndReason, context: EndContext = {}): Promise<boolean> {
  const { ended, previous } = await logins.records.end(loginId, reason);
  logins.forget(loginId);
  const copies: SealedCopy[] = [
    { sealed: previous?.tokens, domain: previous?.domain },
    { sealed: recoveryCopy(context.req, loginId), domain: context.domain },
  ];
  dropFromSession(context.req, loginId);
  if (!ended) return false;
  log.login('login ended: %s', reason);
  const domain = previous?.domain ?? context.domain;
  if (logins.config.revokeOnLogout) {
    const opened = openFirst(logins, loginId, copies);
    if (opened) await revokeTokens(logins, opened.domain, opened.tokens);
  }
  if (reason !== 'sign_in_failed' && domain !== undefined) {
    const event: EgnyteLogoutEvent = { req: context.req, user: context.user, domain, loginId, reason };
    await runHook('onLogout', logins.config.onLogout, event);
  }
  return true;
}
