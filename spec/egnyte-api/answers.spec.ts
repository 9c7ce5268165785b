/**
 * Egnyte's answer shapes through `api.get` (a scripted fetch plays Egnyte, since the emulator
 * answers only a few of them), plus the pure readers: quota headers, error codes, folder
 * listings and folder paths.
 */
import { createEgnyteApiClient } from '../../lib/egnyte/api-client.js';
import { egnyteErrorCodes, parseEgnyteJson } from '../../lib/egnyte/api-answers.js';
import { folderApiPath, parseFolderListing } from '../../lib/egnyte/api-shapes.js';
import { createEgnytePacer } from '../../lib/egnyte/pacing.js';
import { egnyteQuota } from '../../lib/egnyte/quota.js';
import { resolveConfig, type FetchLike } from '../../lib/config/options.js';
import { EgnyteAuthError } from '../../lib/errors/errors.js';
import { maxInAnyWindow } from './support.js';

const TOKEN = 'tok_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';
const BASE = 'https://egnyte.test/d';

/** A client whose every call is answered by `answer`; records what was asked. */
function scripted(answer: (url: URL, init?: RequestInit) => Response) {
  const asked: URL[] = [];
  const fetchFn: FetchLike = async (url, init) => {
    asked.push(new URL(url));
    return answer(new URL(url), init);
  };
  const config = resolveConfig({ clientId: 'key', clientSecret: 'secret', baseUrl: 'http://localhost:3000', fetch: fetchFn, endpoints: { domainBaseUrl: (h) => `${BASE}/${h}` } });
  const client = createEgnyteApiClient({ config, domain: 'acme.egnyte.com', accessToken: () => TOKEN, pacer: createEgnytePacer({ perSecond: 50 }), paceKey: 'k' });
  return { client, asked };
}

function json(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
}

async function failure(promise: Promise<unknown>): Promise<EgnyteAuthError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof EgnyteAuthError)) throw new Error(`expected an EgnyteAuthError, got ${String(error)}`);
  return error;
}

describe('api.get', () => {
  test('JSON labelled text/plain is parsed; an empty 204 is undefined', async () => {
    expect(await scripted(() => json(200, { id: 1 }, 'text/plain; charset=utf-8')).client.api.get('/pubapi/v1/x')).toEqual({ id: 1 });
    expect(await scripted(() => new Response(null, { status: 204 })).client.api.get('/pubapi/v1/x')).toBeUndefined();
  });

  test('sends the bearer token and asks for JSON', async () => {
    let headers: Headers | undefined;
    await scripted((_, init) => ((headers = new Headers(init?.headers)), json(200, {}))).client.api.get('/pubapi/v1/x', { headers: { 'x-extra': '1' } });
    expect(headers?.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(headers?.get('accept')).toBe('application/json');
    expect(headers?.get('x-extra')).toBe('1');
  });

  test.each([
    ['{"errorMessage"} 404', json(404, { errorMessage: `No such path for ${TOKEN}` }), { code: 'not_found', status: 404 }, /HTTP 404/],
    ['SCIM {"Errors"} 404', json(404, { Errors: [{ description: 'User not found', code: 'USER_NOT_FOUND' }] }), { code: 'not_found' }, /USER_NOT_FOUND/],
    ['{"formErrors"} 400', json(400, { formErrors: [{ code: 'INVALID_PARAM', msg: `bad ${TOKEN}` }], inputErrors: {} }), { code: 'upstream_error', upstreamStatus: 400 }, /INVALID_PARAM/],
    ['{"errors":{"inputErrors"}} 400', json(400, { errors: { inputErrors: [{ code: 'TOO_LONG', msg: 'x' }] } }), { code: 'upstream_error' }, /TOO_LONG/],
    ['{"message"} 403 without a gateway code', json(403, { message: 'User is not authorized' }), { code: 'permission_denied', status: 403 }, /HTTP 403/],
    ['{"msg"} 500', json(500, { msg: 'boom' }), { code: 'upstream_unavailable', status: 503 }, /HTTP 500/],
    ['HTML 502', new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }), { code: 'upstream_unavailable' }, /HTTP 502/],
    ['HTML with 200', new Response('<html><body>Login</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }), { code: 'upstream_error' }, /HTML/],
    ['truncated JSON', new Response('{"id": 1', { status: 200 }), { code: 'upstream_error' }, /not valid JSON/],
    ['Developer Inactive HTML', new Response('<h1>Developer Inactive</h1>', { status: 403, headers: { 'x-mashery-error-code': 'ERR_403_DEVELOPER_INACTIVE' } }), { code: 'developer_inactive' }, /Developer Inactive/],
    ['key not valid on this domain', json(400, { errorMessage: 'Invalid Egnyte domain configured in app profile.' }), { code: 'key_domain_mismatch' }, /registered/],
  ] as const)('%s', async (_name, response, expected, message) => {
    const error = await failure(scripted(() => response.clone()).client.api.get('/pubapi/v1/x'));
    expect(error).toMatchObject(expected);
    expect(error.message).toMatch(message);
    // Egnyte's free text (here echoing the token) is never quoted.
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
  });

  test('an answer over the size bound is refused, not buffered', async () => {
    const big = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1024 * 1024).fill(32));
      },
    });
    const error = await failure(scripted(() => new Response(big, { status: 200 })).client.api.get('/pubapi/v1/x'));
    expect(error.message).toMatch(/larger than/);
  });
});

