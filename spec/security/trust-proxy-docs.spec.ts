/**
 * Issue 18, defect 4: the docs must not make client addresses spoofable. With `trust proxy`
 * set on an app that clients reach directly, any `X-Forwarded-For` becomes `req.ip`, and the
 * sign-in limits (which key on the address the app trusts) are void. So every code block of
 * README.md and EXAMPLES.md sets `trust proxy` only from configuration (an environment
 * variable, or inside an `if`), never as a bare literal, and each document says why.
 */
import { readFileSync } from 'node:fs';

const DOCS = ['README.md', 'EXAMPLES.md'];

/** The TypeScript and JavaScript code blocks of a Markdown file. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```(?:ts|js|typescript|javascript)\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test.each(DOCS)('%s sets `trust proxy` only from configuration', (doc) => {
  const md = readFileSync(doc, 'utf8');
  const settings = codeBlocks(md)
    .flatMap((block) => block.split('\n'))
    .filter((line) => /\.set\(\s*['"]trust proxy['"]/.test(line));
  expect(settings.length).toBeGreaterThan(0);
  for (const line of settings) {
    const fromConfiguration = /process\.env\.|\bconfig\b|\btrustProxy\b/.test(line) || /^\s*if\s*\(/.test(line);
    expect({ line, fromConfiguration }).toEqual({ line, fromConfiguration: true });
  }
});

test.each(DOCS)('%s says why: X-Forwarded-For is anyone\'s to write unless a proxy of yours sets it', (doc) => {
  const prose = readFileSync(doc, 'utf8').replace(/```[\s\S]*?```/g, '');
  const paragraphs = prose.split(/\n\s*\n/).filter((p) => /trust proxy/.test(p) && /X-Forwarded-For/.test(p));
  expect(paragraphs.length).toBeGreaterThan(0);
  expect(paragraphs.join('\n')).toMatch(/limit/i);
});
