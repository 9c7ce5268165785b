/**
 * The API client against the emulator: one retry after Egnyte's Retry-After for idempotent
 * calls only, refused tokens reported to onTokenRefused, usage headers recorded, and the typed
 * helpers. Shapes the emulator cannot produce come from a scripted fetch.
 */
import { createEgnyteApiClient, type EgnyteApiClient } from '../../lib/egnyte/api-client.js';
import { createEgnytePacer } from '../../lib/egnyte/pacing.js';
import { egnyteQuota } from '../../lib/egnyte/quota.js';
import type { FetchLike } from '../../lib/config/options.js';
import { EgnyteAuthError } from '../../lib/errors/errors.js';
import { startEgnyteEmulator, type EgnyteEmulator } from '../../lib/testing/index.js';
import { arrivals, emulatorConfig, emulatorToken } from './support.js';

const USERINFO = '/pubapi/v1/userinfo';
let emulator: EgnyteEmulator;
let token: string;
let refused: EgnyteAuthError[];

beforeAll(async () => {
  emulator = await startEgnyteEmulator({ qps: 2 });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  token = await emulatorToken(emulator);
  refused = [];
  emulator.clearFaults();
  emulator.resetCalls();
});

function client(options: { apiWaitMs?: number; fetch?: FetchLike } = {}): EgnyteApiClient {
  return createEgnyteApiClient({
    config: emulatorConfig(emulator, options.fetch),
    domain: 'acme.egnyte.com',
    accessToken: () => token,
    onTokenRefused: (error) => void refused.push(error),
    pacer: createEgnytePacer({ apiWaitMs: options.apiWaitMs ?? 5_000 }),
    paceKey: `key-${token.slice(0, 8)}`,
  });
}

async function failure(promise: Promise<unknown>): Promise<EgnyteAuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EgnyteAuthError)) throw new Error(`expected an EgnyteAuthError, got ${String(error)}`);
  return error;
}

describe('retrying once after Egnyte\'s Retry-After', () => {
  test('a GET refused with 403 over-QPS and Retry-After: 1 is retried once and succeeds', async () => {
    emulator.fault({ endpoint: 'userinfo', kind: 'over_qps', times: 1, retryAfter: 1 });
    await expect(client().api.get(USERINFO)).resolves.toMatchObject({ username: 'jsmith' });
    expect(arrivals(emulator, USERINFO)).toHaveLength(2);
  });

  test('a 429 with Retry-After is retried the same way', async () => {
    emulator.fault({ endpoint: 'userinfo', kind: 'too_many_requests', times: 1, retryAfter: 1 });
    const response = await client().fetch(USERINFO);
    expect(response.status).toBe(200);
    await response.body?.cancel();
    expect(arrivals(emulator, USERINFO)).toHaveLength(2);
  });

  test('only once: a second refusal is thrown as rate_limited with Retry-After', async () => {
    emulator.fault({ endpoint: 'userinfo', kind: 'over_qps', times: 2, retryAfter: 1 });
    const error = await failure(client().api.get(USERINFO));
    expect(error).toMatchObject({ code: 'rate_limited', status: 503, retryAfter: 1, upstreamStatus: 403 });
    expect(arrivals(emulator, USERINFO)).toHaveLength(2);
  });

  test('not when Retry-After does not fit within apiWaitMs', async () => {
    emulator.fault({ endpoint: 'userinfo', kind: 'over_qps', times: 1, retryAfter: 3 });
    const error = await failure(client({ apiWaitMs: 2_000 }).api.get(USERINFO));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfter: 3 });
    expect(arrivals(emulator, USERINFO)).toHaveLength(1);
  });

  test('not when the daily quota is used up (ERR_403_DEVELOPER_OVER_RATE)', async () => {
    emulator.fault({ endpoint: 'userinfo', kind: 'over_rate', times: 1, retryAfter: 1 });
    const error = await failure(client().api.get(USERINFO));
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/daily/);
    expect(arrivals(emulator, USERINFO)).toHaveLength(1);
  });

  test('not for a POST', async () => {
    emulator.fault({ endpoint: 'revoke', kind: 'over_qps', times: 1, retryAfter: 1 });
    const body = new URLSearchParams({ token: 'not-a-token' });
    const error = await failure(client().fetch('/pubapi/v1/tokens/revoke', { method: 'POST', body }));
    expect(error.code).toBe('rate_limited');
    expect(emulator.calls.revoke).toBe(1);
  });

  test('not for a PUT whose body is a stream (it cannot be sent twice)', async () => {
    const seen: string[] = [];
    const overQps: FetchLike = async (url, init) => {
      seen.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
      await new Response(init?.body as BodyInit).arrayBuffer();
      return new Response('<h1>Developer Over Qps</h1>', { status: 403, headers: { 'x-mashery-error-code': 'ERR_403_DEVELOPER_OVER_QPS', 'retry-after': '1' } });
    };
    const stream = new Blob(['file contents']).stream();
    const put = client({ fetch: overQps }).fetch('/pubapi/v1/fs-content/Shared/a.txt', { method: 'PUT', body: stream, duplex: 'half' } as RequestInit);
    expect((await failure(put)).code).toBe('rate_limited');
    expect(seen).toHaveLength(1);
    // The same PUT with a string body is retried once.
    const retried = client({ fetch: overQps }).fetch('/pubapi/v1/fs-content/Shared/a.txt', { method: 'PUT', body: 'file contents' });
    expect((await failure(retried)).code).toBe('rate_limited');
    expect(seen).toHaveLength(3);
  });
});

