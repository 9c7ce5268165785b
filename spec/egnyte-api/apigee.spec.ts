/**
 * Egnyte's throttling after its gateway moved from Mashery to Apigee (EGNYTE.md, "Changes
 * seen in 2025-26"): 403 or 429 with `Retry-After` and no Mashery header, Apigee's fault
 * bodies (SpikeArrestViolation, QuotaViolation), the HTML "Developer Over Qps" page without
 * its header: all `rate_limited` with their `Retry-After`; Apigee's `oauth.v2.InvalidAccessToken`
 * 401 means "sign in again". First the pure reading of each shape, then the emulator's Apigee
 * mode over real HTTP, then a guarded app behind it.
 */
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser, withEgnyteUser, type EgnyteAuthOptions } from '../../lib/index.js';
import { createEgnyteApiClient } from '../../lib/egnyte/api-client.js';
import { createEgnytePacer } from '../../lib/egnyte/pacing.js';
import { classifyEgnyteAnswer } from '../../lib/egnyte/upstream.js';
import type { EgnyteAuthError } from '../../lib/errors/errors.js';
import { signInAs, startEgnyteEmulator, type EgnyteEmulator, type EgnyteEmulatorOptions } from '../../lib/testing/index.js';
import { emulatorConfig, emulatorToken } from './support.js';

const headers = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()] ?? null;
const spike = JSON.stringify({ fault: { faultstring: 'Spike arrest violation. Allowed rate : MessageRate{messagesPerPeriod=2}', detail: { errorcode: 'policies.ratelimit.SpikeArrestViolation' } } });
const quota = JSON.stringify({ fault: { faultstring: 'Rate limit quota violation. Quota limit  exceeded.', detail: { errorcode: 'policies.ratelimit.QuotaViolation' } } });
const badToken = JSON.stringify({ fault: { faultstring: 'Invalid access token', detail: { errorcode: 'oauth.v2.InvalidAccessToken' } } });

describe('reading the answers (pure)', () => {
  test.each([
    ['403 with Retry-After and no Mashery header', 403, { 'retry-after': '7' }, '', 7],
    ['429 with Retry-After, plain body', 429, { 'retry-after': '4' }, 'Too Many Requests', 4],
    ['Apigee SpikeArrestViolation, 429', 429, { 'retry-after': '3' }, spike, 3],
    ['Apigee SpikeArrestViolation kept at 403', 403, { 'retry-after': '2' }, spike, 2],
    ['Apigee SpikeArrestViolation without Retry-After', 429, {}, spike, 1],
    ['Apigee SpikeArrestViolation as older Apigee sends it, 500', 500, {}, spike, 1],
    ['the HTML Developer Over Qps page without its Mashery header', 403, { 'retry-after': '5' }, '<h1>Developer Over Qps</h1>', 5],
  ])('%s is rate_limited with its Retry-After', (_name, status, h, body, seconds) => {
    const error = classifyEgnyteAnswer(status, headers(h), body, 'api');
    expect({ code: error.code, retryAfter: error.retryAfter }).toEqual({ code: 'rate_limited', retryAfter: seconds });
  });

  test('Apigee QuotaViolation is the daily quota: rate_limited, an hour without Retry-After', () => {
    const error = classifyEgnyteAnswer(429, headers({}), quota, 'api');
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfter).toBe(3600);
    expect(error.message).toMatch(/daily API quota/);
    expect(classifyEgnyteAnswer(403, headers({ 'retry-after': '600' }), quota, 'api').retryAfter).toBe(600);
  });

  test("Apigee's oauth.v2.InvalidAccessToken is login_required (sign in again), at 401 and at 403", () => {
    for (const status of [401, 403]) {
      const error = classifyEgnyteAnswer(status, headers({}), badToken, 'api');
      expect([status, error.code]).toEqual([status, 'login_required']);
      expect(error.message).toMatch(/Sign in again/);
    }
  });

  test('a 403 without Retry-After or a throttling body stays what it was (no permission)', () => {
    expect(classifyEgnyteAnswer(403, headers({}), '{"errorMessage":"Access denied"}', 'api').code).toBe('upstream_error');
  });
});

const emulators: EgnyteEmulator[] = [];
async function emulator(options: EgnyteEmulatorOptions = {}): Promise<EgnyteEmulator> {
  const emu = await startEgnyteEmulator(options);
  emulators.push(emu);
  return emu;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

describe("the emulator's Apigee mode", () => {
  test('throttles with a SpikeArrestViolation fault, 429 and Retry-After, and no Mashery header', async () => {
    const emu = await emulator({ gateway: 'apigee', qps: 1 });
    const token = await emulatorToken(emu);
    const call = () => fetch(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/pubapi/v1/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    const first = await call();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-plan-qps-allotted')).toBeNull();
    const over = await call();
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('1');
    expect(over.headers.get('x-mashery-error-code')).toBeNull();
    expect(await over.json()).toEqual({ fault: { faultstring: expect.stringMatching(/^Spike arrest violation/), detail: { errorcode: 'policies.ratelimit.SpikeArrestViolation' } } });
  });

  test('answers the daily quota with a QuotaViolation fault, and a dead token with 401 oauth.v2.InvalidAccessToken', async () => {
    const emu = await emulator({ gateway: 'apigee', qps: 0, dailyQuota: 1 });
    const token = await emulatorToken(emu);
    const call = (t: string) => fetch(`${emu.endpoints.domainBaseUrl('acme.egnyte.com')}/pubapi/v1/userinfo`, { headers: { authorization: `Bearer ${t}` } });
    expect((await call(token)).status).toBe(200);
    const over = await call(token);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await over.json()) as { fault: { detail: { errorcode: string } } }).fault.detail.errorcode).toBe('policies.ratelimit.QuotaViolation');
    const dead = await call('not-a-token');
    expect(dead.status).toBe(401);
    expect(await dead.json()).toEqual({ fault: { faultstring: 'Invalid access token', detail: { errorcode: 'oauth.v2.InvalidAccessToken' } } });
  });

  test('refuses an unknown gateway', async () => {
    await expect(startEgnyteEmulator({ gateway: 'kong' as never })).rejects.toThrow('unknown gateway kong');
  });
});

