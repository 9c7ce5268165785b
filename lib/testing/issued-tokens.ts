/**
 * Every token an emulator has issued, for the package's own specs that prove no store holds
 * one (issue 19). Not part of `express-egnyte-auth/testing`: an app's tests have no use for
 * Egnyte's secrets, and the public emulator never hands them out but through its token endpoint.
 */
import type { GrantStore } from './store.js';
import type { EgnyteEmulator } from './types.js';

const stores = new WeakMap<EgnyteEmulator, GrantStore>();

/** Called by `startEgnyteEmulator`: `emulator`'s tokens are those of `store`. */
export function rememberGrantStore(emulator: EgnyteEmulator, store: GrantStore): void {
  stores.set(emulator, store);
}

/** The access and refresh tokens `emulator` issued so far (up to its cap of each), until it closes. */
export function issuedTokensOf(emulator: EgnyteEmulator): string[] {
  const store = stores.get(emulator);
  if (!store) throw new TypeError('issuedTokensOf: not an emulator started by startEgnyteEmulator');
  return store.issuedTokens();
}
