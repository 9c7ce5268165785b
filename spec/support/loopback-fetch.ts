/**
 * A fetch for `*.localhost` URLs. Chromium resolves every `*.localhost` name to loopback
 * itself (RFC 6761); Node's resolver does not, and Node's fetch ignores a `Host` header, so
 * such requests go to 127.0.0.1 through node:http with the name as `Host`. Everything else
 * uses the global fetch.
 */
import { request as httpRequest } from 'node:http';

/** True for a `*.localhost` host (not `localhost` itself, which Node resolves). */
export function isLoopbackName(url: URL): boolean {
  return url.hostname.endsWith('.localhost');
}

/** Like `fetch(url, init)` with `redirect: 'manual'`; `*.localhost` goes to 127.0.0.1. */
export async function loopbackFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const target = new URL(url);
  if (!isLoopbackName(target)) return fetch(url, { ...init, redirect: 'manual' });
  if (target.protocol !== 'http:') throw new Error(`loopbackFetch: only http is emulated, got ${target.protocol}`);
  const headers: Record<string, string> = { host: target.host };
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const body = init.body === undefined || init.body === null ? undefined : String(init.body);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise<Response>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: target.port || 80, method: init.method ?? 'GET', path: target.pathname + target.search, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) answer.append(name, v);
          }
          const status = res.statusCode ?? 500;
          const empty = status === 204 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: answer }));
        });
      },
    );
    req.on('error', reject);
    init.signal?.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
    req.end(body);
  });
}