describe('refused tokens', () => {
  test.each([
    ['developer_inactive', 'developer_inactive'],
    ['developer_inactive_401', 'developer_inactive'],
    ['unauthorized', 'login_required'],
  ] as const)('%s: onTokenRefused gets %s before it is thrown, and there is no retry', async (kind, code) => {
    emulator.fault({ endpoint: 'userinfo', kind, times: 1 });
    const error = await failure(client().api.get(USERINFO));
    expect(error.code).toBe(code);
    expect(refused.map((e) => e.code)).toEqual([code]);
    expect(arrivals(emulator, USERINFO)).toHaveLength(1);
  });

  test('a revoked token is login_required', async () => {
    emulator.revokeAll();
    expect((await failure(client().fetch(USERINFO))).code).toBe('login_required');
    expect(refused).toHaveLength(1);
  });

  test('an onTokenRefused that throws does not hide the refusal', async () => {
    emulator.fault({ endpoint: 'userinfo', kind: 'unauthorized', times: 1 });
    const c = createEgnyteApiClient({
      config: emulatorConfig(emulator),
      domain: 'acme.egnyte.com',
      accessToken: () => token,
      onTokenRefused: () => {
        throw new Error('store down');
      },
      pacer: createEgnytePacer(),
      paceKey: 'throwing',
    });
    expect((await failure(c.fetch(USERINFO))).code).toBe('login_required');
  });
});

describe('usage headers', () => {
  test('the emulator\'s usage headers are recorded on the client and read by egnyteQuota(response)', async () => {
    const c = client();
    expect(c.quota).toBeUndefined();
    const response = await c.fetch(USERINFO);
    await response.body?.cancel();
    const expected = {
      qps: { allotted: 2, current: 1 },
      daily: { allotted: 1000, current: 1 },
      planQps: { allotted: 2, current: expect.any(Number) },
      planQuota: { allotted: 1000, current: 1 },
      keyQps: { allotted: 2, current: expect.any(Number) },
      keyQuota: { allotted: 1000, current: 1 },
      resetsAt: expect.any(Number),
    };
    expect(egnyteQuota(response)).toEqual(expected);
    expect(c.quota).toEqual(expected);
    expect(c.quota!.resetsAt!).toBeGreaterThan(Date.now());
  });

  test('daily, plan and reset headers, also from a refused answer', async () => {
    const headers = {
      'x-accesstoken-quota-allotted': '1000',
      'x-accesstoken-quota-current': '1000',
      'x-plan-qps-allotted': '10',
      'x-plan-qps-current': '3',
      'x-plan-quota-allotted': '50000',
      'x-plan-quota-current': '120',
      'x-plan-quota-reset': 'Thursday, September 20, 2018 12:00:00 AM GMT',
      'x-mashery-error-code': 'ERR_403_DEVELOPER_OVER_RATE',
    };
    const c = client({ fetch: async () => new Response('<h1>Developer Over Rate</h1>', { status: 403, headers }) });
    expect((await failure(c.fetch(USERINFO))).code).toBe('rate_limited');
    expect(c.quota).toEqual({
      daily: { allotted: 1000, current: 1000 },
      planQps: { allotted: 10, current: 3 },
      planQuota: { allotted: 50000, current: 120 },
      resetsAt: Date.UTC(2018, 8, 20),
    });
  });
});

describe('typed helpers against the emulator', () => {
  test('api.userById reads the Users API', async () => {
    await expect(client().api.userById(122)).resolves.toMatchObject({
      id: 122,
      username: 'bjones',
      email: 'bob.jones@acme.example',
      givenName: 'Bob',
      familyName: 'Jones',
      active: true,
      userType: 'standard',
      role: 'Sales',
    });
  });

  test('api.userById of a missing user is not_found (404), not a gateway error', async () => {
    expect(await failure(client().api.userById(999))).toMatchObject({ code: 'not_found', status: 404, upstreamStatus: 404 });
  });

  test('api.listFolder reads the emulator\'s file tree, with spaces in names', async () => {
    const shared = await client().api.listFolder('/Shared');
    expect(shared).toMatchObject({ name: 'Shared', path: '/Shared', folderId: expect.any(String) });
    expect(shared.folders.map((f) => f.name)).toEqual(expect.arrayContaining(['Projects', 'Marketing', 'Finance']));
    expect(shared.files).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Team Directory.xlsx', path: '/Shared/Team Directory.xlsx', size: 31_337 })]));
    const redesign = await client().api.listFolder('/Shared/Projects/Website Redesign');
    expect(redesign.files.map((f) => f.name)).toEqual(['Brief.docx']);
  });

  test('api.listFolder: a missing folder is not_found, another user\'s private folder permission_denied', async () => {
    token = await emulatorToken(emulator, 'bjones');
    expect(await failure(client().api.listFolder('/Shared/Nope'))).toMatchObject({ code: 'not_found', status: 404 });
    expect(await failure(client().api.listFolder('/Private/jsmith'))).toMatchObject({ code: 'permission_denied', status: 403 });
    expect(refused).toEqual([]);
  });

  test('paths that would leave the domain or the API are refused before any request', async () => {
    const c = client();
    for (const path of ['//evil.example/x', 'pubapi/v1/userinfo', 'https://evil.example/']) {
      expect((await failure(c.api.get(path))).code).toBe('invalid_request');
    }
    expect((await failure(c.api.listFolder('/Shared/../../v1/userinfo'))).code).toBe('invalid_request');
    expect((await failure(c.api.userById(-1))).code).toBe('invalid_request');
    expect(emulator.requests).toEqual([]);
  });
});
