/**
 * The emulator's HTTP server on 127.0.0.1, tracking its sockets so that closing it also
 * ends keep-alive and hanging connections (a `hang` fault must not block `close()`).
 */
import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { Socket } from 'node:net';

/** A listening server. */
export interface ListeningServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Stops listening and destroys every connection; `onClosed` runs once the server has closed. */
  close(onClosed: () => void): void;
}

/** Starts listening on 127.0.0.1:`port` (0: a free port); resolves once it listens. */
export async function listen(listener: RequestListener, port: number): Promise<ListeningServer> {
  const sockets = new Set<Socket>();
  const server = createServer(listener);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('startEgnyteEmulator: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    close(onClosed: () => void): void {
      server.close(() => onClosed());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    },
  };
}
