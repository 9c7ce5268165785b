/**
 * The package warns once per egnyteAuth() instance, through process.emitWarning (code
 * EGNYTE_AUTH_COOKIE), when the session cookie cannot survive Egnyte's redirect or is not
 * secure behind an https baseUrl.
 */
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { COOKIE_WARNING_CODE, cookieProblems } from '../../lib/config/cookie-check.js';
import { egnyteAuth } from '../../lib/index.js';

type Warned = { message: string; code?: string; type?: string };

let warnings: Warned[];
let spy: jest.SpyInstance;
beforeEach(() => {
  warnings = [];
  spy = jest.spyOn(process, 'emitWarning').mockImplementation(((message: string | Error, options?: { code?: string; type?: string }) => {
    warnings.push({ message: String(message), ...(options?.code ? { code: options.code } : {}), ...(options?.type ? { type: options.type } : {}) });
  }) as typeof process.emitWarning);
});
afterEach(() => spy.mockRestore());

function appWith(cookie: session.CookieOptions, baseUrl = 'http://localhost:3000'): express.Express {
  const app = express();
  app.use(session({ secret: 'x'.repeat(32), resave: false, saveUninitialized: false, cookie }));
  app.use(egnyteAuth({ clientId: 'id', clientSecret: 'secret', baseUrl }));
  app.get('/', (_req, res) => res.send('ok'));
  return app;
}

test.each([
  ['sameSite strict', { sameSite: 'strict' as const }, 'http://localhost:3000', /sameSite "strict"/],
  ['sameSite true (= strict)', { sameSite: true }, 'http://localhost:3000', /sameSite "strict"/],
  ['sameSite none without secure', { sameSite: 'none' as const }, 'http://localhost:3000', /"none" without "secure"/],
  ['https baseUrl, cookie not secure', { sameSite: 'lax' as const }, 'https://app.example.com', /baseUrl is https but the session cookie is not "secure"/],
])('%s: one warning, on the first request only', async (_name, cookie, baseUrl, pattern) => {
  const app = appWith(cookie, baseUrl);
  expect(warnings).toEqual([]);
  await request(app).get('/');
  await request(app).get('/egnyte/login');
  await request(app).get('/');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ code: COOKIE_WARNING_CODE, type: 'EgnyteAuthWarning' });
  expect(warnings[0]!.message).toMatch(pattern);
  expect(warnings[0]!.message).toMatch(/^express-egnyte-auth: /);
});

test.each([
  ['lax over http on localhost', { sameSite: 'lax' as const }, 'http://localhost:3000'],
  ['no sameSite (browser default lax)', {}, 'http://localhost:3000'],
  ['lax + secure behind https', { sameSite: 'lax' as const, secure: true }, 'https://app.example.com'],
  ['none + secure behind https', { sameSite: 'none' as const, secure: true }, 'https://app.example.com'],
])('%s: no warning', async (_name, cookie, baseUrl) => {
  const app = appWith(cookie, baseUrl);
  await request(app).get('/');
  expect(warnings).toEqual([]);
});

test('each egnyteAuth() instance warns once for itself', async () => {
  await request(appWith({ sameSite: 'strict' })).get('/');
  await request(appWith({ sameSite: 'strict' })).get('/');
  expect(warnings).toHaveLength(2);
});

test('several problems are reported in one warning', async () => {
  await request(appWith({ sameSite: 'none' }, 'https://app.example.com')).get('/');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]!.message).toMatch(/"none" without "secure".*baseUrl is https/);
});

test('cookieProblems is pure and tolerant', () => {
  expect(cookieProblems(undefined, 'https://a.example')).toEqual([]);
  expect(cookieProblems({ sameSite: 'Strict' }, 'http://localhost')).toHaveLength(1);
  expect(cookieProblems({ sameSite: 'lax', secure: true }, 'https://a.example')).toEqual([]);
});
