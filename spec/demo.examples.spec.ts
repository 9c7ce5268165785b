/**
 * EXAMPLES.md §11 ("Test your own app"), run as written: the packed package installed in a
 * fresh folder with what the recipe's `npm install` lines name, its package.json fields, its
 * files taken from the document as they are, and its test command run. Once with `node --test`
 * and tsx, once with jest and the recipe's jest.config.js.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PEERS, ROOT, cleanEnv, freshFolder, sh } from './support/packed-package.js';

jest.setTimeout(120_000);

interface Recipe {
  /** Packages of the `npm install` lines, besides the package itself and its peers. */
  packages: string[];
  /** The package.json fields shown, if any. */
  manifest: Record<string, unknown>;
  /** The files shown, by the name in their first line (`// app.ts`). */
  files: Map<string, string>;
}

/** The blocks of §11 up to `### With jest` (node --test), or after it (jest, with the shared app.ts). */
function recipe(part: 'node-test' | 'jest'): Recipe {
  const md = readFileSync(join(ROOT, 'EXAMPLES.md'), 'utf8');
  const section = md.slice(md.indexOf('## 11. Test your own app'), md.indexOf('## 12.'));
  const split = section.indexOf('### With jest');
  expect(split).toBeGreaterThan(0);
  const text = part === 'node-test' ? section.slice(0, split) : section.slice(split);
  const blocks = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
  const own = new Set<string>(['express-egnyte-auth', ...PEERS]);
  const packages = blocks
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.code.split('\n'))
    .filter((line) => line.startsWith('npm install'))
    .flatMap((line) => line.split(/\s+/).slice(2).filter((word) => !word.startsWith('-')))
    .filter((name) => !own.has(name));
  const json = blocks.find((b) => b.lang === 'json');
  const files = new Map<string, string>();
  for (const block of blocks.filter((b) => b.lang === 'ts' || b.lang === 'js')) {
    const name = /^\/\/ ([\w.-]+\.[jt]s)\b/.exec(block.code)?.[1];
    if (name) files.set(name, block.code);
  }
  if (part === 'jest') {
    // The jest part tests "the same app.ts".
    const shared = recipe('node-test').files.get('app.ts');
    if (shared) files.set('app.ts', shared);
  }
  return { packages, manifest: json ? (JSON.parse(json.code) as Record<string, unknown>) : {}, files };
}

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function install(part: 'node-test' | 'jest'): Promise<{ folder: string; recipe: Recipe }> {
  const r = recipe(part);
  const folder = await freshFolder(part, { extra: r.packages, manifest: { type: 'module', ...r.manifest } });
  folders.push(folder);
  for (const [name, code] of r.files) writeFileSync(join(folder, name), code);
  return { folder, recipe: r };
}

test('the node --test recipe: installs what it names and passes with npm test', async () => {
  const { folder, recipe: r } = await install('node-test');
  expect(r.packages).toEqual(['tsx', 'supertest', '@types/supertest']);
  expect(r.manifest).toEqual({ type: 'module', scripts: { test: 'node --import tsx --test app.test.ts' } });
  expect([...r.files.keys()]).toEqual(['app.ts', 'app.test.ts']);
  const tests = (r.files.get('app.test.ts')!.match(/^test\(/gm) ?? []).length;
  expect(tests).toBe(5);
  const { stdout } = await sh('npm', ['test'], folder, cleanEnv({ npm_config_offline: 'true' }));
  expect(stdout).toMatch(new RegExp(`^# pass ${tests}$`, 'm'));
  expect(stdout).toMatch(/^# fail 0$/m);
});

test('the jest recipe: its jest.config.js loads the ESM package, and npx jest passes', async () => {
  const { folder, recipe: r } = await install('jest');
  expect(r.packages).toEqual(['jest', '@swc/core', '@swc/jest', '@types/jest', 'supertest', '@types/supertest']);
  expect([...r.files.keys()].sort()).toEqual(['app.spec.ts', 'app.ts', 'jest.config.js']);
  const { stderr } = await sh('npx', ['jest'], folder, cleanEnv({ npm_config_offline: 'true' }));
  expect(stderr).toMatch(/^Tests:\s+2 passed, 2 total$/m);
});

test('without the recipe\'s configuration, plain jest fails as the issue saw it (so the configuration is what makes it pass)', async () => {
  const folder = folders.find((f) => /egnyte-jest-/.test(f))!;
  rmSync(join(folder, 'jest.config.js'));
  writeFileSync(join(folder, 'jest.config.json'), JSON.stringify({ testEnvironment: 'node', transform: { '^.+\\.(t|j)s$': ['@swc/jest', { module: { type: 'commonjs' } }] }, moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' } }));
  const failed = await sh('npx', ['jest', '--config', 'jest.config.json'], folder, cleanEnv({ npm_config_offline: 'true' })).then(
    () => '',
    (err: Error) => err.message,
  );
  expect(failed).toMatch(/Must use import to load ES Module|Cannot use import statement outside a module/);
});
