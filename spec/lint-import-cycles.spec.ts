/**
 * The lint rule that keeps lib/ free of import cycles (eslint-rules/no-import-cycles.js), run
 * through ESLint itself on small module trees: a cycle of value imports, one closed by a
 * type-only import, an `export ... from`, and a tree without one. `npm run lint` applies it to lib/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import noImportCycles from '../eslint-rules/no-import-cycles.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cycles-'));
  mkdirSync(join(root, 'lib', 'a'), { recursive: true });
  mkdirSync(join(root, 'lib', 'b'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Lints every file of `files` (written under the temporary root) with the rule, as `npm run lint` does. */
async function lint(files: Record<string, string>): Promise<string[]> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  const linter = new Linter({ configType: 'flat', cwd: root });
  const config: Linter.Config[] = [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser } },
    { files: ['lib/**/*.ts'], plugins: { local: { rules: { 'no-import-cycles': noImportCycles } } }, rules: { 'local/no-import-cycles': 'error' } },
  ];
  return Object.keys(files)
    .flatMap((name) => linter.verify(readFileSync(join(root, name), 'utf8'), config, join(root, name)).map((m) => m.message))
    .sort();
}

test('a cycle of value imports is reported at each import that closes it, with its path', async () => {
  const messages = await lint({
    'lib/a/one.ts': "import { two } from '../b/two.js';\nexport const one = (): number => two() + 1;\n",
    'lib/b/two.ts': "import { three } from './three.js';\nexport const two = (): number => three();\n",
    'lib/b/three.ts': "import { one } from '../a/one.js';\nexport const three = (): number => (one.length ? 1 : 0);\n",
  });
  expect(messages).toHaveLength(3);
  expect(messages[0]).toBe('Import cycle: lib/a/one.ts -> lib/b/two.ts -> lib/b/three.ts -> lib/a/one.ts. Move what both need into a module below them, or pass it in.');
});

test('a cycle closed by a type-only import or an export from is a cycle too', async () => {
  const messages = await lint({
    'lib/a/runtime.ts': "import { make } from '../b/make.js';\nexport interface Runtime { n: number }\nexport const runtime = make();\n",
    'lib/b/make.ts': "import type { Runtime } from '../a/runtime.js';\nexport const make = (): Runtime => ({ n: 1 });\n",
    'lib/b/index.ts': "export { make } from './make.js';\nexport * from './again.js';\n",
    'lib/b/again.ts': "export * from './index.js';\n",
  });
  expect(messages.filter((m) => m.includes('runtime.ts'))).toHaveLength(2);
  expect(messages.filter((m) => m.includes('again.ts'))).toHaveLength(2);
});

test('layers without a cycle pass', async () => {
  expect(
    await lint({
      'lib/a/top.ts': "import { low } from '../b/low.js';\nimport type { Shape } from '../b/shape.js';\nexport const top = (s: Shape): number => low() + s.n;\n",
      'lib/b/low.ts': "import type { Shape } from './shape.js';\nexport const low = (s?: Shape): number => s?.n ?? 0;\n",
      'lib/b/shape.ts': 'export interface Shape { n: number }\n',
    }),
  ).toEqual([]);
});
