/** egnyteErrorHandler(): status, Retry-After, escaped HTML or JSON by negotiation, nothing leaked. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { EgnyteAuthError, egnyteErrorHandler } from '../lib/index.js';
import { rawGet } from './flow-support.js';

let server: Server;
let base: string;
const SECRET_CAUSE = 'cause-with-secret-token-abc123';

beforeAll(async () => {
  const app = express();
  app.get('/throttled', () => {
    throw new EgnyteAuthError('rate_limited', 'Egnyte is throttling requests. Try again in 9 seconds.', {
      retryAfter: 9,
      cause: new Error(SECRET_CAUSE),
    });
  });
  app.get('/hostile', () => {
    throw new EgnyteAuthError('invalid_domain', '"<script>alert(1)</script>" & \'x\' is not an Egnyte domain.');
  });
  app.get('/custom-status', () => {
    throw new EgnyteAuthError('upstream_error', 'Egnyte answered HTTP 418.', { status: 502, upstreamStatus: 418 });
  });
  app.get('/other', () => {
    throw new Error('not ours');
  });
  app.use(egnyteErrorHandler());
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(599).json({ passedOn: err.message });
  });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('JSON for API clients: status, Retry-After, code, message; no stack, no cause', async () => {
  const response = await fetch(`${base}/throttled`, { headers: { accept: 'application/json, text/plain, */*' } });
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('9');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const text = await response.text();
  expect(JSON.parse(text)).toEqual({ error: 'rate_limited', message: 'Egnyte is throttling requests. Try again in 9 seconds.', retryAfter: 9 });
  expect(text).not.toContain(SECRET_CAUSE);
  expect(text).not.toMatch(/at .*\.ts:\d+/);
});

test('JSON without an Accept header', async () => {
  const response = await rawGet(`${base}/hostile`, {});
  expect(response.status).toBe(400);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_domain' });
});

test('HTML for browsers: escaped, with the code and the wait, no stack or cause', async () => {
  const response = await fetch(`${base}/throttled`, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('9');
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await response.text();
  expect(html).toContain('<h1>Egnyte is busy</h1>');
  expect(html).toContain('Try again in 9 seconds.');
  expect(html).toContain('Error code: rate_limited');
  expect(html).not.toContain(SECRET_CAUSE);
  expect(html).not.toContain('EgnyteAuthError');

  const hostile = await (await fetch(`${base}/hostile`, { headers: { accept: 'text/html' } })).text();
  expect(hostile).not.toContain('<script>');
  expect(hostile).toContain('&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &amp; &#39;x&#39;');
  // No router on this app: no sign-in link to offer.
  expect(hostile).not.toContain('Sign in again');
});

test('the status the thrower chose is kept, and upstreamStatus is not exposed', async () => {
  const response = await fetch(`${base}/custom-status`, { headers: { accept: 'application/json' } });
  expect(response.status).toBe(502);
  expect(response.headers.get('retry-after')).toBeNull();
  expect(await response.json()).toEqual({ error: 'upstream_error', message: 'Egnyte answered HTTP 418.' });
});

test('other errors are passed on to the next handler', async () => {
  const response = await fetch(`${base}/other`, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(599);
  expect(await response.json()).toEqual({ passedOn: 'not ours' });
});
