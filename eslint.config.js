// Lint: typescript-eslint recommended rules on our own sources; fixtures are test data.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'native/build/**', 'web/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', globalThis: 'readonly' },
    },
    rules: {
      // `any` is allowed only with a comment saying why (eslint-disable-next-line + reason).
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', EventSource: 'readonly', FormData: 'readonly', location: 'readonly', localStorage: 'readonly', Blob: 'readonly', URLSearchParams: 'readonly', XMLHttpRequest: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', Document: 'readonly', CSS: 'readonly' } },
  },
);
