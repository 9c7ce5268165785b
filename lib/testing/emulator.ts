/**
 * A local, in-memory Egnyte: the Enhanced Auth Service, the authorize/consent step, the
 * token endpoint, userinfo, the Users API and token revocation, on a real HTTP server on
 * 127.0.0.1, for every emulated domain under `/d/{host}`.
 *
 * This module only wires the pieces: options are validated in `options.ts`, state lives in
 * `context.ts`, requests go through `request-handler.ts` and `routing.ts` to one module per
 * endpoint group.
 */
import { createEmulatorContext, resetCounters } from './context.js';
import { validateFault } from './faults.js';
import { resolveEmulatorOptions, resolveUser } from './options.js';
import { createRequestListener } from './request-handler.js';
import { emulatorEndpoints } from './endpoints.js';
import { rememberGrantStore } from './issued-tokens.js';
import { domainOrigin } from './origins.js';
import { listen } from './server.js';
import type {
  EgnyteEmulator,
  EgnyteEmulatorOptions,
  EmulatorFault,
  EmulatorRequestLogEntry,
  EmulatorTokenFilter,
  EmulatorTokenRequest,
  EmulatorUser,
} from './types.js';

export { EMULATOR_ENDPOINT_NAMES } from './endpoint-names.js';

/**
 * Starts an Egnyte emulator on 127.0.0.1 and resolves once it listens.
 *
 * @example
 * ```ts
 * import { egnyteAuth } from 'express-egnyte-auth';
 * import { startEgnyteEmulator } from 'express-egnyte-auth/testing';
 *
 * const egnyte = await startEgnyteEmulator({ autoApprove: true });
 * app.use(egnyteAuth({ clientId: egnyte.clientId, clientSecret: egnyte.clientSecret,
 *   baseUrl: 'http://localhost:3000', endpoints: egnyte.endpoints }));
 * // ...
 * await egnyte.close();
 * ```
 */
export async function startEgnyteEmulator(options: EgnyteEmulatorOptions = {}): Promise<EgnyteEmulator> {
  const settings = resolveEmulatorOptions(options);
  const ctx = createEmulatorContext(settings);
  const server = await listen(createRequestListener(ctx), settings.port);
  ctx.url = server.url;
  const baseUrl = server.url;
  const port = Number(new URL(baseUrl).port);
  const [defaultClient] = settings.clients;

  let closing: Promise<void> | undefined;
  const requireUser = (host: string, user: string | number): EmulatorUser => {
    const found = ctx.directory.findUserBy(host, user);
    if (!found) throw new TypeError(`startEgnyteEmulator: no user ${String(user)} on ${host}`);
    return found;
  };

  /** Picks the tokens of a domain, and within it of one user; all tokens without a filter. */
  const matcher = (filter: EmulatorTokenFilter): ((record: { host: string; userId: number }) => boolean) => {
    const host = filter.domain === undefined ? undefined : settings.normalize(filter.domain);
    const userId = host === undefined || filter.user === undefined ? undefined : requireUser(host, filter.user).id;
    return (r) => (host === undefined || r.host === host) && (userId === undefined || r.userId === userId);
  };
  const emulator: EgnyteEmulator = {
    url: baseUrl,
    endpoints: emulatorEndpoints(baseUrl),
    domainUrl: (host: string) => domainOrigin(settings.normalize(host), port),
    clientId: defaultClient.clientId,
    clientSecret: defaultClient.clientSecret,
    calls: ctx.calls,
    tokenGrants: ctx.tokenGrants,
    resetCalls(): void {
      resetCounters(ctx);
    },
    fault(f: EmulatorFault): void {
      validateFault(f);
      ctx.faults.add(f, f.domain === undefined ? undefined : settings.normalize(f.domain));
    },
    clearFaults(): void {
      ctx.faults.clear();
    },
    expireAccessTokens(filter: EmulatorTokenFilter = {}): void {
      ctx.store.expireAccessTokens(matcher(filter));
    },
    liveTokens(filter: EmulatorTokenFilter = {}): { access: number; refresh: number } {
      return ctx.store.countLive(matcher(filter));
    },
    revokeAll(): void {
      ctx.store.revokeAll();
    },
    revokeUserTokens(domain: string, user: string | number): void {
      const host = settings.normalize(domain);
      ctx.store.revokeUser(host, requireUser(host, user).id);
    },
    addUser(user: EmulatorUser): void {
      ctx.directory.addUser(resolveUser(user, ctx.directory.allUsers, settings.normalize));
    },
    get users(): EmulatorUser[] {
      return Object.freeze([...ctx.directory.allUsers]) as EmulatorUser[];
    },
    get lastTokenRequest(): EmulatorTokenRequest | undefined {
      return ctx.lastTokenRequest;
    },
    get requests(): EmulatorRequestLogEntry[] {
      return ctx.requestLog.snapshot();
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        ctx.closed = true;
        ctx.timers.clear();
        ctx.faults.clear();
        server.close(() => {
          ctx.store.clear();
          resolve();
        });
      });
      return closing;
    },
  };
  rememberGrantStore(emulator, ctx.store);
  return emulator;
}
