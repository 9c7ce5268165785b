/**
 * The emulator's file tree (`GET /pubapi/v1/fs/{path}`): Egnyte's listing and file shapes,
 * per-user permissions, the Egnyte.filesystem scope, paging, faults and counters, read
 * through `req.egnyte!.fetch` of a signed-in app.
 */
import express from 'express';
import type { Express } from 'express';
import session from 'express-session';
import request from 'supertest';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser } from 'express-egnyte-auth';
import type { EgnyteAuthOptions } from 'express-egnyte-auth';
import { signInAs, startEgnyteEmulator } from 'express-egnyte-auth/testing';
import type { EgnyteEmulator } from 'express-egnyte-auth/testing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/;

let egnyte: EgnyteEmulator;
beforeAll(async () => {
  egnyte = await startEgnyteEmulator({ qps: 0 });
});
afterAll(() => egnyte.close());
afterEach(() => egnyte.clearFaults());

/** An app whose `/fs/*` answers what `req.egnyte!.fetch('/pubapi/v1/fs/*')` got, status and body. */
function appWith(auth: Partial<EgnyteAuthOptions> = {}): Express {
  const app = express();
  app.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false }));
  app.use(egnyteAuth({ clientId: egnyte.clientId, clientSecret: egnyte.clientSecret, baseUrl: 'http://localhost:3000', endpoints: egnyte.endpoints, ...auth }));
  app.get('/fs/{*path}', requireEgnyteUser(), async (req, res) => {
    const answer = await req.egnyte!.fetch(`/pubapi/v1/fs${req.originalUrl.slice('/fs'.length)}`);
    res.status(answer.status).json(await answer.json());
  });
  app.use(egnyteErrorHandler());
  return app;
}

async function as(username: string, domain = 'acme', auth: Partial<EgnyteAuthOptions> = {}) {
  const agent = request.agent(appWith(auth));
  await signInAs(agent, { domain, username });
  return (path: string) => agent.get(`/fs${path}`).set('Accept', 'application/json');
}

it('lists /Shared in the shape Egnyte documents: the folder, its folders, its files', async () => {
  const fs = await as('jsmith');
  const { status, body } = await fs('/Shared');
  expect(status).toBe(200);
  expect(body).toMatchObject({ name: 'Shared', path: '/Shared', is_folder: true, offset: 0, count: 5, total_count: 5 });
  expect(body.folder_id).toMatch(UUID);
  expect(typeof body.lastModified).toBe('number');
  expect(body.folders.map((f: { name: string }) => f.name)).toEqual(['Finance', 'Marketing', 'Projects']);
  expect(body.folders[0]).toEqual({ name: 'Finance', path: '/Shared/Finance', folder_id: expect.stringMatching(UUID), is_folder: true, lastModified: body.lastModified });
  expect(body.files.map((f: { name: string }) => f.name)).toEqual(['Team Directory.xlsx', 'Welcome to Acme.pdf']);
  expect(body.files[1]).toEqual({
    checksum: expect.stringMatching(/^[0-9a-f]{128}$/),
    size: 254118,
    path: '/Shared/Welcome to Acme.pdf',
    name: 'Welcome to Acme.pdf',
    locked: false,
    is_folder: false,
    entry_id: expect.stringMatching(UUID),
    group_id: expect.stringMatching(UUID),
    parent_id: body.folder_id,
    last_modified: 'Fri, 14 Mar 2025 09:30:00 GMT',
    uploaded: Date.UTC(2025, 2, 14, 9, 30),
    uploaded_by: 'jsmith',
    num_versions: 1,
  });
  // Stable across calls (and runs): ids come from the domain and the path.
  expect((await fs('/Shared')).body).toEqual(body);
  expect(egnyte.calls.fs).toBeGreaterThanOrEqual(2);
});

it('answers a file with its metadata and versions; paths are case-insensitive and percent-decoded', async () => {
  const fs = await as('bjones');
  const { status, body } = await fs('/shared/projects/website%20redesign/brief.DOCX');
  expect(status).toBe(200);
  expect(body).toMatchObject({ name: 'Brief.docx', path: '/Shared/Projects/Website Redesign/Brief.docx', is_folder: false, size: 48213, num_versions: 1 });
  expect(body.versions).toEqual([
    { checksum: body.checksum, size: 48213, is_folder: false, entry_id: body.entry_id, uploaded: body.uploaded, last_modified: body.last_modified, uploaded_by: 'jsmith' },
  ]);
  expect((await fs('/Shared/Nope.txt')).status).toBe(404);
  expect((await fs('/Shared/Nope.txt')).body).toEqual({ errorMessage: 'File or folder not found.' });
  expect((await fs('/Shared%2FFinance')).status).toBe(404); // an encoded slash is part of a name, not a separator
});