describe('the API client behind Apigee', () => {
  async function clientFor(emu: EgnyteEmulator) {
    const token = await emulatorToken(emu);
    return createEgnyteApiClient({ config: emulatorConfig(emu), domain: 'acme.egnyte.com', accessToken: () => token, pacer: createEgnytePacer({ perSecond: 50, apiWaitMs: 10_000 }), paceKey: 'k' });
  }
  const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as EgnyteAuthError);

  test('a spike arrest is rate_limited with its Retry-After (after the one retry)', async () => {
    const emu = await emulator({ gateway: 'apigee', qps: 0 });
    const client = await clientFor(emu);
    emu.fault({ endpoint: 'userinfo', kind: 'spike_arrest', retryAfter: 30, times: 2 });
    const error = await failure(client.api.get('/pubapi/v1/userinfo'));
    expect({ code: error?.code, retryAfter: error?.retryAfter }).toEqual({ code: 'rate_limited', retryAfter: 30 });
  });

  test('a quota violation is never retried, even with a short Retry-After', async () => {
    const emu = await emulator({ gateway: 'apigee', qps: 0 });
    const client = await clientFor(emu);
    emu.fault({ endpoint: 'userinfo', kind: 'quota_violation', retryAfter: 1, times: 2 });
    const before = emu.calls.userinfo;
    const error = await failure(client.api.get('/pubapi/v1/userinfo'));
    expect(error?.code).toBe('rate_limited');
    expect(emu.calls.userinfo - before).toBe(1);
  });

  test.each(['over_qps_page', 'forbidden_retry_after'] as const)('%s is rate_limited; once it passes, the retry succeeds', async (kind) => {
    const emu = await emulator({ gateway: 'apigee', qps: 0 });
    const client = await clientFor(emu);
    emu.fault({ endpoint: 'userinfo', kind, retryAfter: 1, times: 1 });
    await expect(client.api.get('/pubapi/v1/userinfo')).resolves.toMatchObject({ username: 'jsmith' });
    emu.fault({ endpoint: 'userinfo', kind, retryAfter: 9, times: 2 });
    expect((await failure(client.api.get('/pubapi/v1/userinfo')))?.retryAfter).toBe(9);
  });
});

/** EXAMPLES.md §11's app: `/me` and `/files` (the user's /Shared through req.egnyte.fetch). */
function createApp(auth: EgnyteAuthOptions) {
  const app = express();
  app.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false }));
  app.use(egnyteAuth(auth));
  app.get('/me', requireEgnyteUser(), withEgnyteUser((req, res) => res.json(req.egnyte.user)));
  app.get('/files', requireEgnyteUser(), withEgnyteUser(async (req, res) => {
    const answer = await req.egnyte.fetch('/pubapi/v1/fs/Shared');
    res.status(answer.status).json(await answer.json());
  }));
  app.use(egnyteErrorHandler());
  return app;
}

describe('a guarded app behind Apigee', () => {
  const appFor = (emu: EgnyteEmulator) => createApp({ clientId: emu.clientId, clientSecret: emu.clientSecret, baseUrl: 'http://localhost:3000', endpoints: emu.endpoints });

  test('req.egnyte.fetch throttled by a spike arrest answers 503 rate_limited with Retry-After', async () => {
    const emu = await emulator({ gateway: 'apigee', qps: 0, autoApprove: true });
    const agent = request.agent(appFor(emu));
    await signInAs(agent, { domain: 'acme', username: 'bjones' });
    emu.fault({ endpoint: 'fs', kind: 'spike_arrest', retryAfter: 12, times: 2 });
    const res = await agent.get('/files').set('Accept', 'application/json').expect(503);
    expect(res.headers['retry-after']).toBe('12');
    expect(res.body).toMatchObject({ error: 'rate_limited', retryAfter: 12 });
  });

  test('a token Apigee calls invalid signs the user out: 401 login_required, and the session is over', async () => {
    const emu = await emulator({ gateway: 'apigee', qps: 0, autoApprove: true });
    const agent = request.agent(appFor(emu));
    await signInAs(agent, { domain: 'acme', username: 'bjones' });
    emu.revokeUserTokens('acme', 'bjones');
    const res = await agent.get('/files').set('Accept', 'application/json').expect(401);
    expect(res.body.error).toBe('login_required');
    await agent.get('/me').set('Accept', 'application/json').expect(401);
  });
});
