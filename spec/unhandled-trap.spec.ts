/**
 * The suite's trap for unhandled rejections (spec/support/unhandled-trap-environment.ts): a
 * rejection nobody handles fails the suite whether it surfaces during a test or after the
 * last one. Checked by running jest itself on two small suites that leave one each.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const FIXTURES = join(ROOT, 'spec', '.artifacts', 'unhandled-trap');

function runJest(): Promise<{ code: number; output: string }> {
  const config = {
    rootDir: ROOT,
    roots: [FIXTURES],
    testMatch: ['**/*.fixture.ts'],
    testEnvironment: '<rootDir>/spec/support/unhandled-trap-environment.ts',
    transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  };
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', JSON.stringify(config), '--ci'], { cwd: ROOT }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

beforeAll(() => {
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(join(FIXTURES, 'during.fixture.ts'), "test('rejects while running', async () => {\n  void Promise.reject(new Error('during-test rejection'));\n  await new Promise((r) => setTimeout(r, 20));\n});\n");
  writeFileSync(join(FIXTURES, 'after.fixture.ts'), "test('leaves one for later', () => {\n  setTimeout(() => void Promise.reject(new Error('after-suite rejection')), 5);\n});\n");
  writeFileSync(join(FIXTURES, 'clean.fixture.ts'), "test('handles its rejection', async () => {\n  await expect(Promise.reject(new Error('handled'))).rejects.toThrow('handled');\n});\n");
});
afterAll(() => rmSync(FIXTURES, { recursive: true, force: true }));

test('a rejection during a test and one after the last test both fail their suites; a handled one does not', async () => {
  const { code, output } = await runJest();
  expect(code).not.toBe(0);
  expect(output).toMatch(/FAIL .*during\.fixture\.ts[\s\S]*during-test rejection/);
  expect(output).toMatch(/FAIL .*after\.fixture\.ts[\s\S]*Unhandled promise rejection outside any test[\s\S]*after-suite rejection/);
  expect(output).toMatch(/PASS .*clean\.fixture\.ts/);
});
