// ESLint: typescript-eslint's type-checked recommendations over the
// TypeScript of src/, test/, bench/ and demo/, and the layering of
// docs/architecture.md §1 as import rules per folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test/fixtures/**'],
  },
  {
    files: ['**/*.js'],
    extends: [js.configs.recommended],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // node:test's test(), it(), describe() and suite() return promises the
      // runner itself awaits; a top-level call is never a floating promise.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      // Off: every finding (23 of 23) was a synchronous implementation of a
      // Promise-returning interface (sign, sleep, close, verify, listTags),
      // where `async` is what turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Abort paths reject with `signal.reason`, which the DOM and Node types
      // declare as `any`; that is the value the AbortSignal contract asks for.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests stringify untyped, often deliberately hostile JSON values; there
      // '[object Object]' is as good a non-date or non-base64 as any other.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
);
