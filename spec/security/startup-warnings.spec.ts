/**
 * Issue 18, defect 9: quiet misconfigurations get a start-up warning through the existing
 * channel (`process.emitWarning`, type `EgnyteAuthWarning`), once per `egnyteAuth()`:
 *
 * - `endpoints` that send the client secret, codes and tokens to plain-http hosts in
 *   production (`NODE_ENV=production` and an https `baseUrl`): code `EGNYTE_AUTH_ENDPOINTS`;
 * - a session cookie readable by page scripts (`httpOnly: false`): code `EGNYTE_AUTH_COOKIE`.
 *
 * (The emulator's default key and redirect URIs: spec/emulator/redirect-uris.spec.ts.)
 */
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { egnyteAuth, type EgnyteAuthOptions } from '../../lib/index.js';
import { emulatorEndpoints } from '../../lib/testing/index.js';

type Warned = { message: string; code?: string; type?: string };

let warnings: Warned[];
let spy: jest.SpyInstance;
const nodeEnv = process.env.NODE_ENV;
beforeEach(() => {
  warnings = [];
  spy = jest.spyOn(process, 'emitWarning').mockImplementation(((message: string | Error, options?: { code?: string; type?: string }) => {
    warnings.push({ message: String(message), ...(options?.code ? { code: options.code } : {}), ...(options?.type ? { type: options.type } : {}) });
  }) as typeof process.emitWarning);
});
afterEach(() => {
  spy.mockRestore();
  process.env.NODE_ENV = nodeEnv;
});

const BASE = { clientId: 'id', clientSecret: 'secret' };
const HTTP_ENDPOINTS = emulatorEndpoints('http://127.0.0.1:4000');

function appWith(auth: Partial<EgnyteAuthOptions> & { baseUrl: string }, cookie: session.CookieOptions = { sameSite: 'lax', secure: auth.baseUrl.startsWith('https:') }): express.Express {
  const app = express();
  app.use(session({ secret: 'x'.repeat(32), resave: false, saveUninitialized: false, cookie }));
  app.use(egnyteAuth({ ...BASE, ...auth }));
  app.get('/', (_req, res) => res.send('ok'));
  return app;
}

const of = (code: string): Warned[] => warnings.filter((w) => w.code === code);

describe('plain-http endpoints in production', () => {
  test('NODE_ENV=production, https baseUrl, emulator endpoints on http: one warning naming the hosts', async () => {
    process.env.NODE_ENV = 'production';
    const app = appWith({ baseUrl: 'https://app.example.com', endpoints: HTTP_ENDPOINTS });
    await request(app).get('/');
    await request(app).get('/');
    expect(of('EGNYTE_AUTH_ENDPOINTS')).toHaveLength(1);
    const [warning] = of('EGNYTE_AUTH_ENDPOINTS');
    expect(warning).toMatchObject({ type: 'EgnyteAuthWarning' });
    expect(warning!.message).toMatch(/^express-egnyte-auth: /);
    expect(warning!.message).toContain('http://127.0.0.1:4000');
    expect(warning!.message).toMatch(/client secret/);
  });

  test('only the Enhanced Auth Service URL on http is enough to warn', async () => {
    process.env.NODE_ENV = 'production';
    await request(appWith({ baseUrl: 'https://app.example.com', endpoints: { enhancedAuth: { us: 'http://eas.internal/services/oauth/code' } } })).get('/');
    expect(of('EGNYTE_AUTH_ENDPOINTS')).toHaveLength(1);
  });

  test.each([
    ['not production', 'test', 'https://app.example.com', HTTP_ENDPOINTS],
    ['production on localhost over http (a local run)', 'production', 'http://localhost:3000', HTTP_ENDPOINTS],
    ["production with Egnyte's own hosts", 'production', 'https://app.example.com', undefined],
    ['production with https endpoints', 'production', 'https://app.example.com', { domainBaseUrl: (host: string) => `https://${host}`, enhancedAuth: { us: 'https://eas.example/services/oauth/code' } }],
  ])('%s: no warning', async (_name, env, baseUrl, endpoints) => {
    process.env.NODE_ENV = env;
    await request(appWith({ baseUrl, ...(endpoints ? { endpoints } : {}) })).get('/');
    expect(of('EGNYTE_AUTH_ENDPOINTS')).toEqual([]);
  });
});

describe('a session cookie scripts can read', () => {
  test('httpOnly: false: one warning on the first request', async () => {
    const app = appWith({ baseUrl: 'http://localhost:3000' }, { sameSite: 'lax', httpOnly: false });
    await request(app).get('/');
    await request(app).get('/');
    const cookie = of('EGNYTE_AUTH_COOKIE');
    expect(cookie).toHaveLength(1);
    expect(cookie[0]).toMatchObject({ type: 'EgnyteAuthWarning' });
    expect(cookie[0]!.message).toMatch(/httpOnly/);
  });

  test("httpOnly left at express-session's default (true): no warning", async () => {
    await request(appWith({ baseUrl: 'http://localhost:3000' }, { sameSite: 'lax' })).get('/');
    expect(warnings).toEqual([]);
  });
});
