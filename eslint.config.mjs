// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'infra/**',
      'coverage/**',
      'data/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.d.ts',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  // Front doors (docs/architecture.md, "Module map"): each area of libs/tasks is used through its
  // index.ts only, so what an area exports is what others may use.
  {
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@app/tasks/[^/]+/',
              message: 'Import the area through its index: @app/tasks/<area>.',
            },
            {
              regex: '^@app/tasks$',
              message: 'libs/tasks has no root entry: import @app/tasks/<area>.',
            },
            {
              regex: '(^|/)libs/tasks/src(/|$)',
              message: 'Outside libs/tasks, import @app/tasks/<area>, not a relative path.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/tasks/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@app/tasks(/|$)',
              message:
                'Inside libs/tasks, import another area relatively through its index: ../<area>.',
            },
            {
              regex: '^\\.\\./[^./][^/]*/',
              message: 'Import another area through its index (../<area>), not a file behind it.',
            },
            {
              regex: '^\\./engine/',
              message: 'The even-sum engine has one entry point: ./engine.',
            },
          ],
        },
      ],
    },
  },
  // The even-sum engine is pure: no Nest, nothing from outside its folder (its specs may use the
  // CLI's number generator).
  {
    files: ['libs/tasks/src/even-sum/engine/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@app/|@nestjs/|\\.\\./)',
              message: 'The even-sum engine imports only its own files and plain packages.',
            },
          ],
        },
      ],
    },
  },
);
