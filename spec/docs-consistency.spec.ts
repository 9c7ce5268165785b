/**
 * The docs agree with the code (issue 20, point 5): one list of error codes, holding every
 * `EgnyteAuthErrorCode` with its status; no version the package has not reached; one TSDoc
 * comment per declaration; the `postLogoutRedirect` default as the code has it; one duration
 * for the bench. (Where a background job keeps `loginId`s runs as spec/examples/background-jobs.spec.ts.)
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../lib/config/options.js';
import { DEFAULT_STATUS, type EgnyteAuthErrorCode } from '../lib/errors/errors.js';

const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const CODES = Object.keys(DEFAULT_STATUS) as EgnyteAuthErrorCode[];

describe('error codes', () => {
  const troubleshooting = read('TROUBLESHOOTING.md');
  const section = troubleshooting.slice(troubleshooting.indexOf('## Error codes'), troubleshooting.indexOf('\n## ', troubleshooting.indexOf('## Error codes') + 1));
  const rows = [...section.matchAll(/^\| `([a-z_]+)` \| ([^|]+) \|/gm)].map((m) => ({ code: m[1]!, status: m[2]!.trim() }));

  test('TROUBLESHOOTING.md lists every code once, and nothing else', () => {
    expect(rows.map((r) => r.code).sort()).toEqual([...CODES].sort());
  });

  test('each with the status the package answers by default', () => {
    for (const { code, status } of rows) expect([code, status]).toEqual([code, expect.stringContaining(String(DEFAULT_STATUS[code as EgnyteAuthErrorCode]))]);
  });

  test.each(['README.md', 'EXAMPLES.md'])('%s links to that list instead of keeping a list of its own', (doc) => {
    const text = read(doc);
    expect(text).toMatch(/TROUBLESHOOTING\.md#error-codes/);
    for (const paragraph of text.split(/\n\s*\n/)) {
      const named = CODES.filter((code) => paragraph.includes(`\`${code}\``)).length;
      expect({ doc, paragraph: paragraph.slice(0, 80), aList: named > 8 }).toEqual({ doc, paragraph: paragraph.slice(0, 80), aList: false });
    }
  });
});

test('no doc speaks of a version the package has not reached', () => {
  const version = (JSON.parse(read('package.json')) as { version: string }).version.split('.').map(Number);
  const later = (v: string) => {
    const parts = v.split('.').map(Number);
    for (let i = 0; i < 3; i++) if ((parts[i] ?? 0) !== (version[i] ?? 0)) return (parts[i] ?? 0) > (version[i] ?? 0);
    return false;
  };
  for (const doc of ['README.md', 'EXAMPLES.md', 'TROUBLESHOOTING.md', 'SECURITY.md']) {
    const mentions = [...read(doc).matchAll(/\b(?:[Ss]ince|[Ff]rom|[Uu]ntil|before) (?:version |v)?(\d+\.\d+(?:\.\d+)?)\b/g)].map((m) => m[1]!);
    expect({ doc, later: mentions.filter(later) }).toEqual({ doc, later: [] });
  }
});

test('no declaration in lib/ has two TSDoc comments', () => {
  const files = readdirSync(join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const doubled = files.filter((f) => /\*\/\n[ \t]*\/\*\*/.test(read(join('lib', f))));
  expect(doubled).toEqual([]);
});

test("postLogoutRedirect's default is baseUrl's path + '/', in the code, the types and README", () => {
  expect(resolveConfig({ clientId: 'k', clientSecret: 's', baseUrl: 'https://x.example/app' }).postLogoutRedirect).toBe('/app/');
  expect(resolveConfig({ clientId: 'k', clientSecret: 's', baseUrl: 'https://x.example' }).postLogoutRedirect).toBe('/');
  const types = read('lib/types.ts');
  const doc = types.slice(types.lastIndexOf('/**', types.indexOf('postLogoutRedirect?: string;')), types.indexOf('postLogoutRedirect?: string;'));
  expect(doc).toMatch(/Default: the app's home, `baseUrl`'s path \+ `\/`/);
  expect(read('README.md')).toMatch(/\| `postLogoutRedirect` \| `baseUrl`'s path \+ `\/` \|/);
});

test('README gives one duration for npm run bench', () => {
  const durations = new Set([...read('README.md').matchAll(/about (\w+) minutes/g)].map((m) => m[1]));
  expect(durations.size).toBe(1);
});
