import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import noImportCycles from './eslint-rules/no-import-cycles.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'demo-app/.screenshots/', 'spec/.artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // lib/ reads as layers (config, flow, guard, login, session, egnyte; coordination and testing
    // apart): no module may reach itself through its imports, type-only ones included.
    files: ['lib/**/*.ts'],
    plugins: { local: { rules: { 'no-import-cycles': noImportCycles } } },
    rules: { 'local/no-import-cycles': 'error' },
  },
);
