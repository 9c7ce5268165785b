/** @type {import('jest').Config} */
export default {
  // Node's environment plus a trap that fails the suite on any unhandled rejection.
  testEnvironment: '<rootDir>/spec/support/unhandled-trap-environment.ts',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // openid-client and its helpers ship ESM only; let swc turn them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'],
  moduleNameMapper: {
    '^express-egnyte-auth$': '<rootDir>/lib/index.ts',
    '^express-egnyte-auth/testing$': '<rootDir>/lib/testing/index.ts',
    '^express-egnyte-auth/redis$': '<rootDir>/lib/redis.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 30000,
};
