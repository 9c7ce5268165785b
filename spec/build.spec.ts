/**
 * The published build: `tsc -p tsconfig.build.json` emits JavaScript and declarations for
 * both entry points, and the emitted ESM loads in plain Node with the public exports.
 * Emitted inside the repo (spec/.artifacts, git-ignored) so that Node resolves the
 * package's dependencies from its node_modules.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'spec', '.artifacts', `dist-${process.pid}`);

beforeAll(async () => {
  mkdirSync(join(ROOT, 'spec', '.artifacts'), { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', OUT], { cwd: ROOT, timeout: 110_000 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc -p tsconfig.build.json failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}, 120_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

test.each(['index.js', 'index.d.ts', 'testing/index.js', 'testing/index.d.ts', 'redis.js', 'redis.d.ts'])('emits %s', (file) => {
  expect(existsSync(join(OUT, file))).toBe(true);
});

test('emits no source maps (they would point at sources the package does not ship)', () => {
  const files = readdirSync(OUT, { recursive: true, encoding: 'utf8' });
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  expect(readFileSync(join(OUT, 'index.js'), 'utf8')).not.toContain('sourceMappingURL');
});

test('the declarations carry the public API and the request augmentation', () => {
  const index = readFileSync(join(OUT, 'index.d.ts'), 'utf8');
  for (const name of ['egnyteAuth', 'requireEgnyteUser', 'egnyteErrorHandler', 'normalizeEgnyteDomain', 'EgnyteAuthError', 'EgnyteUser']) {
    expect(index).toContain(name);
  }
  const types = readFileSync(join(OUT, 'types.d.ts'), 'utf8');
  expect(types).toMatch(/declare module 'express-session'/);
  expect(types).toMatch(/egnyte: EgnyteRequestContext;/);
});

async function importInNode(file: string, body: string): Promise<unknown> {
  const url = new URL(`file://${join(OUT, file)}`).href;
  const script = `import(${JSON.stringify(url)}).then((m) => { ${body} }).catch((e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 30_000 });
  return JSON.parse(stdout) as unknown;
}

test('index.js loads in Node as ESM with the public exports', async () => {
  const result = await importInNode(
    'index.js',
    `const e = new m.EgnyteAuthError('rate_limited', 'x', { retryAfter: 2 });
     console.log(JSON.stringify({
       types: Object.fromEntries(['egnyteAuth', 'requireEgnyteUser', 'egnyteErrorHandler', 'normalizeEgnyteDomain', 'EgnyteAuthError'].map((n) => [n, typeof m[n]])),
       normalized: m.normalizeEgnyteDomain(' https://ACME.egnyte.com/app '),
       error: { isError: e instanceof Error, code: e.code, status: e.status, json: e.toJSON() },
     }));`,
  );
  expect(result).toEqual({
    types: { egnyteAuth: 'function', requireEgnyteUser: 'function', egnyteErrorHandler: 'function', normalizeEgnyteDomain: 'function', EgnyteAuthError: 'function' },
    normalized: 'acme.egnyte.com',
    error: { isError: true, code: 'rate_limited', status: 503, json: { error: 'rate_limited', message: 'x', retryAfter: 2 } },
  });
});

test('testing/index.js exports a working startEgnyteEmulator', async () => {
  const result = await importInNode(
    'testing/index.js',
    `m.startEgnyteEmulator().then(async (emu) => {
       const res = await fetch(emu.url + '/');
       const out = { type: typeof m.startEgnyteEmulator, status: res.status, clientId: emu.clientId };
       await emu.close();
       console.log(JSON.stringify(out));
     });`,
  );
  expect(result).toEqual({ type: 'function', status: 200, clientId: 'emulator-client' });
});

test('redis.js exports redisCoordination, which refuses a client that is not one', async () => {
  const result = await importInNode(
    'redis.js',
    `let code; try { m.redisCoordination({ client: {} }); } catch (e) { code = e.code; }
     console.log(JSON.stringify({ type: typeof m.redisCoordination, code }));`,
  );
  expect(result).toEqual({ type: 'function', code: 'invalid_config' });
});
