/**
 * The demo's settings: validation is pure and names every problem in one message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoConfigError, formatProblems, loadConfig, parseDotEnv, validateConfig } from '../demo-app/config.js';

const GOOD_REAL = {
  EGNYTE_CLIENT_ID: 'key-123',
  EGNYTE_CLIENT_SECRET: 'very-secret-value',
  BASE_URL: 'https://demo.example.com/',
  EGNYTE_REGION: 'eu',
  SESSION_SECRET: 'x'.repeat(40),
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  const result = validateConfig(env);
  if (result.ok) throw new Error('expected problems, got a valid config');
  return result.problems;
}

describe('validateConfig', () => {
  it('runs against the emulator when neither EGNYTE_CLIENT_ID nor EGNYTE_CLIENT_SECRET is set', () => {
    const result = validateConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.mode).toBe('emulator');
    expect(result.config.port).toBe(3000);
    expect(result.config.region).toBe('us');
    expect(result.config.baseUrl).toBeUndefined();
    expect(result.config.clientId).toBeUndefined();
    // A random secret per start, long enough.
    expect(result.config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    const again = validateConfig({});
    expect(again.ok && again.config.sessionSecret).not.toBe(result.config.sessionSecret);
  });

  it('treats empty or blank credentials as absent', () => {
    const result = validateConfig({ EGNYTE_CLIENT_ID: '', EGNYTE_CLIENT_SECRET: '  ' });
    expect(result.ok && result.config.mode).toBe('emulator');
  });

  it('listens on 127.0.0.1 unless HOST says otherwise (the emulator signs anyone in)', () => {
    const byDefault = validateConfig({});
    expect(byDefault.ok && byDefault.config.host).toBe('127.0.0.1');
    const blank = validateConfig({ HOST: '  ' });
    expect(blank.ok && blank.config.host).toBe('127.0.0.1');
    const all = validateConfig({ HOST: '0.0.0.0' });
    expect(all.ok && all.config.host).toBe('0.0.0.0');
  });

  it('accepts PORT=0 and an http BASE_URL on localhost in emulator mode', () => {
    const result = validateConfig({ PORT: '0', BASE_URL: 'http://localhost:4000/' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.port).toBe(0);
    expect(result.config.baseUrl).toBe('http://localhost:4000');
  });

  it('reads a complete real configuration, normalising what people type', () => {
    const result = validateConfig({
      ...GOOD_REAL,
      EGNYTE_REGION: ' EU ',
      EGNYTE_DOMAIN: ' ACME.egnyte.com ',
      EGNYTE_SCOPE: 'Egnyte.user, Egnyte.filesystem',
      TRUST_PROXY: '1',
      PORT: '8080',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        mode: 'real',
        port: 8080,
        host: '127.0.0.1',
        region: 'eu',
        baseUrl: 'https://demo.example.com',
        clientId: 'key-123',
        clientSecret: 'very-secret-value',
        domain: 'acme.egnyte.com',
        scope: 'Egnyte.user Egnyte.filesystem',
        sessionSecret: 'x'.repeat(40),
        trustProxy: 1,
      },
    });
  });

  it('names every missing setting of real mode at once', () => {
    const problems = problemsOf({ EGNYTE_CLIENT_ID: 'key-123' });
    const text = problems.join('\n');
    expect(problems).toHaveLength(4);
    for (const name of ['EGNYTE_CLIENT_SECRET', 'BASE_URL', 'EGNYTE_REGION', 'SESSION_SECRET']) expect(text).toContain(name);
    expect(text).not.toMatch(/EGNYTE_CLIENT_ID is missing/);
  });

  it('names EGNYTE_CLIENT_ID when only the secret is set, without echoing the secret', () => {
    const problems = problemsOf({ ...GOOD_REAL, EGNYTE_CLIENT_ID: undefined });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/EGNYTE_CLIENT_ID is missing/);
    expect(problems.join('\n')).not.toContain(GOOD_REAL.EGNYTE_CLIENT_SECRET);
  });

  it('names every wrong value at once', () => {
    const problems = problemsOf({
      ...GOOD_REAL,
      PORT: 'abc',
      EGNYTE_REGION: 'asia',
      BASE_URL: 'http://demo.example.com',
      SESSION_SECRET: 'short-secret',
      EGNYTE_DOMAIN: 'acme.egnyte.com.evil.com',
      TRUST_PROXY: '<script>',
    });
    expect(problems).toHaveLength(6);
    const text = problems.join('\n');
    expect(text).toMatch(/PORT must be a number/);
    expect(text).toMatch(/EGNYTE_REGION must be "us" or "eu", not "asia"/);
    expect(text).toMatch(/BASE_URL must use https/);
    expect(text).toMatch(/SESSION_SECRET is too short \(12 characters\)/);
    expect(text).toMatch(/EGNYTE_DOMAIN must be an Egnyte domain/);
    expect(text).toMatch(/TRUST_PROXY must be/);
    // Secrets are described, never quoted.
    expect(text).not.toContain('short-secret');
    expect(text).not.toContain(GOOD_REAL.EGNYTE_CLIENT_SECRET);
  });

  it('refuses BASE_URL values that are not origins', () => {
    expect(problemsOf({ ...GOOD_REAL, BASE_URL: 'demo.example.com' })[0]).toMatch(/absolute URL/);
    expect(problemsOf({ ...GOOD_REAL, BASE_URL: 'ftp://demo.example.com' })[0]).toMatch(/https:\/\//);
    expect(problemsOf({ ...GOOD_REAL, BASE_URL: 'https://demo.example.com/?a=1' })[0]).toMatch(/without query/);
  });

  it('validates EGNYTE_DOMAIN against EGNYTE_HOST_SUFFIXES', () => {
    const ok = validateConfig({ ...GOOD_REAL, EGNYTE_HOST_SUFFIXES: 'qa-egnyte.com', EGNYTE_DOMAIN: 'acme' });
    expect(ok.ok && ok.config.domain).toBe('acme.qa-egnyte.com');
    expect(problemsOf({ ...GOOD_REAL, EGNYTE_HOST_SUFFIXES: 'not a suffix!' })[0]).toMatch(/EGNYTE_HOST_SUFFIXES/);
  });

  it('checks SESSION_SECRET in emulator mode too when it is set', () => {
    expect(problemsOf({ SESSION_SECRET: 'abc' })[0]).toMatch(/SESSION_SECRET is too short/);
  });
});

describe('--instances and REDIS_URL', () => {
  it('runs in memory, as one instance, unless told otherwise', () => {
    const result = validateConfig({});
    expect(result.ok && result.config.instances).toBeUndefined();
    expect(result.ok && result.config.redisUrl).toBeUndefined();
  });

  it('reads --instances N and --instances=N, and a redis:// or rediss:// REDIS_URL', () => {
    const spaced = validateConfig({}, { args: ['--instances', '3'], redisServerInstalled: true });
    expect(spaced.ok && spaced.config.instances).toBe(3);
    const inline = validateConfig({ REDIS_URL: 'rediss://user:pw@redis.example.com:6380/2' }, { args: ['--instances=16'], redisServerInstalled: false });
    expect(inline.ok && inline.config).toMatchObject({ instances: 16, redisUrl: 'rediss://user:pw@redis.example.com:6380/2' });
    const single = validateConfig({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(single.ok && single.config).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379' });
    expect(single.ok && single.config.instances).toBeUndefined();
  });

  it('names a bad count, an unknown argument and a malformed REDIS_URL together, never quoting its password', () => {
    const result = validateConfig({ REDIS_URL: 'redis://user:hunter2@' }, { args: ['--instances', '0', '--verbose'] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(3);
    expect(result.problems[0]).toBe('--instances must be followed by a whole number from 1 to 16 (e.g. npm run demo -- --instances 3), not "0".');
    expect(result.problems[1]).toMatch(/^Unknown argument "--verbose"/);
    expect(result.problems[2]).toMatch(/^REDIS_URL must/);
    expect(result.problems.join('\n')).not.toContain('hunter2');
    expect(result.problems[2]).toContain('redis://***@');
  });

  it('refuses counts that are not whole numbers from 1 to 16, and a missing count', () => {
    for (const args of [['--instances', '17'], ['--instances', '-1'], ['--instances', '2.5'], ['--instances=abc'], ['--instances']]) {
      const result = validateConfig({}, { args });
      expect([args, result.ok]).toEqual([args, false]);
    }
    const missing = validateConfig({}, { args: ['--instances'] });
    expect(!missing.ok && missing.problems[0]).toMatch(/, not nothing\.$/);
  });

  it('refuses REDIS_URL values that are not Redis URLs', () => {
    expect(problemsOf({ REDIS_URL: 'localhost:6379' })[0]).toMatch(/REDIS_URL must start with redis:\/\//);
    expect(problemsOf({ REDIS_URL: '127.0.0.1:6379' })[0]).toMatch(/REDIS_URL must be a URL such as redis:\/\/127\.0\.0\.1:6379/);
    expect(problemsOf({ REDIS_URL: 'redis://127.0.0.1:6379/0?x=1' })[0]).toMatch(/database number/);
  });

  it('with --instances and no REDIS_URL, needs redis-server installed, and says what to do', () => {
    const result = validateConfig({}, { args: ['--instances', '3'], redisServerInstalled: false });
    expect(!result.ok && result.problems).toEqual([
      '--instances needs a Redis that the instances share: set REDIS_URL (e.g. redis://127.0.0.1:6379), or install redis-server (/usr/bin/redis-server is missing) and the demo starts a private one.',
    ]);
    expect(validateConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }, { args: ['--instances', '3'], redisServerInstalled: false }).ok).toBe(true);
    expect(validateConfig({}, { redisServerInstalled: false }).ok).toBe(true);
  });
});

describe('formatProblems / DemoConfigError', () => {
  it('makes ONE message naming each problem', () => {
    const err = new DemoConfigError(['A is wrong.', 'B is missing.']);
    expect(err.message).toBe(formatProblems(['A is wrong.', 'B is missing.']));
    expect(err.message).toMatch(/^The demo cannot start: 2 settings are wrong\.\n {2}- A is wrong\.\n {2}- B is missing\./);
    expect(err.message).toMatch(/local Egnyte emulator/);
    expect(new DemoConfigError(['A.']).message).toMatch(/1 setting is wrong/);
  });
});

describe('parseDotEnv', () => {
  it('reads KEY=value lines, comments, export and quotes', () => {
    expect(
      parseDotEnv([
        '# a comment',
        '',
        'EGNYTE_REGION=eu',
        'export PORT = 4000 # trailing comment',
        'SESSION_SECRET="has # hash and spaces"',
        "EGNYTE_SCOPE='Egnyte.user Egnyte.filesystem'",
        'MULTI="a\\nb"',
        'not a line',
        'EMPTY=',
      ].join('\r\n')),
    ).toEqual({
      EGNYTE_REGION: 'eu',
      PORT: '4000',
      SESSION_SECRET: 'has # hash and spaces',
      EGNYTE_SCOPE: 'Egnyte.user Egnyte.filesystem',
      MULTI: 'a\nb',
      EMPTY: '',
    });
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'demo-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .env from the directory; the environment wins over the file', () => {
    writeFileSync(join(dir, '.env'), Object.entries(GOOD_REAL).map(([k, v]) => `${k}=${v}`).join('\n') + '\nPORT=5000\n');
    const config = loadConfig({ PORT: '6000' }, dir);
    expect(config.mode).toBe('real');
    expect(config.port).toBe(6000);
    expect(config.region).toBe('eu');
  });

  it('throws one DemoConfigError naming every problem', () => {
    writeFileSync(join(dir, '.env'), 'EGNYTE_CLIENT_ID=key\nEGNYTE_REGION=mars\n');
    let caught: unknown;
    try {
      loadConfig({}, dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DemoConfigError);
    const err = caught as DemoConfigError;
    expect(err.problems).toHaveLength(4);
    for (const name of ['EGNYTE_CLIENT_SECRET', 'BASE_URL', 'EGNYTE_REGION', 'SESSION_SECRET']) expect(err.message).toContain(name);
  });

  it('ignores a missing .env, and DEMO_ENV_FILE= (empty) disables the file', () => {
    expect(loadConfig({}, dir).mode).toBe('emulator');
    writeFileSync(join(dir, '.env'), 'EGNYTE_CLIENT_ID=key\n');
    expect(loadConfig({ DEMO_ENV_FILE: '' }, dir).mode).toBe('emulator');
  });

  it('reports an explicitly named settings file that does not exist', () => {
    expect(() => loadConfig({ DEMO_ENV_FILE: 'nope.env' }, dir)).toThrow(/Could not read the settings file/);
  });
});
