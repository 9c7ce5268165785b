/**
 * One instance of the demo in its own process, started by `npm run demo -- --instances N`
 * (see cluster.ts). It learns its settings over the IPC channel (the session secret never
 * appears in `ps` or the environment), listens on a free loopback port, and keeps sessions
 * and coordination in the shared Redis.
 *
 * Messages: parent -> `{ type: 'start', spec }`, `{ type: 'stop' }`; instance ->
 * `{ type: 'listening', port }` or `{ type: 'failed', message }`.
 */
import { createServer } from 'node:http';
import { createDemoApp } from './app.js';
import type { DemoAppConfig } from './app.js';
import { emulatorEndpoints } from './emulator-endpoints.js';
import { listen, stopServer } from './http-server.js';
import { connectDemoRedis } from './redis.js';

/** What an instance needs: plain data, since it crosses a process boundary. */
export interface InstanceSpec {
  /** The app's settings, without the emulator's endpoints (functions). */
  config: Omit<DemoAppConfig, 'emulator'>;
  /** The shared emulator, in emulator mode. */
  emulator?: { url: string; origin: string; domains: string[] };
  /** The shared Redis. */
  redisUrl: string;
}

/** A started instance. */
export interface RunningInstance {
  port: number;
  close(): Promise<void>;
}

/** Starts one instance in this process: Redis first, so a Redis that is down stops it early. */
export async function startInstance(spec: InstanceSpec, log: (line: string) => void): Promise<RunningInstance> {
  const redis = await connectDemoRedis(spec.redisUrl, log);
  const config: DemoAppConfig = spec.emulator
    ? { ...spec.config, emulator: { endpoints: emulatorEndpoints(spec.emulator.url), origin: spec.emulator.origin, domains: spec.emulator.domains } }
    : spec.config;
  const app = createDemoApp(config, { sessionStore: redis.sessionStore, coordination: redis.coordination });
  const server = createServer(app);
  let port: number;
  try {
    // Loopback only, whatever HOST says: only the proxy talks to an instance.
    port = await listen(server, 0, '127.0.0.1');
  } catch (err) {
    await redis.close();
    throw err;
  }
  return {
    port,
    async close() {
      await stopServer(server);
      (app.locals['close'] as () => void)();
      await redis.close();
    },
  };
}

type ParentMessage = { type: 'start'; spec: InstanceSpec } | { type: 'stop' };

/** Runs as a child of cluster.ts: waits for its settings, then serves until told to stop. */
function serveChild(): void {
  let running: RunningInstance | undefined;
  let stopping = false;
  let label = 'instance';
  let interrupted = false;
  const log = (line: string): void => {
    // After Ctrl-C the private Redis stops with everything else: its lost connection is no news.
    if (!interrupted) console.log(`[${label}] ${line}`);
  };
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const closing = running ? running.close() : Promise.resolve();
    closing.then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') return stop();
    label = `instance ${message.spec.config.instance ?? ''}`.trim();
    startInstance(message.spec, log).then(
      (started) => {
        running = started;
        if (stopping) return void started.close().then(() => process.exit(0));
        process.send?.({ type: 'listening', port: started.port });
      },
      (err: unknown) => {
        process.send?.({ type: 'failed', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
      },
    );
  });
  // Ctrl-C reaches every process of the group: the supervisor decides the order of stopping.
  process.on('SIGINT', () => {
    interrupted = true;
  });
  process.on('SIGTERM', stop);
  // The supervisor is gone (even killed): an instance must not outlive it.
  process.on('disconnect', stop);
}

if (typeof process.send === 'function' && /(^|[\\/])demo-app[\\/]instance\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  serveChild();
}
