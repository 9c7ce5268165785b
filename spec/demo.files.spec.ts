/**
 * Why the demo signs you in: its profile lists your /Shared folder through req.egnyte.fetch,
 * and a refused, throttled or failed call is a note on the profile, not an error page.
 */
import request from 'supertest';
import type { Express } from 'express';
import { signInAs, startEgnyteEmulator } from 'express-egnyte-auth/testing';
import type { EgnyteEmulator } from 'express-egnyte-auth/testing';
import { createDemoApp } from '../demo-app/app.js';
import type { DemoAppConfig } from '../demo-app/app.js';
import { parseListing } from '../demo-app/files.js';
import { EMULATOR_USERS } from '../demo-app/server.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let egnyte: EgnyteEmulator;
const apps: Express[] = [];
beforeAll(async () => {
  egnyte = await startEgnyteEmulator({ users: EMULATOR_USERS.map((u) => ({ ...u })), qps: 0 });
});
afterAll(async () => {
  for (const app of apps) (app.locals['close'] as () => void)();
  await egnyte.close();
});
afterEach(() => egnyte.clearFaults());

function demo(extra: Partial<DemoAppConfig> = {}): Express {
  const app = createDemoApp({
    mode: 'emulator',
    port: 0,
    host: '127.0.0.1',
    region: 'us',
    sessionSecret: 'test-secret-test-secret-test-secret!',
    baseUrl: 'http://localhost:3999',
    clientId: egnyte.clientId,
    clientSecret: egnyte.clientSecret,
    emulator: { endpoints: egnyte.endpoints, origin: egnyte.url, domains: ['acme', 'globex'] },
    ...extra,
  });
  apps.push(app);
  return app;
}

async function profileOf(username: string, domain = 'acme', app = demo()): Promise<string> {
  const agent = request.agent(app);
  await signInAs(agent, { domain, username });
  return (await agent.get('/profile').set('Accept', HTML).expect(200)).text;
}

it("lists the user's /Shared folder: folders first, then files with size and date", async () => {
  const html = await profileOf('ada');
  expect(html).toContain('<h2>Your shared files</h2>');
  expect(html).toContain('Listed from <code>/Shared</code> on acme.egnyte.com');
  const rows = [...html.matchAll(/<tr><td>([^<]*)<\/td><td class="size">([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => m.slice(1));
  expect(rows).toEqual([
    ['Folder: Finance', '', '2025-03-14'],
    ['Folder: Marketing', '', '2025-03-14'],
    ['Folder: Projects', '', '2025-03-14'],
    ['Team Directory.xlsx', '31 KB', '2025-03-14'],
    ['Welcome to Acme.pdf', '248 KB', '2025-03-14'],
  ]);
  expect(html).not.toContain('class="note"');
});

it('lists only what the user may see (no admins-only folder for a standard user)', async () => {
  const html = await profileOf('homer', 'globex');
  expect(html).toContain('Welcome to Globex.pdf');
  expect(html).not.toContain('Finance');
});

it('a throttled listing is a note with the wait, and the rest of the profile still shows', async () => {
  const agent = request.agent(demo());
  await signInAs(agent, { domain: 'acme', username: 'charles' });
  // Twice: the paced client retries a throttled GET once after Retry-After.
  egnyte.fault({ endpoint: 'fs', kind: 'over_qps', retryAfter: 3, times: 2 });
  const html = (await agent.get('/profile').set('Accept', HTML).expect(200)).text;
  expect(html).toContain('<p class="note" role="status">Egnyte asked this app to slow down, so your files are not listed just now. Reload the page in 3 seconds.</p>');
  expect(html).toContain('Charles Babbage');
  expect(html).toContain('Analyst');
});

it('a refused listing (no Egnyte.filesystem scope) is a note, not an error page', async () => {
  const html = await profileOf('ada', 'acme', demo({ scope: 'Egnyte.user' }));
  expect(html).toContain('Egnyte did not let this app list /Shared (HTTP 403): your account may not have access to it, or the app was not granted the Egnyte.filesystem scope.');
  expect(html).toContain('IT Administrator');
});

it('a failing File System API is a note too; a refused token still ends the login', async () => {
  const agent = request.agent(demo());
  await signInAs(agent, { domain: 'acme', username: 'ada' });
  egnyte.fault({ endpoint: 'fs', kind: 'server_error', times: 1 });
  expect((await agent.get('/profile').set('Accept', HTML).expect(200)).text).toContain('Egnyte&#39;s File System API answered HTTP 500, so your files are not listed.');

  egnyte.fault({ endpoint: 'fs', kind: 'unauthorized', times: 1 });
  const ended = await agent.get('/profile').set('Accept', HTML).expect(401);
  expect(ended.text).toContain('Please sign in again');
});

it('reads a listing defensively', () => {
  expect(parseListing(null)).toEqual({ entries: [], total: 0 });
  expect(parseListing({ folders: [{ name: 'A' }, { nope: 1 }, 'x'], files: [{ name: 'b.txt', size: 'big', last_modified: 'not a date' }], total_count: 40 })).toEqual({
    entries: [{ name: 'A', folder: true }, { name: 'b.txt', folder: false }],
    total: 40,
  });
});
