/**
 * The package as a new user meets it: built and packed once (`npm run build`, `npm pack`), then
 * installed into fresh folders, one per scenario, with whatever else that scenario's user
 * installs (express, a test runner, ...).
 *
 * One pack per run: the tarball lives in `spec/.artifacts/pack-<hash>`, where the hash covers
 * every input of the build and of the tarball, and a lock directory makes the jest workers that
 * ask at once wait for the one that packs. An unchanged tree reuses the last run's tarball.
 *
 * No network: a fresh folder gets a lockfile made from this repo's (same versions and integrity
 * hashes), so `npm ci --offline` takes every package from the npm cache that this repo's
 * `npm ci` filled. The registry's metadata is never needed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = resolve(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'spec', '.artifacts');
/** The peers every app installs with the package. */
export const PEERS = ['express', 'express-session', '@types/express', '@types/express-session'] as const;
/** How long a pack may take before its lock counts as left behind by a killed run. */
const STALE_LOCK_MS = 5 * 60 * 1000;

/** The environment without the `npm_*` settings of the `npm test` that runs jest. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE_OPTIONS' && !k.startsWith('JEST_')));
  return { ...kept, ...extra };
}

/** Runs a program; a failure throws with its output. */
export async function sh(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv(), timeout = 100_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(file, [...args], { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** Every file under `dir`, relative to ROOT. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(join(ROOT, f)).isFile());
}

/** A hash of everything the build and the tarball are made of. */
function inputsHash(): string {
  const files = [
    'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'LICENSE',
    'README.md', 'CHANGELOG.md', 'EXAMPLES.md', 'TROUBLESHOOTING.md', 'SECURITY.md', ...filesUnder('lib'),
  ].sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(ROOT, file))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** What `npm pack` made. */
export interface Packed {
  /** Absolute path of the tarball. */
  tarball: string;
  /** The paths inside it. */
  files: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds and packs the package once per tree (see the module comment); concurrent callers share one pack. */
export async function packedPackage(): Promise<Packed> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = join(ARTIFACTS, `pack-${inputsHash()}`);
  const done = join(dir, 'packed.json');
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as Packed;
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      if (existsSync(done)) continue;
      for (const old of readdirSync(ARTIFACTS)) if (/^pack-[0-9a-f]+$/.test(old)) rmSync(join(ARTIFACTS, old), { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await sh('npm', ['run', 'build'], ROOT);
      const { stdout } = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
      const [info] = JSON.parse(stdout) as [{ filename: string; files: Array<{ path: string }> }];
      const packed: Packed = { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
      writeFileSync(done, JSON.stringify(packed));
      return packed;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/**
 * A lockfile for a project depending on the tarball, the peers and `extra` (names of this repo's
 * own dependencies): each one's entry, plus every package they need, copied from this repo's
 * lockfile with Node's lookup from each dependant's folder (nested copies stay nested).
 */
export function lockFor(tarball: string, extra: readonly string[] = []): { dependencies: Record<string, string>; lock: Record<string, unknown> } {
  const repo = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as LockEntry & { bin?: Record<string, string>; engines?: Record<string, string> };
  const self = 'node_modules/express-egnyte-auth';
  const dependencies: Record<string, string> = { 'express-egnyte-auth': `file:${tarball}` };
  for (const name of [...PEERS, ...extra]) {
    const entry = repo[`node_modules/${name}`];
    if (!entry) throw new Error(`${name} is not a dependency of this repo (package-lock.json)`);
    dependencies[name] = entry.version;
  }
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'fresh-app', version: '1.0.0', dependencies },
    [self]: {
      version: pkg.version,
      resolved: `file:${tarball}`,
      integrity,
      ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
      ...(pkg.peerDependencies ? { peerDependencies: pkg.peerDependencies } : {}),
      ...(pkg.peerDependenciesMeta ? { peerDependenciesMeta: pkg.peerDependenciesMeta } : {}),
      ...(pkg.bin ? { bin: pkg.bin } : {}),
      ...(pkg.engines ? { engines: pkg.engines } : {}),
    },
  };
  const lookup = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (repo[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const queue = [self, ...Object.keys(dependencies).filter((n) => n !== 'express-egnyte-auth').map((n) => `node_modules/${n}`)];
  while (queue.length > 0) {
    const key = queue.shift()!;
    const entry = key === self ? packages[self]! : repo[key]!;
    if (key !== self) {
      if (packages[key]) continue;
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
      packages[key] = kept as LockEntry;
    }
    const needed = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const peer of Object.keys(entry.peerDependencies ?? {})) if (!entry.peerDependenciesMeta?.[peer]?.optional) needed[peer] = '*';
    for (const name of Object.keys(needed)) {
      const at = lookup(key === self ? '' : key, name);
      if (at === undefined && !entry.optionalDependencies?.[name]) throw new Error(`${name} (needed by ${key}) is not in package-lock.json`);
      if (at !== undefined && !packages[at]) queue.push(at);
    }
  }
  return { dependencies, lock: { name: 'fresh-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages } };
}

/** Options of {@link freshFolder}. */
export interface FreshFolderOptions {
  /** This repo's dependencies the scenario's user installs too, e.g. `['tsx', 'supertest']`. */
  extra?: readonly string[];
  /** Fields of the folder's package.json besides its dependencies (`type`, `scripts`, ...). */
  manifest?: Record<string, unknown>;
}

/**
 * A fresh folder (under the OS's temp dir) with the packed package, its peers and `extra`
 * installed by `npm ci --offline`. The caller removes it (`rmSync(folder, { recursive: true })`).
 */
export async function freshFolder(scenario: string, options: FreshFolderOptions = {}): Promise<string> {
  const { tarball } = await packedPackage();
  const folder = mkdtempSync(join(tmpdir(), `egnyte-${scenario}-`));
  const { dependencies, lock } = lockFor(tarball, options.extra);
  const manifest = { name: 'fresh-app', version: '1.0.0', private: true, ...options.manifest, dependencies };
  writeFileSync(join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(folder, 'package-lock.json'), JSON.stringify(lock, null, 2));
  const installed = await sh('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], folder);
  if (/ERESOLVE|peer dep/i.test(installed.stderr)) throw new Error(`npm ci in ${relative(tmpdir(), folder)} warned:\n${installed.stderr}`);
  return folder;
}
