// ESLint flat config of nuts-lsp-lab (`npm run lint`): the recommended JavaScript and typescript-eslint rules, kept modest on purpose.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', '.data/**', 'test/artifacts/**', 'reports/**', 'tools/lint/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', Request: 'readonly', Response: 'readonly', Headers: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', performance: 'readonly', crypto: 'readonly', document: 'readonly', window: 'readonly', navigator: 'readonly', location: 'readonly', HTMLElement: 'readonly', Event: 'readonly' },
    },
    rules: {
      // `_name` marks a parameter or a destructured part left out on purpose (express error handlers need four arguments)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      // a `let` read by a closure before its one assignment is late binding (the composition root's engine set), not a missed const
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
);
