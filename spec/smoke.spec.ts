import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

test('signs in through the Enhanced Auth Service and reads /me', async () => {
  const browser = h.browser();
  const landed = await browser.signIn('ACME.egnyte.com ', { returnTo: '/me' });
  expect(landed.status).toBe(200);
  expect(JSON.parse(landed.body)).toMatchObject({ domain: 'acme.egnyte.com', user: { username: 'jsmith', firstName: 'Jane' } });
  expect(h.emulator.calls).toMatchObject({ enhancedAuth: 1, authorize: 1, token: 1, userinfo: 1 });
});
