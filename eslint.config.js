// Flat config. The import restrictions keep the layers of design §1 apart: src-shared is pure,
// only the Electron entry and the preload import 'electron', the renderer never reaches into src-main.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import regexp from 'eslint-plugin-regexp'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'worker_threads', 'url', 'util', 'stream']

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'tmp/**', 'native/**'] },
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
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only src-main/electron/main.ts and src-preload import electron.' }] }],
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
          paths: [{ name: 'electron', message: 'src-shared is pure TypeScript.' }, { name: 'react', message: 'src-shared is pure TypeScript.' }],
          patterns: [
            { group: nodeBuiltins, message: 'src-shared runs in the browser too: no Node imports.' },
            { group: ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**', 'better-sqlite3'], message: 'src-shared imports nothing runtime-specific.' },
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
          paths: [{ name: 'electron', message: 'The renderer talks to the app only through the API client.' }],
          patterns: [
            { group: ['**/src-main/**', '**/plugins/**'], message: 'The renderer never imports src-main; use the API client.' },
            { group: nodeBuiltins, message: 'The renderer runs in a sandboxed page: no Node imports.' },
          ],
        },
      ],
    },
  },
)
