/**
 * The default client (`egnyteFetch`, undici's `request()` over a keep-alive Agent): it keeps
 * its connections, and answers like fetch for everything the package and apps send through it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeEgnyteConnections, egnyteFetch } from '../../lib/egnyte/http-client.js';

let server: Server;
let base: string;
let connections = 0;
const seen: Array<{ method: string; url: string; contentType: string | undefined; body: string; authorization: string | undefined }> = [];

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readAll(req).then((body) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body, authorization: req.headers.authorization });
      if (req.url === '/empty') return res.writeHead(204).end();
      if (req.url === '/cookies') {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        return res.end('ok');
      }
      if (req.url === '/moved') return res.writeHead(302, { location: '/elsewhere' }).end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, url: req.url }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await closeEgnyteConnections();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
});

test('sequential calls keep their connection instead of opening one each', async () => {
  const call = async (i: number): Promise<void> => {
    const answer = await egnyteFetch(`${base}/json?i=${i}`, { redirect: 'manual' });
    expect(await answer.json()).toEqual({ ok: true, url: `/json?i=${i}` });
  };
  await call(0);
  await call(1);
  // The pool may open a second connection while the first one's answer is still settling.
  const before = connections;
  for (let i = 2; i < 40; i++) await call(i);
  expect(connections - before).toBe(0);
});

test.each([
  ['a string', 'a=1', 'text/plain;charset=UTF-8', 'a=1'],
  ['URLSearchParams', new URLSearchParams({ token: 't', x: 'y z' }), 'application/x-www-form-urlencoded;charset=UTF-8', 'token=t&x=y+z'],
  ['bytes', new TextEncoder().encode('raw'), undefined, 'raw'],
])('a %s body is sent as fetch sends it', async (_name, body, contentType, sent) => {
  await egnyteFetch(`${base}/post`, { method: 'POST', body, redirect: 'manual' });
  expect(seen[0]).toMatchObject({ method: 'POST', body: sent, contentType });
});

test.each([
  ['a Headers object', new Headers({ authorization: 'Bearer a', 'content-type': 'application/x-www-form-urlencoded' })],
  ['a record', { authorization: 'Bearer a', 'content-type': 'application/x-www-form-urlencoded' }],
  ['pairs', [['authorization', 'Bearer a'], ['content-type', 'application/x-www-form-urlencoded']] as [string, string][]],
])('headers given as %s are sent, and an explicit content type wins', async (_name, headers) => {
  await egnyteFetch(`${base}/post`, { method: 'post', headers, body: 'token=a', redirect: 'manual' });
  expect(seen[0]).toMatchObject({ method: 'POST', authorization: 'Bearer a', contentType: 'application/x-www-form-urlencoded' });
});

test('answers carry status, repeated headers, a null body where fetch has one, and the URL', async () => {
  const empty = await egnyteFetch(`${base}/empty`, { redirect: 'manual' });
  expect(empty.status).toBe(204);
  expect(empty.body).toBeNull();
  const cookies = await egnyteFetch(`${base}/cookies`, { redirect: 'manual' });
  expect(cookies.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  expect(cookies.url).toBe(`${base}/cookies`);
  expect(await cookies.text()).toBe('ok');
  const moved = await egnyteFetch(`${base}/moved`, { redirect: 'manual' });
  expect(moved.status).toBe(302);
  expect(moved.headers.get('location')).toBe('/elsewhere');
  await moved.body?.cancel();
});

test('what only fetch can send exactly (a stream body, redirects followed) goes through fetch', async () => {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('streamed'));
      controller.close();
    },
  });
  const init = { method: 'POST', body: stream, duplex: 'half', redirect: 'manual' } as RequestInit;
  expect((await egnyteFetch(`${base}/post`, init)).status).toBe(200);
  expect(seen[0]).toMatchObject({ body: 'streamed' });
  const followed = await egnyteFetch(`${base}/moved`);
  expect(followed.status).toBe(200);
  expect(seen.map((s) => s.url)).toEqual(['/post', '/moved', '/elsewhere']);
});
