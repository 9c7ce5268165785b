/**
 * Sessions stored by 0.1.0 kept the tokens in the session, in the clear, with a copy in a record
 * of their own format under another key. At such a session's first request through the guard or
 * the logout route, the login moves to a record of today's kind, its tokens sealed (created only
 * where none is, so concurrent requests of that session agree), and the session keeps only the
 * reference, its cached copies and the sealed recovery copy: written at the end of that request,
 * the session holds no token in the clear any more. The old record is deleted once the new one
 * stands (a concurrent request that finds it gone uses the session's tokens, and then the record
 * the first one created). A login 0.1.0 had already ended stays ended: its session is simply no
 * longer signed in.
 */
import type { Request } from 'express';
import { log } from '../log.js';
import { newLoginId } from './record.js';
import type { EgnyteLogin, EgnyteTokenSet, LegacyEgnyteLogin } from '../session/types.js';
import type { Logins } from './logins.js';
import { activityWindowMs, endsAtOf } from './lifetime.js';
import { asTokenSet } from './token-seal.js';

/** True for a login as 0.1.0 (or 0.1) stored it: tokens in the session, no `endsAt`, maybe no id. */
export function isLegacyLogin(login: EgnyteLogin | LegacyEgnyteLogin): login is LegacyEgnyteLogin {
  return typeof login.endsAt !== 'number' || 'tokens' in login || !login.id;
}

function tokensOf(value: unknown): EgnyteTokenSet | undefined {
  try {
    return asTokenSet(value);
  } catch {
    return undefined;
  }
}

/**
 * Moves the request's 0.1.0 login to a record and answers the session's new view of it, or
 * `undefined` when it is over (ended by 0.1.0, or unreadable): the session then holds no login.
 */
export async function migrateLegacyLogin(logins: Logins, req: Request, legacy: LegacyEgnyteLogin): Promise<EgnyteLogin | undefined> {
  const { records, seal, config } = logins;
  const data = req.session.egnyte!;
  const id = legacy.id ?? newLoginId();
  const old = legacy.id ? await records.readLegacy(id) : ({ kind: 'absent' } as const);
  const newer = old.kind === 'live' && old.version >= (legacy.tokensVersion ?? 0) ? tokensOf(old.tokens) : undefined;
  const tokens = newer ?? tokensOf(legacy.tokens);
  if (old.kind === 'ended' || !tokens || typeof legacy.domain !== 'string' || typeof legacy.loggedInAt !== 'number') {
    delete data.login;
    return undefined;
  }
  const now = Date.now();
  const windowMs = activityWindowMs(config, req.session.cookie?.originalMaxAge);
  const state = await records.create(id, {
    version: Math.max(old.kind === 'live' ? old.version : 0, legacy.tokensVersion ?? 1, 1),
    domain: legacy.domain,
    tokens: seal.seal({ loginId: id, domain: legacy.domain }, tokens),
    loggedInAt: legacy.loggedInAt,
    lastSeenAt: now,
    endsAt: endsAtOf(legacy.loggedInAt, now, windowMs, config),
  });
  if (state.kind !== 'live') {
    delete data.login;
    return undefined;
  }
  // Best effort: a backend failing here leaves the old record to its own expiry.
  if (old.kind !== 'absent') await records.forgetLegacy(id).catch(() => log.login('the 0.1.0 record of a migrated login could not be deleted'));
  const { tokens: _tokens, tokensVersion: _version, ...kept } = legacy;
  const login: EgnyteLogin = {
    ...kept,
    id,
    lastSeenAt: state.login.lastSeenAt,
    endsAt: state.login.endsAt,
    recovery: { version: state.login.version, tokens: state.login.tokens },
  };
  data.login = login;
  return login;
}
