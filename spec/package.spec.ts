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
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freshFolder, packedPackage, sh, type Packed } from './support/packed-package.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

jest.setTimeout(120_000);

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

let packed: Packed;

beforeAll(async () => {
  packed = await packedPackage();
});

describe('the tarball', () => {
  it('holds the build, the docs and the licence, and no source maps or sources', () => {
    const files = packed.files;
    for (const f of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'EXAMPLES.md', 'TROUBLESHOOTING.md', 'SECURITY.md', 'dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => !/^(dist\/|[A-Z]+\.md$|LICENSE$|package\.json$)/.test(f))).toEqual([]);
  });

  it('holds every file package.json points to (main, types, bin, each exports entry)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string>; exports: Record<string, string | Record<string, string>> };
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin), ...Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)))];
    expect(Object.keys(pkg.bin)).toEqual(['egnyte-emulator']);
    const files = new Set(packed.files);
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
    const shipped = new Set(packed.files);
    for (const doc of ['EXAMPLES.md', 'TROUBLESHOOTING.md', 'SECURITY.md', 'CHANGELOG.md']) {
      const relative = links(doc).filter((l) => !/^(https?:\/\/|#|mailto:)/.test(l)).map((l) => l.split('#')[0]!);
      expect({ doc, missing: relative.filter((l) => !shipped.has(l)) }).toEqual({ doc, missing: [] });
    }
  });
});

describe('installed into a fresh folder', () => {
  let app: string;
  beforeAll(async () => {
    app = await freshFolder('app');
    mkdirSync(join(app, 'src'), { recursive: true });
    await sh('npm', ['ls', '--all', '--offline'], app); // fails on a missing or invalid dependency
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

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
