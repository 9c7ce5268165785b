/**
 * Every TypeScript snippet of README.md and EXAMPLES.md, and every `@example` of the public API's
 * TSDoc, compiles as a new user's app would compile it: strict, `module: nodenext`, against the
 * packed package installed in a fresh folder with what the snippets import.
 *
 * A snippet that starts with a file name comment (`// app.ts`) is that file, beside the other
 * files of its section (so `./app.js` resolves). Fragments continue an app the docs describe:
 * the few names they share (`app`, `options`, ...) are declared once below, as globals, so a
 * snippet that declares its own shadows them. Everything a snippet imports it must import
 * itself: nothing is added to it.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT, freshFolder } from './support/packed-package.js';

jest.setTimeout(120_000);

/** What the docs' fragments take as given: the app they continue and the app's own helpers. */
const CONTEXT = `
import type { Express, RequestHandler } from 'express';
import type { EgnyteAuthOptions } from 'express-egnyte-auth';
declare global {
  /** The Express app of the recipe a fragment continues. */
  const app: Express;
  /** That app's egnyteAuth() options. */
  const options: EgnyteAuthOptions;
  /** A route handler of the app. */
  const handler: RequestHandler;
  /** The app's own records (README's hooks example). */
  const accounts: { find(subject: string): Promise<{ id: string; plan: string } | undefined> };
  /** The app's audit log (README's hooks example). */
  const audit: { write(event: string, ...details: unknown[]): void };
}
export {};
`;

interface Snippet {
  /** Where it comes from, for failure messages: 'README.md:120'. */
  origin: string;
  /** Path in the snippets folder. */
  file: string;
  code: string;
}

/** The ```ts blocks of a markdown file, each in the folder of its `##` section. */
function markdownSnippets(doc: string): Snippet[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const snippets: Snippet[] = [];
  let section = 0;
  let index = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith('## ')) section++;
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    const block = lines.slice(start, end);
    // Blocks indented in a list item are dedented as the list renders them.
    const indent = Math.min(...block.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
    const code = block.map((l) => l.slice(indent)).join('\n');
    const named = /^\/\/ ([\w.-]+\.ts)\b/.exec(code)?.[1];
    snippets.push({ origin: `${doc}:${start}`, file: join(doc.replace(/\.md$/, ''), `section-${section}`, named ?? `snippet-${++index}.ts`), code });
    i = end;
  }
  return snippets;
}

/** The `@example` blocks of everything the package's entry points export, and of the entry points themselves. */
function tsdocSnippets(pkgDir: string): Snippet[] {
  const entries = ['dist/index.d.ts', 'dist/testing/index.d.ts', 'dist/redis.d.ts'].map((f) => join(pkgDir, f));
  const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Node>();
  const snippets: Snippet[] = [];
  const collect = (node: ts.Node, name: string): void => {
    if (seen.has(node)) return;
    seen.add(node);
    for (const tag of ts.getJSDocTags(node)) {
      if (tag.tagName.text !== 'example') continue;
      const comment = ts.getTextOfJSDocComment(tag.comment) ?? '';
      const code = /```ts\n([\s\S]*?)```/.exec(comment)?.[1];
      if (code === undefined) continue;
      const where = relative(pkgDir, node.getSourceFile().fileName);
      snippets.push({ origin: `${where} (${name})`, file: join('tsdoc', `${name.replace(/\W/g, '_')}-${snippets.length}.ts`), code });
    }
  };
  for (const entry of entries) {
    const source = program.getSourceFile(entry)!;
    // The entry point's own comment (@packageDocumentation), attached to its first statement.
    if (source.statements[0]) collect(source.statements[0], relative(pkgDir, entry));
    for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(source)!)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const declaration of symbol.declarations ?? []) collect(declaration, exported.name);
    }
  }
  return snippets;
}

let folder: string;
let snippets: Snippet[];

beforeAll(async () => {
  folder = await freshFolder('snippets', {
    extra: ['@types/node', '@types/jest', 'memorystore', 'connect-redis', 'redis', 'ioredis', 'helmet', 'rate-limiter-flexible', 'supertest', '@types/supertest'],
    manifest: { type: 'module' },
  });
  const pkgDir = join(folder, 'node_modules', 'express-egnyte-auth');
  snippets = [...markdownSnippets('README.md'), ...markdownSnippets('EXAMPLES.md'), ...tsdocSnippets(pkgDir)];
  writeFileSync(join(folder, 'context.ts'), CONTEXT);
  for (const snippet of snippets) {
    mkdirSync(dirname(join(folder, 'snippets', snippet.file)), { recursive: true });
    writeFileSync(join(folder, 'snippets', snippet.file), snippet.code);
  }
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

test('the docs have snippets of each kind, and each section names its files at most once', () => {
  const from = (prefix: string) => snippets.filter((s) => s.origin.startsWith(prefix)).length;
  expect(from('README.md')).toBeGreaterThan(8);
  expect(from('EXAMPLES.md')).toBeGreaterThan(12);
  expect(snippets.filter((s) => s.origin.startsWith('dist/')).map((s) => s.origin)).toEqual(expect.arrayContaining([expect.stringContaining('(requireEgnyteUser)'), expect.stringContaining('(egnytePasswordGrant)')]));
  expect(new Set(snippets.map((s) => s.file)).size).toBe(snippets.length);
});

test('every snippet compiles under strict + nodenext against the packed package', () => {
  const files = [join(folder, 'context.ts'), ...readdirSync(join(folder, 'snippets'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(folder, 'snippets', f))];
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    moduleDetection: ts.ModuleDetectionKind.Force,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const byFile = new Map(snippets.map((s) => [join(folder, 'snippets', s.file), s]));
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const snippet = d.file ? byFile.get(d.file.fileName) : undefined;
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const code = snippet?.code.split('\n')[line - 1]?.trim() ?? '';
    return `${snippet?.origin ?? d.file?.fileName ?? '?'} (line ${line} of the snippet: ${code}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  expect(problems).toEqual([]);
});