it('keeps admins-only and private folders to their readers', async () => {
  const standard = await as('bjones');
  const shared = await standard('/Shared');
  expect(shared.body.folders.map((f: { name: string }) => f.name)).toEqual(['Marketing', 'Projects']);
  expect(shared.body.total_count).toBe(4);
  const refused = await standard('/Shared/Finance/Budget.xlsx');
  expect(refused.status).toBe(403);
  expect(refused.body).toEqual({ errorMessage: 'You do not have permission to access this folder.' });
  expect((await standard('/Private')).body.folders.map((f: { name: string }) => f.name)).toEqual(['bjones']);
  expect((await standard('/Private/jsmith')).status).toBe(403);
  expect((await standard('/Private/bjones/Notes.txt')).status).toBe(200);

  const admin = await as('jsmith');
  expect((await admin('/Private')).body.folders.map((f: { name: string }) => f.name)).toEqual(['bjones', 'jsmith']);
  expect((await admin('/Shared/Finance')).status).toBe(200);
});

it('pages and sorts like Egnyte: count, offset, sort_by, sort_direction, list_content', async () => {
  const fs = await as('jsmith');
  const page = await fs('/Shared?count=2&offset=2');
  expect(page.body).toMatchObject({ offset: 2, count: 2, total_count: 5 });
  expect(page.body.folders.map((f: { name: string }) => f.name)).toEqual(['Projects']);
  expect(page.body.files.map((f: { name: string }) => f.name)).toEqual(['Team Directory.xlsx']);
  const bySize = await fs('/Shared/Marketing?sort_by=size&sort_direction=descending');
  expect(bySize.body.files.map((f: { name: string }) => f.name)).toEqual(['Brand Guidelines.pdf', 'Logo.png']);
  const bare = await fs('/Shared?list_content=false');
  expect(bare.body).not.toHaveProperty('files');
  expect(bare.body).not.toHaveProperty('folders');
  expect((await fs('/')).body.folders.map((f: { name: string }) => f.name)).toEqual(['Private', 'Shared']);
});

it('needs the Egnyte.filesystem scope when the token was granted a scope', async () => {
  const userOnly = await as('jsmith', 'acme', { scope: ['Egnyte.user'] });
  const refused = await userOnly('/Shared');
  expect(refused.status).toBe(403);
  expect(refused.body).toEqual({ errorMessage: 'This token was not granted the Egnyte.filesystem scope.' });
  const withFs = await as('jsmith', 'acme', { scope: ['Egnyte.user', 'Egnyte.filesystem'] });
  expect((await withFs('/Shared')).status).toBe(200);
});

it('takes faults by the endpoint name "fs" and refuses what it does not emulate', async () => {
  const fs = await as('jsmith');
  // Twice: the paced client retries a throttled GET once after Retry-After.
  egnyte.fault({ endpoint: 'fs', kind: 'over_qps', retryAfter: 2, times: 2 });
  const throttled = await fs('/Shared');
  expect(throttled.status).toBe(503);
  expect(throttled.body).toMatchObject({ error: 'rate_limited', retryAfter: 2 });
  expect((await fs('/Shared')).status).toBe(200);

  const base = egnyte.endpoints.domainBaseUrl('acme.egnyte.com');
  const post = await fetch(`${base}/pubapi/v1/fs/Shared/New`, { method: 'POST' });
  expect(post.status).toBe(405);
  expect(post.headers.get('allow')).toBe('GET');
  const anonymous = await fetch(`${base}/pubapi/v1/fs/Shared`);
  expect(anonymous.status).toBe(403); // the gateway's "Developer Inactive" for a missing token
  const unknownDomain = await fetch(`${egnyte.endpoints.domainBaseUrl('nowhere.egnyte.com')}/pubapi/v1/fs/Shared`);
  expect(unknownDomain.status).toBe(404);
});
