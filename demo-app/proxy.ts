/**
 * A small round-robin HTTP proxy for `npm run demo -- --instances N`: each request goes to the
 * next instance in turn, so consecutive requests of one browser land on different processes,
 * as behind a load balancer without sticky sessions. node:http only; not meant for production.
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';

/** The proxy and the instances behind it. */
export interface RoundRobinProxy {
  /** The proxy's server: listen on it, stop it with `stopServer()`. */
  server: Server;
  /** The loopback ports of the instances, in turn order; before any is set the proxy answers 503. */
  setTargets(ports: readonly number[]): void;
  /** Drops the kept-alive connections to the instances. */
  close(): void;
}

/** Headers that describe one connection, never to be passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '').split(',').map((h) => h.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.includes(name)) out[name] = value;
  }
  return out;
}

/** The request's headers for the instance, with the `X-Forwarded-*` headers `trust proxy` reads. */
function forwardedHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const headers = endToEnd(req.headers);
  const client = req.socket.remoteAddress ?? '';
  const before = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = before ? `${String(before)}, ${client}` : client;
  // A proxy in front of this one (TLS ending there) has said these already: keep its word.
  headers['x-forwarded-proto'] ??= 'http';
  if (req.headers.host !== undefined) headers['x-forwarded-host'] ??= req.headers.host;
  return headers;
}

function plain(res: ServerResponse, status: number, text: string, extra: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(`${text}\n`);
}

/** Creates the proxy (not yet listening). */
export function createRoundRobinProxy(): RoundRobinProxy {
  const agent = new Agent({ keepAlive: true });
  let targets: readonly number[] = [];
  let next = 0;

  const server = createServer((req, res) => {
    if (targets.length === 0) {
      plain(res, 503, 'The demo is starting: try again in a moment.', { 'retry-after': '1' });
      return;
    }
    const port = targets[next % targets.length] as number;
    next = (next + 1) % targets.length;
    const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: forwardedHeaders(req), agent });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      answer.pipe(res);
    });
    upstream.on('error', () => plain(res, 502, 'An instance of the demo did not answer: it may be stopping.'));
    // The browser went away: stop the instance's work on its behalf too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });

  return {
    server,
    setTargets(ports) {
      targets = [...ports];
      next = 0;
    },
    close() {
      agent.destroy();
    },
  };
}
