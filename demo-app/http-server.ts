/** Listening and stopping, shared by the demo, its instances and its proxy. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `host:port` (0: any free port) and resolves the port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.listen(port, host, done);
  });
}

/**
 * Stops accepting connections and waits for the requests in progress; connections still open
 * after `graceMs` (a browser's keep-alive, a stuck client) are cut so that stopping ends.
 */
export async function stopServer(server: Server, graceMs = 3000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  force.unref();
  await closed;
  clearTimeout(force);
}

/** True when `host` only accepts connections from this machine. */
export function isLocalOnly(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
