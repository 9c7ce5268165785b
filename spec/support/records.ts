/**
 * Reading and editing a login's record (lib/login/record.ts) the way the package keeps it, for
 * specs that must see the tokens or move a login's clock: through the same coordination object
 * the app was given (pass `auth: { coordination }` to the harness, or a Redis coordination with
 * the instances' prefix), and the app's seal (token-seal.ts): by default that of an app with the
 * emulator's default key and no `tokenKeys`, as the harness and the instances make it.
 */
import type { EgnyteCoordination, EgnyteTokenSet } from '../../lib/index.js';
import { type LiveLogin, type LoginState, LoginRecords } from '../../lib/login/record.js';
import { type TokenSeal, type TokenSealSecrets, tokenSealFor } from '../../lib/login/token-seal.js';
import { DEFAULT_EMULATOR_CLIENT } from '../../lib/testing/index.js';

/** The seal of an app with these options, exactly as `egnyteAuth()` builds it. */
export function sealFor(secrets: TokenSealSecrets): TokenSeal {
  return tokenSealFor(secrets);
}

/** The seal of an app with the emulator's default key and no `tokenKeys`. */
export const defaultSeal: TokenSeal = sealFor({ clientSecret: DEFAULT_EMULATOR_CLIENT.clientSecret });

/** What the backend holds for the login. */
export function recordOf(coordination: EgnyteCoordination, loginId: string): Promise<LoginState> {
  return new LoginRecords(coordination).read(loginId);
}

/** The login's token set, opened; undefined when the login is not live. */
export async function tokensOf(coordination: EgnyteCoordination, loginId: string, seal: TokenSeal = defaultSeal): Promise<EgnyteTokenSet | undefined> {
  const state = await recordOf(coordination, loginId);
  return state.kind === 'live' ? seal.open({ loginId, domain: state.login.domain }, state.login.tokens) : undefined;
}

/** Changes a live login's record: its times, or its token set (given opened, sealed again). */
export async function editRecord(
  coordination: EgnyteCoordination,
  loginId: string,
  edit: (login: LiveLogin, tokens: EgnyteTokenSet) => { login?: Partial<LiveLogin>; tokens?: Partial<EgnyteTokenSet> },
  seal: TokenSeal = defaultSeal,
): Promise<void> {
  const state = await new LoginRecords(coordination).update(loginId, (live) => {
    const owner = { loginId, domain: live.domain };
    const tokens = seal.open(owner, live.tokens);
    const change = edit(live, tokens);
    return { ...live, ...change.login, ...(change.tokens ? { tokens: seal.seal(owner, { ...tokens, ...change.tokens }) } : {}) };
  });
  if (state.kind !== 'live') throw new Error(`login ${loginId} is ${state.kind}`);
}
