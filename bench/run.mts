/**
 * Benchmarks, printed as ratios against a baseline measured in the same run (machines here
 * are noisy; absolute numbers mean little). `npm run bench`.
 *
 * 1. Guard overhead: a guarded route with a fresh cached user vs the same app's unguarded
 *    route (same session store, same router). Target: ratio <= 1.25.
 * 2. Pure input checks: normalizeEgnyteDomain and sanitizeReturnTo vs a plain URL parse of
 *    the same strings; refusals vs throwing a plain Error. Target: ratio <= 2.
 * 3. Stale-session stampede: 50 concurrent guarded requests on a stale session; upstream
 *    userinfo calls must be 1 (not a timing).
 * 4. Memory: heap retained per signed-in session in the store, and single-flight entries
 *    left after the grace period (target: 0).
 */
import { performance } from 'node:perf_hooks';
import { normalizeEgnyteDomain, sanitizeReturnTo } from '../lib/index.js';
import { startHarness, type TestBrowser } from '../spec/support/harness.js';

const results: Array<{ name: string; value: string; target: string; ok: boolean }> = [];

function record(name: string, value: number, target: number, unit = 'x'): void {
  results.push({ name, value: `${value.toFixed(2)}${unit}`, target: `<= ${target}${unit}`, ok: value <= target });
}

async function timeRequests(browser: TestBrowser, path: string, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const response = await browser.request(path, { accept: 'application/json' });
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        await response.arrayBuffer();
      }
    }),
  );
  return performance.now() - started;
}

async function guardOverhead(): Promise<void> {
  const h = await startHarness({
    routes: (app) => app.get('/plain', (_req, res) => res.json({ ok: true })),
  });
  try {
    const browser = h.browser();
    await browser.signIn('acme', { returnTo: '/me' });
    const rounds = 5;
    let plain = 0;
    let guarded = 0;
    await timeRequests(browser, '/plain', 300, 10); // warm-up
    await timeRequests(browser, '/me', 300, 10);
    // Interleave rounds so drift on a noisy machine hits both sides alike.
    for (let i = 0; i < rounds; i++) {
      plain += await timeRequests(browser, '/plain', 1000, 10);
      guarded += await timeRequests(browser, '/me', 1000, 10);
    }
    console.log(`guard: plain ${(plain / rounds).toFixed(0)} ms, guarded ${(guarded / rounds).toFixed(0)} ms per 1000 requests`);
    record('guarded / unguarded request time (fresh cache)', guarded / plain, 1.25);
    if (h.emulator.calls.userinfo !== 1) throw new Error(`fresh cache made ${h.emulator.calls.userinfo} userinfo calls`);
  } finally {
    await h.close();
  }
}

function timeLoop(fn: (input: string) => unknown, inputs: string[], rounds: number): number {
  const started = performance.now();
  for (let r = 0; r < rounds; r++) for (const input of inputs) fn(input);
  return performance.now() - started;
}

function pureChecks(): void {
  const domains = ['acme', ' ACME.egnyte.com ', 'https://acme.egnyte.com/app/index.do', 'globex.egnyte.com'];
  const hostile = ['evil.com', 'acme.egnyte.com@evil.com', 'acme.egnyte.com:444', '%2e.egnyte.com'];
  const paths = ['/profile', '/a/b?c=d#e', '//evil.com', '/%2F%2Fevil.com', 'https://evil.com', '/files/' + 'x'.repeat(200)];
  const refuse = (fn: () => unknown): unknown => {
    try {
      return fn();
    } catch (err) {
      return err;
    }
  };
  const rounds = 20_000;
  const compare = (name: string, subject: (s: string) => unknown, baseline: (s: string) => unknown, inputs: string[]): void => {
    timeLoop(subject, inputs, 2000); // warm-up
    timeLoop(baseline, inputs, 2000);
    record(name, timeLoop(subject, inputs, rounds) / timeLoop(baseline, inputs, rounds), 2);
  };
  compare('normalizeEgnyteDomain / URL parse (valid input)', (s) => normalizeEgnyteDomain(s), (s) => new URL(`https://${s.trim()}`).hostname, domains);
  // Refusals throw; the fair baseline is throwing a plain Error.
  compare(
    'refusing a hostile domain / throwing an Error',
    (s) => refuse(() => normalizeEgnyteDomain(s)),
    (s) => refuse(() => {
      throw new Error(`"${s}" is not an Egnyte domain`);
    }),
    hostile,
  );
  compare('sanitizeReturnTo / URL parse', (s) => sanitizeReturnTo(s), (s) => refuse(() => new URL(s, 'https://app.example').pathname), paths);
}

async function stampede(): Promise<void> {
  const h = await startHarness({ auth: { userCacheSeconds: 0 } });
  try {
    const browser = h.browser();
    await browser.signIn('acme', { returnTo: '/me' });
    h.emulator.fault({ endpoint: 'userinfo', kind: 'slow', delayMs: 100 });
    const before = h.emulator.calls.userinfo;
    const responses = await Promise.all(Array.from({ length: 50 }, () => browser.request('/me', { accept: 'application/json' })));
    const calls = h.emulator.calls.userinfo - before;
    if (responses.some((r) => r.status !== 200)) throw new Error('stampede: a request failed');
    results.push({ name: 'userinfo calls for 50 concurrent stale requests', value: String(calls), target: '= 1', ok: calls === 1 });
  } finally {
    await h.close();
  }
}

async function memory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const h = await startHarness();
  try {
    const sessions = 200;
    gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < sessions; i++) await h.browser().signIn(i % 2 ? 'acme' : 'globex', { direct: true, returnTo: '/me' });
    gc?.();
    const perSession = (process.memoryUsage().heapUsed - before) / sessions / 1024;
    console.log(`memory: ~${perSession.toFixed(1)} KiB heap per signed-in session (MemoryStore, emulator in-process)${gc ? '' : ' (no --expose-gc: rough)'}`);
    record('heap per signed-in session (KiB, whole test process)', perSession, 64, ' KiB');
  } finally {
    await h.close();
  }
}

await guardOverhead();
pureChecks();
await stampede();
await memory();

console.log('\nbenchmark                                              value      target     ok');
for (const r of results) console.log(`${r.name.padEnd(54)} ${r.value.padEnd(10)} ${r.target.padEnd(10)} ${r.ok ? 'yes' : 'NO'}`);
const bad = results.filter((r) => !r.ok).length;
console.log(`\n${results.length - bad} within target, ${bad} outside`);
process.exitCode = bad > 0 ? 1 : 0;
