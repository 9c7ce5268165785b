/**
 * The bench's server processes: each app (and the emulator) runs in a process of its own,
 * so one cannot steal the other's event loop, and the parent only generates load. A child
 * announces `{ ready: port }` over IPC and answers `{ id, cmd }` messages with `{ id, reply }`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A running server process. */
export interface ServerProcess {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Sends a command the child understands (`heap`, `timers`, `calls`, ...) and waits for its reply. */
  ask<T = unknown>(cmd: string, arg?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Starts `bench/servers/<name>.mts` with `config` (JSON in argv) and waits until it listens. */
export async function startServer(name: string, config: Record<string, unknown> = {}): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(`../servers/${name}.mts`, import.meta.url));
  const child: ChildProcess = fork(script, [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { ready?: number }) => (m.ready ? resolve(m.ready) : reject(new Error(`${name}: ${JSON.stringify(m)}`))));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${String(code)} before listening`)));
  });
  let next = 0;
  const pending = new Map<number, (reply: unknown) => void>();
  child.on('message', (m: { id?: number; reply?: unknown }) => {
    if (m.id === undefined) return;
    pending.get(m.id)?.(m.reply);
    pending.delete(m.id);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    ask<T>(cmd: string, arg?: unknown): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve) => {
        pending.set(id, resolve as (reply: unknown) => void);
        child.send({ id, cmd, arg });
      });
    },
    stop(): Promise<void> {
      if (child.exitCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** In a child: serve `handlers` over IPC and announce `port`. */
export function serveCommands(port: number, handlers: Record<string, (arg: unknown) => unknown>): void {
  process.on('message', (m: { id: number; cmd: string; arg?: unknown }) => {
    void Promise.resolve(handlers[m.cmd]?.(m.arg)).then((reply) => process.send?.({ id: m.id, reply: reply ?? null }));
  });
  process.once('SIGTERM', () => process.exit(0));
  process.send?.({ ready: port });
}

/** In a child: its JSON config from argv. */
export function childConfig<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}
