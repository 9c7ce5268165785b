/**
 * ESLint rule `local/no-import-cycles`: no module of lib/ may reach itself through its relative
 * imports, type-only imports included (a type cycle is still two modules that cannot be read,
 * moved or tested apart). Reports the import that closes the cycle, with the whole path.
 *
 * The file being linted is read from ESLint's AST, so the report points at the right line; the
 * modules it reaches are read from disk (their `import`/`export ... from` lines), once per run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const FROM = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/gm;
const BARE = /^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), or undefined. */
function resolveSpecifier(fromFile, specifier) {
  const target = resolve(dirname(fromFile), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, resolve(target, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const importsOnDisk = new Map();

/** The modules `file` imports, from its text on disk. */
function importsOf(file) {
  let found = importsOnDisk.get(file);
  if (found) return found;
  const text = readFileSync(file, 'utf8');
  found = [];
  for (const pattern of [FROM, BARE]) {
    for (const match of text.matchAll(pattern)) {
      const target = resolveSpecifier(file, match[1]);
      if (target) found.push(target);
    }
  }
  importsOnDisk.set(file, found);
  return found;
}

/** A path from `start` back to `goal` through imports, or undefined. Breadth first: the shortest. */
function pathBack(start, goal, within) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const next of importsOf(file)) {
      if (!next.startsWith(within)) continue;
      if (next === goal) {
        const path = [goal, file];
        for (let at = previous.get(file); at !== undefined; at = previous.get(at)) path.push(at);
        return path.reverse();
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return undefined;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles between modules (type-only imports included).' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: { cycle: 'Import cycle: {{path}}. Move what both need into a module below them, or pass it in.' },
  },
  create(context) {
    const file = context.filename;
    const root = resolve(context.cwd, context.options[0]?.root ?? 'lib');
    if (!file.startsWith(root)) return {};
    const check = (node) => {
      if (!node.source || typeof node.source.value !== 'string' || !node.source.value.startsWith('.')) return;
      const target = resolveSpecifier(file, node.source.value);
      if (!target || !target.startsWith(root)) return;
      const path = target === file ? [file, file] : pathBack(target, file, root);
      if (!path) return;
      const shown = (target === file ? path : [file, ...path]).map((p) => relative(context.cwd, p)).join(' -> ');
      context.report({ node: node.source, messageId: 'cycle', data: { path: shown } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
