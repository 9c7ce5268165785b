/**
 * `npm run demo -- --instances N`: N instances of the demo, each its own Node process, behind
 * a round-robin proxy on one port, sharing one Redis (REDIS_URL, or a private redis-server),
 * one emulator and one session secret. A person can watch one sign-in served by every
 * instance, and a sign-out on one end it on all.
 *
 * Start order: Redis, emulator, proxy (its port makes the public URL), instances. Stop order
 * is the reverse, so no request reaches something already stopped.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { DemoConfig } from './config.js';
import { listen, stopServer } from './http-server.js';
import type { InstanceSpec } from './instance.js';
import { startPrivateRedis } from './private-redis.js';
import type { PrivateRedis } from './private-redis.js';
import { createRoundRobinProxy } from './proxy.js';
import { connectDemoRedis } from './redis.js';
import { appConfigFor, logStartup, startDemoEmulator } from './setup.js';
import type { Emulator } from './setup.js';

/** How long an instance may take to start (tsx compiles the demo on first start). */
const START_TIMEOUT_MS = 120_000;
/** How long an instance may take to finish its requests once told to stop. */
const STOP_TIMEOUT_MS = 10_000;

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Validated settings with `instances` set. */
  config: DemoConfig;
  /** The script each instance runs: `demo-app/instance.ts`. */
  instanceScript: string;
  /** Node options of the instances; default this process's (`--import tsx`). */
  execArgv?: string[];
  /** Where to print the start-up lines. */
  log?: (line: string) => void;
}

/** The running demo, several instances strong. */
export interface RunningCluster {
  url: string;
  /** The proxy's port. */
  port: number;
  /** The instances' loopback ports, in turn order. */
  instancePorts: number[];
  /** Resolves with a reason when an instance stops by itself (the demo should then stop). */
  failed: Promise<string>;
  /** Stops the proxy, the instances, the emulator and the private Redis, in that order. */
  close(): Promise<void>;
  /** Kills whatever is still running, at once (a second Ctrl-C). */
  kill(): void;
}

/** `trust proxy` of an instance: whatever the user trusts, plus our proxy on loopback. */
export function instanceTrustProxy(configured: DemoConfig['trustProxy']): number | boolean | string {
  if (configured === undefined || configured === false) return 'loopback';
  if (typeof configured === 'number') return configured + 1;
  if (configured === true) return true;
  return `${configured}, loopback`;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Forks one instance and resolves its port once it listens. */
function startChild(script: string, execArgv: string[], spec: InstanceSpec): { child: ChildProcess; port: Promise<number> } {
  const child = fork(script, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${spec.config.instance ?? ''} did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    child.on('message', (message: { type: string; port?: number; message?: string }) => {
      clearTimeout(timer);
      if (message.type === 'listening') resolve(message.port as number);
      else reject(new Error(`instance ${spec.config.instance ?? ''} could not start: ${message.message ?? 'unknown error'}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`instance ${spec.config.instance ?? ''} exited (${signal ?? code}) while starting`));
    });
  });
  child.send({ type: 'start', spec });
  return { child, port };
}

/** Stops one instance: it finishes its requests, then exits; killed if it takes too long. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.send({ type: 'stop' });
  else child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(force);
}

/** Starts the several-instances demo. On a failure, stops what it started and rethrows. */
export async function startCluster(options: StartClusterOptions): Promise<RunningCluster> {
  const { config, instanceScript } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const count = config.instances ?? 1;
  const execArgv = options.execArgv ?? process.execArgv;
  const undo: Array<() => Promise<void> | void> = [];
  const children: ChildProcess[] = [];
  let privateRedis: PrivateRedis | undefined;
  let emulator: Emulator | undefined;
  const proxy = createRoundRobinProxy();
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const step of undo.splice(0).reverse()) await step();
    })();
    return closing;
  };

  try {
    let redisUrl = config.redisUrl;
    let redisLine: string;
    if (redisUrl === undefined) {
      privateRedis = await startPrivateRedis();
      undo.push(() => privateRedis?.stop());
      redisUrl = privateRedis.url;
      redisLine = `  Sessions and coordination: a private Redis (redis-server) at ${redisUrl}, stopped with the demo.`;
    } else {
      // Checked here once, so that a wrong REDIS_URL is one clear message, not N instances failing.
      const probe = await connectDemoRedis(redisUrl, log);
      redisLine = `  Sessions and coordination: Redis at ${probe.shownUrl} (REDIS_URL).`;
      await probe.close();
    }
    if (config.mode === 'emulator') {
      emulator = await startDemoEmulator();
      undo.push(() => emulator?.close());
    }

    const port = await listen(proxy.server, config.port, config.host);
    undo.push(async () => {
      await stopServer(proxy.server);
      proxy.close();
    });
    const baseUrl = config.baseUrl ?? `http://localhost:${port}`;
    // The emulator's endpoints are functions: each instance rebuilds them from its URL.
    const { emulator: local, ...appConfig } = appConfigFor({ ...config, trustProxy: instanceTrustProxy(config.trustProxy) }, baseUrl, emulator);
    const shared = emulator && local ? { url: emulator.url, origin: local.origin, domains: local.domains } : undefined;

    const started = Array.from({ length: count }, (_, i) => {
      const spec: InstanceSpec = { config: { ...appConfig, instance: `${i + 1} of ${count}` }, redisUrl, ...(shared ? { emulator: shared } : {}) };
      const one = startChild(instanceScript, execArgv, spec);
      children.push(one.child);
      return one.port;
    });
    undo.push(() => Promise.all(children.map(stopChild)).then(() => undefined));
    const instancePorts = await Promise.all(started);
    proxy.setTargets(instancePorts);

    let stoppedBySelf: (reason: string) => void = () => undefined;
    const failed = new Promise<string>((resolve) => (stoppedBySelf = resolve));
    children.forEach((child, i) =>
      child.once('exit', (code, signal) => {
        if (!closing) stoppedBySelf(`instance ${i + 1} of ${count} stopped unexpectedly (${signal ?? `exit code ${code}`})`);
      }),
    );

    logStartup(log, {
      config,
      baseUrl,
      port,
      emulator,
      extra: [
        `  ${count} instance${count === 1 ? '' : 's'} behind a round-robin proxy: each request goes to the next one, and every page says which served it.`,
        redisLine,
      ],
    });

    return {
      url: baseUrl,
      port,
      instancePorts,
      failed,
      close,
      kill() {
        for (const child of children) if (!exited(child)) child.kill('SIGKILL');
        privateRedis?.kill();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
