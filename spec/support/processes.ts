/** Helpers for specs that start whole programs (the demo): ports and process groups. */
import { connect } from 'node:net';

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until no process of the group `pgid` is left (or throws). */
export async function groupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`processes of group ${pgid} are still running ${timeoutMs} ms after npm exited`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