describe('api.listFolder', () => {
  const listing = {
    name: 'My Docs',
    path: '/Shared/My Docs',
    folder_id: 'f-1',
    is_folder: true,
    folders: [{ name: 'Sub', path: '/Shared/My Docs/Sub', folder_id: 'f-2', is_folder: true }, { junk: true }],
    files: [{ name: 'a b.txt', path: '/Shared/My Docs/a b.txt', size: 12, last_modified: 'Tue, 10 Jul 2018 12:00:00 GMT', entry_id: 'e-1', group_id: 'g-1', is_folder: false }],
  };

  test('encodes each path segment and reads Egnyte\'s listing', async () => {
    const { client, asked } = scripted(() => json(200, listing));
    const folder = await client.api.listFolder('/Shared/My Docs');
    expect(asked.map((u) => u.pathname)).toEqual(['/d/acme.egnyte.com/pubapi/v1/fs/Shared/My%20Docs']);
    expect(folder).toMatchObject({
      name: 'My Docs',
      path: '/Shared/My Docs',
      folderId: 'f-1',
      folders: [{ name: 'Sub', path: '/Shared/My Docs/Sub', folderId: 'f-2' }],
      files: [{ name: 'a b.txt', size: 12, lastModified: 'Tue, 10 Jul 2018 12:00:00 GMT', entryId: 'e-1', groupId: 'g-1' }],
    });
  });

  test('folderApiPath refuses relative paths and dot segments; parseFolderListing refuses a file', () => {
    expect(folderApiPath('/Shared/a%2Fb/#1?')).toBe('/pubapi/v1/fs/Shared/a%252Fb/%231%3F');
    expect(folderApiPath('/')).toBe('/pubapi/v1/fs/');
    for (const bad of ['Shared', '/Shared/..', '/./Private']) expect(() => folderApiPath(bad)).toThrow(EgnyteAuthError);
    expect(() => parseFolderListing({ path: '/Shared/a.txt', is_folder: false })).toThrow(/expected shape/);
    expect(() => parseFolderListing([])).toThrow(/expected shape/);
  });
});

describe('pure readers', () => {
  test('egnyteQuota reads every header it knows, ignores junk, and is undefined without them', () => {
    const now = Date.UTC(2026, 0, 1);
    const h = (o: Record<string, string>): Headers => new Headers(o);
    expect(egnyteQuota(h({}))).toBeUndefined();
    expect(egnyteQuota(h({ 'x-accesstoken-qps-allotted': 'two', 'x-accesstoken-quota-current': '-1' }))).toBeUndefined();
    expect(egnyteQuota(h({ 'X-Accesstoken-Qps-Allotted': '2', 'X-Accesstoken-Qps-Current': '1', 'X-Accesstoken-Quota-Allotted': '1000' }))).toEqual({
      qps: { allotted: 2, current: 1 },
      daily: { allotted: 1000 },
    });
    expect(egnyteQuota(h({ 'x-quota-reset': '3600' }), now)).toEqual({ resetsAt: now + 3_600_000 });
    expect(egnyteQuota(h({ 'x-quota-reset': '1767225600' }), now)).toEqual({ resetsAt: 1_767_225_600_000 });
    expect(egnyteQuota(h({ 'x-plan-quota-reset': 'not a date' }), now)).toBeUndefined();
  });

  test('egnyteErrorCodes keeps code-like words only, from every shape', () => {
    expect(egnyteErrorCodes({ formErrors: [{ code: 'A_B', msg: 'x' }, { code: 'has space' }], Errors: [{ code: 404 }], code: 'TOP' })).toEqual(['TOP', 'A_B', '404']);
    expect(egnyteErrorCodes('text')).toEqual([]);
    expect(egnyteErrorCodes({ errors: [{ code: 'x'.repeat(65) }] })).toEqual([]);
  });

  test('parseEgnyteJson: whitespace-only is undefined; HTML is named', () => {
    expect(parseEgnyteJson('  \n', 200)).toBeUndefined();
    expect(parseEgnyteJson(' [1] ', 200)).toEqual([1]);
    expect(() => parseEgnyteJson('<!DOCTYPE html><p>', 200)).toThrow(/HTML/);
  });
});

test('maxInAnyWindow counts like Egnyte: calls exactly a second apart are in different windows', () => {
  expect(maxInAnyWindow([0, 500, 1000, 1500])).toBe(2);
  expect(maxInAnyWindow([0, 10, 999])).toBe(3);
  expect(maxInAnyWindow([])).toBe(0);
});
