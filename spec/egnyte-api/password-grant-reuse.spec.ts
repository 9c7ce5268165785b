/**
 * Egnyte allows an internal application 10 token requests per user per hour (Egnyte's Best
 * Practices page, EGNYTE.md "Changes seen in 2025-26"). `egnytePasswordGrant()` makes reuse
 * easy: the `tokens` it returned, stored as JSON and handed back as
 * `egnytePasswordGrant({ domain, clientId, tokens })`, build the same client without a new
 * token request; and Egnyte's 409 there says what it is and what to do.
 */
import { egnytePasswordGrant } from '../../lib/password-grant/password-grant.js';
import { EgnyteAuthError } from '../../lib/errors/errors.js';
import type { EgnyteTokenSet } from '../../lib/index.js';
import { DEFAULT_INTERNAL_CLIENT, EMULATOR_USER_PASSWORD, startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';

let emulator: EgnyteEmulator;
beforeAll(async () => {
  emulator = await startEgnyteEmulator({ qps: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
});

const clientId = DEFAULT_INTERNAL_CLIENT.clientId;
const credentials = { username: 'jsmith', password: EMULATOR_USER_PASSWORD };

async function failure(promise: Promise<unknown>): Promise<EgnyteAuthError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof EgnyteAuthError)) throw new Error(`expected an EgnyteAuthError, got ${String(error)}`);
  return error;
}

/** Tokens from one real grant, stored as an app would: JSON in a file or a database. */
async function storedTokens(): Promise<string> {
  const first = await egnytePasswordGrant({ domain: 'acme', clientId, ...credentials, endpoints: emulator.endpoints });
  return JSON.stringify(first.tokens);
}

test('stored tokens handed back build the same client without a new token request', async () => {
  const stored = await storedTokens();
  expect(emulator.tokenGrants.password).toBe(1);
  const tokens = JSON.parse(stored) as EgnyteTokenSet;
  const again = await egnytePasswordGrant({ domain: 'acme.egnyte.com', clientId, tokens, endpoints: emulator.endpoints });
  expect(emulator.tokenGrants.password).toBe(1);
  expect(again.tokens).toEqual(tokens);
  expect(again.domain).toBe('acme.egnyte.com');
  expect((await again.api.listFolder('/Shared')).folders.map((f) => f.name)).toEqual(['Finance', 'Marketing', 'Projects']);
});

test('tokens with username and password: the tokens while they last, a new grant once they expired', async () => {
  const tokens = JSON.parse(await storedTokens()) as EgnyteTokenSet;
  const reused = await egnytePasswordGrant({ domain: 'acme', clientId, ...credentials, tokens, endpoints: emulator.endpoints });
  expect(emulator.tokenGrants.password).toBe(1);
  expect(reused.tokens.accessToken).toBe(tokens.accessToken);

  const expired = { ...tokens, expiresAt: Date.now() - 1000 };
  const renewed = await egnytePasswordGrant({ domain: 'acme', clientId, ...credentials, tokens: expired, endpoints: emulator.endpoints });
  expect(emulator.tokenGrants.password).toBe(2);
  expect(renewed.tokens.accessToken).not.toBe(tokens.accessToken);
});

test('expired tokens without username and password: login_required at once, no request', async () => {
  const tokens = JSON.parse(await storedTokens()) as EgnyteTokenSet;
  emulator.resetCalls();
  const error = await failure(egnytePasswordGrant({ domain: 'acme', clientId, tokens: { ...tokens, expiresAt: Date.now() - 1 }, endpoints: emulator.endpoints }));
  expect(error.code).toBe('login_required');
  expect(error.message).toMatch(/expired/);
  expect(error.message).toMatch(/username and password/);
  expect(emulator.calls.token).toBe(0);
});

test('tokens that are not a token set, or neither tokens nor a password: invalid_config, never quoting a token', async () => {
  const bad = await failure(egnytePasswordGrant({ domain: 'acme', clientId, tokens: { accessToken: '', tokenType: 'bearer', expiresAt: 'soon' } as unknown as EgnyteTokenSet }));
  expect(bad.code).toBe('invalid_config');
  expect(bad.problems?.join('\n')).toMatch(/tokens must be the tokens a grant returned/);
  const leaky = await failure(egnytePasswordGrant({ domain: 'acme', clientId, tokens: { accessToken: 'tok_SECRET_123', tokenType: 7 } as unknown as EgnyteTokenSet }));
  expect(leaky.message).not.toContain('tok_SECRET_123');
  const none = await failure(egnytePasswordGrant({ domain: 'acme', clientId } as never));
  expect(none.problems?.join('\n')).toMatch(/username and password, or tokens/);
});

test("Egnyte's 409 names the internal-app limit and the way out: reuse the tokens", async () => {
  emulator.fault({ endpoint: 'token', kind: 'conflict_409', times: 1, retryAfter: 1200 });
  const error = await failure(egnytePasswordGrant({ domain: 'acme', clientId, ...credentials, endpoints: emulator.endpoints }));
  expect(error).toMatchObject({ code: 'rate_limited', retryAfter: 1200, upstreamStatus: 409 });
  expect(error.message).toMatch(/10 token requests per user per hour/);
  expect(error.message).toMatch(/egnytePasswordGrant\(\{ domain, clientId, tokens \}\)/);
  expect(error.message).toMatch(/1200 seconds/);
  expect(error.message).not.toContain(EMULATOR_USER_PASSWORD);
});
