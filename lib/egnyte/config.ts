/**
 * What talking to Egnyte needs of the app's configuration. The validated options
 * (`ResolvedConfig`, config/options.ts) have all of it; the modules that call Egnyte ask only for
 * this much, so they depend on no module of the package above them.
 */
import type { EgnyteCoordination } from '../coordination/types.js';

/** The fetch signature the package calls: always with a URL string. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** Enough to send a request to an Egnyte domain. */
export interface EgnyteHttpConfig {
  /** The HTTP client every request goes through. */
  fetch: FetchLike;
  /** The longest any request to Egnyte may take, in ms. */
  timeoutMs: number;
  /** The base URL of an Egnyte domain (an emulator's, in tests). */
  domainBaseUrl: (host: string) => string;
}

/** Enough to use the token endpoint as the app's OAuth client. */
export interface EgnyteClientConfig extends EgnyteHttpConfig {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Where Egnyte's pause of the token endpoint is kept, for every instance. */
  coordination: EgnyteCoordination;
}
