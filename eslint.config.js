// Flat config. The import restrictions keep the layers of design §1 apart: src-shared is pure,
// only the Electron entry and the preload import 'electron', the renderer never reaches into src-main.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import regexp from 'eslint-plugin-regexp'
import boundaries from 'eslint-plugin-boundaries'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'worker_threads',
  'url',
  'util',
  'stream',
]

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-results/**',
      'tmp/**',
      'native/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Any pattern that can backtrack super-linearly is a way to freeze the process with one input.
  {
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
    },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only src-main/electron/main.ts and src-preload import electron.',
            },
          ],
        },
      ],
    },
  },
  // Layers as allow-lists (design §1, style guide): what each part may import, nothing else.
  {
    files: ['src-shared/**', 'src-main/**', 'src-preload/**', 'src-renderer/**', 'plugins/**'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    plugins: { boundaries },
    settings: {
      'import/resolver': {
        typescript: {
          project: ['tsconfig.node.json', 'tsconfig.web.json'],
          noWarnOnMultipleProjects: true,
        },
      },
      'boundaries/include': [
        'src-shared/**',
        'src-main/**',
        'src-preload/**',
        'src-renderer/**',
        'plugins/**',
      ],
      'boundaries/elements': [
        { type: 'shared-api', pattern: 'src-shared/api/**', partialMatch: false },
        { type: 'shared', pattern: 'src-shared/**', partialMatch: false },
        { type: 'engine', pattern: 'src-main/engine/**', partialMatch: false },
        { type: 'store', pattern: 'src-main/store/**', partialMatch: false },
        { type: 'main', pattern: 'src-main/**', partialMatch: false },
        { type: 'preload', pattern: 'src-preload/**', partialMatch: false },
        { type: 'renderer', pattern: 'src-renderer/**', partialMatch: false },
        { type: 'plugins', pattern: 'plugins/**', partialMatch: false },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message:
            '{{from.type}} may not import {{to.type}} (see the layer rules in eslint.config.js)',
          policies: [
            {
              from: { element: { types: { anyOf: ['shared', 'shared-api'] } } },
              allow: { to: { element: { types: { anyOf: ['shared', 'shared-api'] } } } },
            },
            {
              from: { element: { type: 'engine' } },
              allow: { to: { element: { types: { anyOf: ['shared', 'shared-api', 'engine'] } } } },
            },
            {
              from: { element: { type: 'store' } },
              allow: { to: { element: { types: { anyOf: ['shared', 'shared-api', 'store'] } } } },
            },
            // The store implements the engine's StateStore: it may see that interface's types, nothing else.
            {
              from: { element: { type: 'store' } },
              allow: {
                to: { element: { type: 'engine' } },
                dependency: { kind: 'type', source: '../engine/state-store' },
              },
            },
            {
              from: { element: { type: 'plugins' } },
              allow: { to: { element: { types: { anyOf: ['shared', 'shared-api', 'plugins'] } } } },
            },
            {
              from: { element: { type: 'preload' } },
              allow: { to: { element: { types: { anyOf: ['shared-api', 'preload'] } } } },
            },
            {
              from: { element: { type: 'renderer' } },
              allow: {
                to: { element: { types: { anyOf: ['shared', 'shared-api', 'renderer'] } } },
              },
            },
            {
              from: { element: { type: 'main' } },
              allow: {
                to: {
                  element: {
                    types: {
                      anyOf: ['shared', 'shared-api', 'engine', 'store', 'main', 'plugins'],
                    },
                  },
                },
              },
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/electron/main.ts', 'src-preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'src-shared is pure TypeScript.' },
            { name: 'react', message: 'src-shared is pure TypeScript.' },
          ],
          patterns: [
            {
              group: nodeBuiltins,
              message: 'src-shared runs in the browser too: no Node imports.',
            },
            {
              group: [
                '**/src-main/**',
                '**/src-renderer/**',
                '**/src-preload/**',
                'better-sqlite3',
              ],
              message: 'src-shared imports nothing runtime-specific.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The renderer talks to the app only through the API client.',
            },
          ],
          patterns: [
            {
              group: ['**/src-main/**', '**/plugins/**'],
              message: 'The renderer never imports src-main; use the API client.',
            },
            {
              group: nodeBuiltins,
              message: 'The renderer runs in a sandboxed page: no Node imports.',
            },
          ],
        },
      ],
    },
  },
)
