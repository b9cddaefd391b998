import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'src-shared/**/*.test.ts',
      'src-main/**/*.test.ts',
      'src-renderer/**/*.test.ts',
      'plugins/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['e2e/**', 'node_modules/**', 'out/**'],
    environment: 'node',
    testTimeout: 20000,
    pool: 'forks',
  },
})
