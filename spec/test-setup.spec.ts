/**
 * `npm run test:setup` (scripts/install-test-deps.sh) with apt-get, dpkg-query and id
 * replaced by recording stand-ins on PATH: what it would install, and how.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '..', 'scripts', 'install-test-deps.sh');

let bin: string;
beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'test-setup-'));
  // Only these commands exist: no redis-server, and fonts-liberation is not installed.
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub('apt-get', `echo "apt-get $*" >> "${bin}/calls"`);
  stub('dpkg-query', 'exit 1');
  stub('id', 'echo 0');
  symlinkSync('/bin/grep', join(bin, 'grep'));
});
afterEach(() => rmSync(bin, { recursive: true, force: true }));

it('installs only what is missing, without recommended packages, fonts asked for by name', async () => {
  const { stdout } = await run('/bin/bash', [SCRIPT], { env: { PATH: bin } });
  const calls = readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n');
  const chromium = (await run('/bin/bash', ['-c', '[ -x /usr/bin/chromium ] && echo yes || echo no'])).stdout.trim() === 'no' ? ' chromium' : '';
  expect(calls).toEqual(['apt-get update -qq', `apt-get install -y -qq --no-install-recommends redis-server${chromium} fonts-liberation`]);
  expect(stdout).toContain('(without recommended packages)');
});
