/**
 * The package as a new user meets it: `npm run build`, `npm pack`, then the tarball installed
 * into a fresh folder with express, express-session and their types, where a TypeScript app
 * (module nodenext) typechecks, and its ESM and CommonJS builds sign in against the emulator
 * shipped in the tarball.
 *
 * No network: the fresh folder gets a lockfile made from this repo's (same versions and
 * integrity hashes), so `npm ci --offline` takes every package from the npm cache that
 * `npm ci` filled. The registry's metadata is never needed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PEERS = ['express', 'express-session', '@types/express', '@types/express-session'] as const;

jest.setTimeout(120_000);

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

/** npm's environment without the `npm_*` settings of the `npm test` that runs jest. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE_OPTIONS'));
}

async function sh(file: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(file, args, { cwd, env: cleanEnv(), timeout: 100_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/**
 * A lockfile for a project depending on the tarball and the peers: the tarball's entry, plus
 * every package they need, copied from this repo's lockfile with Node's lookup from each
 * dependant's folder (nested copies stay nested).
 */
function lockFor(tarball: string, pkg: { version: string; dependencies: Record<string, string>; peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> }) {
  const repo = (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const self = 'node_modules/express-egnyte-auth';
  const wanted: Record<string, string> = { 'express-egnyte-auth': `file:${tarball}` };
  for (const name of PEERS) wanted[name] = repo[`node_modules/${name}`]!.version;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'fresh-app', version: '1.0.0', dependencies: wanted },
    [self]: { ...pkg, resolved: `file:${tarball}`, integrity },
  };
  const lookup = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (repo[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const queue = [self, ...PEERS.map((n) => `node_modules/${n}`)];
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
  return { manifest: { name: 'fresh-app', version: '1.0.0', private: true, dependencies: wanted }, lock: { name: 'fresh-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages } };
}

/** The app of a new user, as ESM (`.mts`) or CommonJS (`.cts`, which `require()`s the package). */
function appSource(kind: 'esm' | 'cjs'): string {
  return `import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { egnyteAuth, egnyteErrorHandler, requireEgnyteUser, withEgnyteUser } from 'express-egnyte-auth';
import type { EgnyteUser } from 'express-egnyte-auth';
import { createCookieJar, signInAs, startEgnyteEmulator } from 'express-egnyte-auth/testing';

async function main(): Promise<void> {
  const egnyte = await startEgnyteEmulator();
  const app = express();
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = 'http://127.0.0.1:' + (server.address() as AddressInfo).port;
  app.use(session({ secret: 'fresh-app-secret-fresh-app-secret', resave: false, saveUninitialized: false }));
  app.use(egnyteAuth({ clientId: egnyte.clientId, clientSecret: egnyte.clientSecret, baseUrl, endpoints: egnyte.endpoints, scope: ['Egnyte.user', 'Egnyte.filesystem'] }));
  app.get('/me', requireEgnyteUser(), withEgnyteUser(async (req, res) => {
    const user: EgnyteUser = req.egnyte.user;
    const shared = await req.egnyte.fetch('/pubapi/v1/fs/Shared');
    const listing = (await shared.json()) as { folders: Array<{ name: string }> };
    res.json({ username: user.username, domain: req.egnyte.domain, folders: listing.folders.map((f) => f.name) });
  }));
  app.use(egnyteErrorHandler());

  const jar = createCookieJar(baseUrl);
  await signInAs(jar, { domain: 'acme', username: 'bjones' });
  const me: unknown = await (await jar.fetch('/me', { headers: { accept: 'application/json' } })).json();
  console.log(JSON.stringify({ kind: '${kind}', me }));
  server.closeAllConnections();
  server.close();
  await egnyte.close();
}
${kind === 'esm' ? 'await main();' : 'main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });'}
`;
}

let work: string;
let packed: { files: Array<{ path: string }>; filename: string };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'egnyte-package-'));
  await sh('npm', ['run', 'build'], ROOT);
  const { stdout } = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  [packed] = JSON.parse(stdout) as [typeof packed];
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the tarball', () => {
  it('holds the build, the docs and the licence, and no source maps or sources', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'EXAMPLES.md', 'TROUBLESHOOTING.md', 'SECURITY.md', 'dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => !/^(dist\/|[A-Z]+\.md$|LICENSE$|package\.json$)/.test(f))).toEqual([]);
  });

  it('holds every file package.json points to (main, types, each exports entry)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string; exports: Record<string, string | Record<string, string>> };
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)))];
    const files = new Set(packed.files.map((f) => f.path));
    expect(targets.map((t) => t.replace(/^\.\//, '')).filter((t) => !files.has(t))).toEqual([]);
  });

  it('declares its repository, licence and optional type peers', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/express-egnyte-auth/express-egnyte-auth.git' });
    expect(pkg.peerDependencies).toMatchObject({ express: expect.any(String), 'express-session': expect.any(String), '@types/express': expect.any(String), '@types/express-session': expect.any(String) });
    expect(pkg.peerDependenciesMeta).toEqual({ '@types/express': { optional: true }, '@types/express-session': { optional: true } });
  });

  it("README's links work on the registry's page; the shipped docs link only to shipped files", () => {
    const links = (file: string) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links('README.md').filter((l) => !/^(https:\/\/|#)/.test(l))).toEqual([]);
    const shipped = new Set(packed.files.map((f) => f.path));
    for (const doc of ['EXAMPLES.md', 'TROUBLESHOOTING.md', 'SECURITY.md', 'CHANGELOG.md']) {
      const relative = links(doc).filter((l) => !/^(https?:\/\/|#|mailto:)/.test(l)).map((l) => l.split('#')[0]!);
      expect({ doc, missing: relative.filter((l) => !shipped.has(l)) }).toEqual({ doc, missing: [] });
    }
  });
});

describe('installed into a fresh folder', () => {
  let app: string;
  beforeAll(async () => {
    app = join(work, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Parameters<typeof lockFor>[1];
    const { manifest, lock } = lockFor(join(work, packed.filename), {
      version: pkg.version,
      dependencies: pkg.dependencies,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
    });
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
    const installed = await sh('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], app);
    expect(installed.stderr).not.toMatch(/ERESOLVE|peer dep|deprecated/i);
    await sh('npm', ['ls', '--all', '--offline'], app); // fails on a missing or invalid dependency
  });

  it('typechecks and builds a TypeScript app (module nodenext, strict, library types checked too)', async () => {
    writeFileSync(join(app, 'src', 'app.mts'), appSource('esm'));
    writeFileSync(join(app, 'src', 'app.cts'), appSource('cjs'));
    const tsconfig = { compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, esModuleInterop: true, skipLibCheck: false, types: ['node'], rootDir: 'src', outDir: 'out' }, include: ['src'] };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    await sh(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
    expect(readFileSync(join(app, 'out', 'app.cjs'), 'utf8')).toMatch(/require\("express-egnyte-auth"\)/);
  });

  it.each(['esm', 'cjs'] as const)('runs the %s build: signs in against the emulator and lists /Shared', async (kind) => {
    const { stdout } = await sh(process.execPath, [join(app, 'out', kind === 'esm' ? 'app.mjs' : 'app.cjs')], app);
    expect(JSON.parse(stdout)).toEqual({ kind, me: { username: 'bjones', domain: 'acme.egnyte.com', folders: ['Marketing', 'Projects'] } });
  });
});
